// Issue #16: clips at 8 and 24 fps and three aspects, from model.json's outputs and aspects
// (docs/model-format.md); a directory without them keeps today's one shape.
import { execFileSync } from "node:child_process";
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";

import { settingsLimits } from "../../lib/pipeline/contract";
import { generate } from "../../lib/pipeline/generate";
import { parseManifest } from "../../lib/pipeline/manifest";
import { releaseRuntimes } from "../../lib/pipeline/sessions";
import { clipShape } from "../../lib/pipeline/shapes";

const STUB = "tests/pipeline/fixtures/stub-model";
const PLANNED = "tests/pipeline/fixtures/stub-planned-model";
const stubJson = () => JSON.parse(readFileSync(path.join(STUB, "model.json"), "utf8"));
const tmp = mkdtempSync(path.join(tmpdir(), "spacetime-shapes-"));
afterAll(async () => {
  rmSync(tmp, { recursive: true, force: true });
  await releaseRuntimes();
});

/** The stub with the issue #16 fields stripped: a model directory written before them. */
function oldDir(): string {
  const dir = mkdtempSync(path.join(tmp, "old-"));
  cpSync(STUB, dir, { recursive: true });
  const m = stubJson();
  delete m.outputs;
  delete m.aspects;
  delete m.defaults.fps;
  delete m.defaults.aspect;
  delete m.files.vae_decoder_24;
  rmSync(path.join(dir, "vae_decoder_24.onnx"));
  writeFileSync(path.join(dir, "model.json"), JSON.stringify(m));
  return dir;
}

const issues = (json: unknown) => {
  try {
    parseManifest(json);
    return "";
  } catch (err) {
    return (err as Error).message;
  }
};

describe("model.json outputs and aspects", () => {
  it("parses the stub's and derives each shape", () => {
    const m = parseManifest(stubJson());
    expect(clipShape(m, 8, "1:1")).toMatchObject({ decoder: "vae_decoder", width: 32, height: 32, window: 9, latent: { height: 8, width: 8 } });
    expect(clipShape(m, 24, "16:9")).toMatchObject({ decoder: "vae_decoder_24", width: 96, height: 64, window: 25, latent: { height: 8, width: 12 } });
    expect(clipShape(m, 24, "9:16")).toMatchObject({ width: 64, height: 96, frame: { width: 32, height: 48 } });
    const l = settingsLimits(m);
    expect(l.fps).toEqual([8, 24]);
    expect(l.aspects).toEqual(["1:1", "16:9", "9:16"]);
  });

  it("refuses a broken export, naming the field", () => {
    const bad = (edit: (m: ReturnType<typeof stubJson>) => void) => {
      const m = stubJson();
      edit(m);
      return issues(m);
    };
    expect(bad((m) => (m.aspects["16:9"].width = 44))).toMatch(/aspects\.16:9: 44x32 must be multiples of 8x8/);
    expect(bad((m) => (m.aspects["1:1"] = { width: 48, height: 32 }))).toMatch(/aspects\.1:1: must equal video's 32x32/);
    expect(bad((m) => delete m.aspects["1:1"])).toMatch(/aspects: must have "1:1"/);
    expect(bad((m) => delete m.files.vae_decoder_24)).toMatch(/outputs\.24\.file: "vae_decoder_24" is not in files/);
    expect(bad((m) => (m.files.vae_decoder_24.sha256 = "x"))).toMatch(/files\.vae_decoder_24\.sha256/);
    expect(bad((m) => (m.defaults.fps = 30))).toMatch(/defaults\.fps: 30 is not a key of outputs/);
    expect(bad((m) => (m.defaults.aspect = "4:3"))).toMatch(/defaults\.aspect: "4:3" is not a key of aspects/);
    expect(bad((m) => (m.outputs["24"].scale = 0))).toMatch(/outputs\.24\.scale/);
    expect(bad((m) => (m.outputs["8"].file = "vae_decoder_24"))).toMatch(/outputs: must map video\.fps \(8\) to "vae_decoder"/);
  });

  it("an old directory has one shape, 8 fps square, and refuses 24 fps naming the field", async () => {
    const dir = oldDir();
    const m = parseManifest(JSON.parse(readFileSync(path.join(dir, "model.json"), "utf8")));
    const l = settingsLimits(m);
    expect([l.fps, l.aspects, l.defaults.fps, l.defaults.aspect]).toEqual([[8], ["1:1"], 8, "1:1"]);
    const r = await generate({ prompt: "a red ball", seed: 1, steps: 1, modelDir: dir });
    expect([r.width, r.height, r.fps, r.frames.length]).toEqual([32, 32, 8, 9]);
    await expect(generate({ prompt: "a red ball", seed: 1, steps: 1, modelDir: dir, fps: 24 })).rejects.toThrow(/fps: this model makes clips at 8 fps/);
    await expect(generate({ prompt: "a red ball", seed: 1, steps: 1, modelDir: dir, aspect: "16:9" })).rejects.toThrow(/aspect: this model draws 1:1/);
  });
});

const probe = (file: string) =>
  JSON.parse(
    execFileSync("ffprobe", ["-v", "error", "-of", "json", "-count_frames", "-select_streams", "v:0", "-show_entries", "stream=width,height,nb_read_frames,r_frame_rate", file], {
      encoding: "utf8",
    }),
  ).streams[0];

describe.each([STUB, PLANNED])("clips of %s", (modelDir) => {
  const square = modelDir === STUB ? 32 : 64;
  const long = square * 1.5; // the stub's 16:9 frame: two patches wider (make-stub-model.py)
  it.each([
    [8, "1:1", square, square],
    [8, "16:9", long, square],
    [8, "9:16", square, long],
    [24, "1:1", 2 * square, 2 * square],
    [24, "16:9", 2 * long, 2 * square],
    [24, "9:16", 2 * square, 2 * long],
  ])("%i fps %s is %ix%i with the window's frames", async (fps, aspect, width, height) => {
    const out = path.join(mkdtempSync(path.join(tmp, "clip-")), "clip.mp4");
    const r = await generate({ prompt: "a red ball bouncing in the sky", seed: 2, steps: 1, modelDir, fps, aspect, out, formats: ["mp4"] });
    const frames = fps === 8 ? 9 : 25; // 1 + 4 latent frames x frames_per_latent (2 or 6)
    expect([r.width, r.height, r.fps, r.aspect, r.frames.length]).toEqual([width, height, fps, aspect, frames]);
    if (r.plan) expect([r.plan.width, r.plan.height, r.plan.fps]).toEqual([width / (fps === 24 ? 2 : 1), height / (fps === 24 ? 2 : 1), 8]);
    expect(probe(r.outputs.mp4!)).toMatchObject({ width, height, nb_read_frames: String(frames), r_frame_rate: `${fps}/1` });
  });

  it("extends at 24 fps 16:9: each new latent frame is 6 output frames", async () => {
    const base = { prompt: "a red ball bouncing in the sky", seed: 4, steps: 1, modelDir, fps: 24, aspect: "16:9" };
    const one = await generate(base);
    const two = await generate({ ...base, extend: 1 });
    // 5 latent frames, 1 of context (the stub's default): 4 new ones x 6.
    expect(two.frames.length).toBe(one.frames.length + 4 * 6);
    expect(two.chunks).toBe(2);
    // A clip is a function of its settings: the longer one starts with the shorter one's frames.
    expect(Buffer.from(two.frames[10]!).equals(Buffer.from(one.frames[10]!))).toBe(true);
    const more = await generate({ ...base, continueFrom: one.lastLatent });
    expect([more.width, more.height, more.frames.length]).toEqual([one.width, one.height, 4 * 6]);
  });
});
