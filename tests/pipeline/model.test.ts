// Everything that needs a model directory, run on the committed stub model
// (scripts/make-stub-model.py) and on the exported model in
// SPACETIME_TEST_MODEL (default models/dev) when that directory exists.
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";

import { generate, type GenerateOptions } from "../../lib/pipeline/generate";
import { temporalRatio } from "../../lib/pipeline/manifest";
import { getRuntime, releaseRuntimes } from "../../lib/pipeline/sessions";
import { maxAbsDifference, readGolden, readTensor, relativeError } from "./golden";

const exported = process.env.SPACETIME_TEST_MODEL ?? "models/dev";
const dirs = ["tests/pipeline/fixtures/stub-model", "tests/pipeline/fixtures/stub-planned-model", ...(existsSync(path.join(exported, "model.json")) ? [exported] : [])];
if (dirs.length === 1) console.warn(`no exported model at ${exported}: model tests run on the stub model only`);

const outRoot = mkdtempSync(path.join(tmpdir(), "spacetime-generate-"));
afterAll(async () => {
  rmSync(outRoot, { recursive: true, force: true });
  await releaseRuntimes();
});

const sha = (frames: Uint8Array[]) => {
  const h = createHash("sha256");
  for (const f of frames) h.update(f);
  return h.digest("hex");
};

describe.each(dirs)("model %s", (modelDir) => {
  // Few steps: the point is the plumbing, and the CPU is shared with training.
  const base: GenerateOptions = { prompt: "a red ball bouncing in the snow", seed: 3, steps: 2, modelDir };

  it("every ONNX part matches PyTorch's golden tensors (relative error <= 1e-4; uint8 frames within 1)", async () => {
    const rt = await getRuntime(modelDir);
    const sessions: Record<string, typeof rt.dit> = { text_encoder: rt.textEncoder, dit: rt.dit, ...rt.decoders };
    const cases = readGolden(modelDir);
    // Every graph has a case, the outputs' other decoders too (model.json outputs).
    expect(new Set(cases.map((c) => c.part))).toEqual(new Set(Object.keys(sessions)));
    for (const c of cases) {
      const feeds = Object.fromEntries(Object.entries(c.inputs).map(([k, ref]) => [k, readTensor(modelDir, ref)]));
      const out = await sessions[c.part]!.run(feeds);
      for (const [name, ref] of Object.entries(c.outputs)) {
        const want = readTensor(modelDir, ref);
        expect(out[name]!.dims, `${c.part}.${name}`).toEqual(want.dims);
        expect(out[name]!.type, `${c.part}.${name}`).toBe(want.type);
        if (want.type === "uint8") expect(maxAbsDifference(out[name]!.data as Uint8Array, want.data as Uint8Array), `${c.part}.${name}`).toBeLessThanOrEqual(1);
        else expect(relativeError(out[name]!.data as Float32Array, want.data as Float32Array), `${c.part}.${name}`).toBeLessThanOrEqual(1e-4);
      }
    }
  });

  it("same seed -> identical frames; another seed -> different frames", async () => {
    const a = await generate(base);
    const b = await generate(base);
    const c = await generate({ ...base, seed: 4 });
    expect(sha(a.frames)).toBe(sha(b.frames));
    expect(sha(a.frames)).not.toBe(sha(c.frames));
  });

  it("guidance changes the result, and guidance 1 skips the unconditional half", async () => {
    const g4 = await generate({ ...base, guidance: 4 });
    const g1 = await generate({ ...base, guidance: 1 });
    expect(sha(g4.frames)).not.toBe(sha(g1.frames));
  });

  it("reports progress with previews and unknown words", async () => {
    const events: { step: number; total: number; preview?: { rgb: Uint8Array; frames: number } }[] = [];
    const r = await generate({ ...base, prompt: "a red unicorn in the sky", steps: 4, previewEvery: 2, onStepEnd: (e) => events.push(e) });
    expect(events.map((e) => e.step)).toEqual([1, 2, 3, 4]);
    expect(events.every((e) => e.total === 4)).toBe(true);
    expect(events.map((e) => e.preview !== undefined)).toEqual([false, true, false, true]);
    const rt = await getRuntime(modelDir);
    const { frames, height, width } = rt.model.manifest.latent;
    expect(events[1]!.preview!.rgb.length).toBe(frames * height * width * 3);
    expect(r.unknownWords).toEqual(["unicorn"]);
  });

  it("abort stops within one step and leaves no files", async () => {
    const out = mkdtempSync(path.join(outRoot, "abort-"));
    const ac = new AbortController();
    let steps = 0;
    const run = generate({
      ...base,
      steps: 6,
      out: path.join(out, "clip.mp4"),
      signal: ac.signal,
      onStepEnd: () => {
        steps++;
        if (steps === 2) ac.abort();
      },
    });
    await expect(run).rejects.toMatchObject({ code: "ABORTED" });
    expect(steps).toBe(2);
    expect(readdirSync(out)).toEqual([]);
  });

  it("refuses bad inputs with the field named", async () => {
    const rt = await getRuntime(modelDir);
    const m = rt.model.manifest;
    const bad: [Partial<GenerateOptions>, RegExp][] = [
      [{ steps: m.limits.steps[1] + 1 }, /steps/],
      [{ steps: 2.5 }, /steps/],
      [{ guidance: m.limits.guidance[0] - 0.5 }, /guidance/],
      [{ seed: -1 }, /seed/],
      [{ prompt: "" }, /prompt: must not be empty/],
      [{ prompt: "a".repeat(m.limits.prompt_chars + 1) }, /prompt/],
      [{ out: "clip.mov" }, /out: must be a \.mp4 path/],
      [{ scheduler: "ddim" as never }, /scheduler/],
      [{ extend: -1 }, /extend/],
      [{ negativePrompt: "blurry", guidance: 1 }, /negativePrompt: a negative prompt works through guidance/],
    ];
    for (const [opts, message] of bad) {
      await expect(generate({ ...base, ...opts }), JSON.stringify(opts)).rejects.toMatchObject({ code: "BAD_INPUT", message: expect.stringMatching(message) });
    }
  });

  it("extends a clip chunk by chunk, and continues a finished one", async () => {
    const rt = await getRuntime(modelDir);
    const m = rt.model.manifest;
    // At the DiT's own fps, so output frames count the DiT's frames (a finer decoder only multiplies them).
    const base8: GenerateOptions = { ...base, fps: m.video.fps };
    const k = Math.max(1, Math.min(m.context_frames.max, m.latent.frames - 1, Math.floor(m.latent.frames / 3)));
    const perChunk = (m.latent.frames - k) * temporalRatio(m);
    const one = await generate(base8);
    const two = await generate({ ...base8, extend: 1 });
    expect(one.frames).toHaveLength(m.video.frames);
    expect(two.frames).toHaveLength(m.video.frames + perChunk);
    expect(two.chunks).toBe(2);
    // The first chunk is the same clip: the noise stream is consumed in order.
    expect(sha(two.frames.slice(0, m.video.frames))).toBe(sha(one.frames));
    // The second chunk holds its context as given: its first k latent frames are the first chunk's last k.
    const { channels: C, frames: F, height: h, width: w } = m.latent;
    const hw = h * w;
    for (let c = 0; c < C; c++) {
      const carried = two.lastLatent.subarray(c * F * hw, (c * F + k) * hw);
      expect(Array.from(carried)).toEqual(Array.from(one.lastLatent.subarray((c * F + F - k) * hw, (c * F + F) * hw)));
    }
    // Continuing a finished clip from its last latent yields only the new frames.
    const more = await generate({ ...base8, continueFrom: one.lastLatent, seed: 99 });
    expect(more.frames).toHaveLength(perChunk);
    // A frame count picks the number of chunks and trims.
    const trimmed = await generate({ ...base8, frames: m.video.frames + 1 });
    expect(trimmed.chunks).toBe(2);
    expect(trimmed.frames).toHaveLength(m.video.frames + 1);
  });

  it("writes an MP4 that ffprobe reads with the right frames, size and metadata", async () => {
    const out = mkdtempSync(path.join(outRoot, "mp4-"));
    const r = await generate({ ...base, negativePrompt: "blurry", guidance: 2, out: path.join(out, "clip.mp4") });
    expect(readdirSync(out).sort()).toEqual(["clip.mp4", "clip.png", "clip.webm", "clip.webp"]);
    const probe = JSON.parse(
      execFileSync(
        "ffprobe",
        ["-v", "error", "-of", "json", "-count_frames", "-select_streams", "v:0", "-show_entries", "stream=codec_name,width,height,nb_read_frames:format_tags=title,comment", r.outputs.mp4!],
        { encoding: "utf8" },
      ),
    );
    expect(probe.streams[0]).toMatchObject({ codec_name: "h264", width: r.width, height: r.height, nb_read_frames: String(r.frames.length) });
    expect(probe.format.tags.title).toBe(base.prompt);
    expect(JSON.parse(probe.format.tags.comment)).toMatchObject({ seed: 3, steps: 2, guidance: r.guidance, model: r.modelId, negative: "blurry" });
    expect(Object.keys(r.timings)).toEqual(["validate", "tokenize", "encode", "noise", "timesteps", "denoise", "decode", "mux", "total"]);
  });
});
