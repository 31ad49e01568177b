// Scene plans through generate(), on the planned stub model (scripts/make-stub-model.py --planned):
// the plan input agrees with Python's, a clip is a function of (plan, settings, seed), bad plans
// are refused naming the field, and the plan travels in the MP4.
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";

import { PipelineError } from "../../lib/pipeline/errors";
import { generate, type GenerateOptions } from "../../lib/pipeline/generate";
import { parse } from "../../lib/plan/parser";
import { makePlan } from "../../lib/plan/plan";
import { completeSpec } from "../../lib/plan/prompt";
import { rasterize } from "../../lib/plan/raster";
import type { ScenePlan } from "../../lib/plan/schema";
import { readManifest } from "../../lib/pipeline/manifest";
import { CAMERA_CHANNELS, RASTER_CHANNELS, SHADE_CHANNELS } from "../../lib/plan/vocab";
import { planRaster } from "../../lib/pipeline/plan-input";
import { releaseRuntimes } from "../../lib/pipeline/sessions";
import { readGolden, readTensor } from "./golden";
import { badInput } from "./bad-input";

const planned = "tests/pipeline/fixtures/stub-planned-model";
const plain = "tests/pipeline/fixtures/stub-model";
const out = mkdtempSync(path.join(tmpdir(), "spacetime-plan-"));
afterAll(async () => {
  rmSync(out, { recursive: true, force: true });
  await releaseRuntimes();
});

const base: GenerateOptions = { prompt: "two small blue cubes spinning at night", seed: 5, steps: 2, modelDir: planned, previewEvery: 0 };
const sha = (frames: Uint8Array[]) => createHash("sha256").update(Buffer.concat(frames)).digest("hex");

describe("scene plans in generate()", () => {
  it("the TypeScript planner makes the plan input of the golden case, as Python did", () => {
    const golden = JSON.parse(readFileSync(path.join(planned, "golden.json"), "utf8")) as { plan: { prompt: string; seed: number } };
    const dit = readGolden(planned).find((c) => c.part === "dit")!;
    const want = readTensor(planned, dit.inputs.plan!).data as Float32Array;
    const spec = completeSpec(parse(golden.plan.prompt).spec!, golden.plan.seed); // the prompt says every attribute
    const plan = makePlan(spec, { frames: 9, width: 64, height: 64, fps: 8 }, golden.plan.seed, golden.plan.seed);
    const got = rasterize(plan, 0, 9, 64, 64, readManifest(planned).plan!.channels); // the channels the stub's DiT reads
    expect(got.length * 2).toBe(want.length); // row 0 planned, row 1 text alone
    let worst = 0;
    for (let i = 0; i < got.length; i++) worst = Math.max(worst, Math.abs(got[i]! - want[i]!));
    expect(worst).toBeLessThanOrEqual(1e-6);
    expect(want.subarray(got.length).every((v) => v === 0)).toBe(true);
  });

  it("plans the prompt by default; plan: null is text alone; the same plan gives the same clip", async () => {
    const auto = await generate(base);
    expect(auto.plan).not.toBeNull();
    expect(auto.plan!.objects.map((o) => [o.kind, o.colour, o.size, o.motion])).toEqual([
      ["cube", "blue", "small", "spinning"],
      ["cube", "blue", "small", "spinning"],
    ]);
    expect(auto.plan!.scene).toBe("night");
    const textAlone = await generate({ ...base, plan: null });
    expect(textAlone.plan).toBeNull();
    expect(sha(textAlone.frames)).not.toBe(sha(auto.frames));
    const again = await generate({ ...base, plan: auto.plan });
    expect(sha(again.frames)).toBe(sha(auto.frames));
    const moved = structuredClone(auto.plan!) as ScenePlan;
    moved.objects[0]!.track.x = moved.objects[0]!.track.x.map((x) => Math.min(64, x + 20));
    const other = await generate({ ...base, plan: moved });
    expect(sha(other.frames)).not.toBe(sha(auto.frames));
  });

  it("planGuidance: the unconditional row has no plan, so guidance strengthens the plan too", async () => {
    const m = readManifest(planned);
    const plan = (await generate(base)).plan!;
    const raster = planRaster(plan, 0, 2, m, "all").data as Float32Array;
    const half = raster.length / 2;
    expect(raster.subarray(0, half).some((v) => v !== 0)).toBe(true);
    expect(raster.subarray(half).every((v) => v === 0)).toBe(true);
    const off = await generate({ ...base, guidance: 3 });
    const on = await generate({ ...base, guidance: 3, planGuidance: true });
    expect([off.planGuidance, on.planGuidance]).toEqual(["off", "all"]);
    expect(sha((await generate({ ...base, guidance: 3, planGuidance: "all" })).frames)).toBe(sha(on.frames));
    expect(sha(on.frames)).not.toBe(sha(off.frames));
    // Without guidance there is no unconditional row: nothing changes.
    const g1 = await generate({ ...base, guidance: 1, planGuidance: true });
    expect(sha(g1.frames)).toBe(sha((await generate({ ...base, guidance: 1 })).frames));
  });

  it("a model from before the camera plans a prompt's move unfilmed, and reads a raster's first channels", async () => {
    const m = readManifest(planned);
    expect(m.plan!.channels).toEqual(RASTER_CHANNELS.slice(0, -(CAMERA_CHANNELS.length + SHADE_CHANNELS.length)));
    const r = await generate({ ...base, prompt: "a small blue cube moving right at night, the camera pans left", seconds: 2 });
    expect(r.plan!.camera).toBeUndefined(); // it cannot move the background, so the view stays put
    const spec = completeSpec(parse("a small blue cube moving right at night, the camera pans left").spec!, 5);
    const filmed = makePlan(spec, { frames: m.video.frames, width: m.video.width, height: m.video.height, fps: m.video.fps }, 5, 5);
    expect(filmed.camera?.move).toBe("pan-left");
    const input = planRaster(filmed, 0, 1, m).data as Float32Array;
    const full = rasterize(filmed, 0, m.video.frames, m.video.height, m.video.width);
    expect(input).toEqual(full.subarray(0, input.length));
    expect(full.subarray(input.length).some((v) => v !== 0)).toBe(true); // the camera channels it does not read
  });

  it("refuses bad plans with the field named", async () => {
    const { plan } = await generate(base);
    const broken = (edit: (p: ScenePlan) => void) => {
      const p = structuredClone(plan!) as ScenePlan;
      edit(p);
      return p;
    };
    expect(await badInput({ ...base, plan: broken((p) => (p.objects[0]!.track.x[3] = 500)) })).toMatch(/plan\.objects\.0\.track\.x/);
    expect(await badInput({ ...base, plan: broken((p) => (p.objects[0]!.kind = "dragon")) })).toMatch(/plan\.objects\.0\.kind/);
    expect(await badInput({ ...base, plan: broken((p) => p.objects[0]!.track.y.pop()) })).toMatch(/plan\.objects\.0\.track\.y/);
    expect(await badInput({ ...base, plan: broken((p) => (p.objects = [...p.objects, ...p.objects])) })).toMatch(/plan\.objects/);
    expect(await badInput({ ...base, plan: broken((p) => ((p as { width: number }).width = 128)) })).toMatch(/plan\.width/);
    expect(await badInput({ ...base, modelDir: plain, plan: plan! })).toMatch(/does not follow scene plans/);
  });

  it("a long clip follows one plan through every chunk, and the MP4 carries it", async () => {
    const r = await generate({ ...base, seconds: 4, out: path.join(out, "long.mp4"), formats: ["mp4"] });
    expect(r.frames.length).toBe(4 * 8 + 1);
    expect(r.chunks).toBeGreaterThan(1);
    expect(r.plan!.frames).toBeGreaterThanOrEqual(r.frames.length);
    const probe = JSON.parse(
      execFileSync("ffprobe", ["-v", "error", "-show_entries", "format_tags=comment", "-of", "json", r.outputs.mp4!], { encoding: "utf8" }),
    ) as { format: { tags: { comment: string } } };
    const comment = JSON.parse(probe.format.tags.comment) as { plan: ScenePlan };
    expect(comment.plan.objects).toEqual(r.plan!.objects);
  });
});
