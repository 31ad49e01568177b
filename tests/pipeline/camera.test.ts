// Camera moves through generate(), on the camera stub model (scripts/make-stub-model.py --camera,
// whose DiT reads the camera channels): its golden plan input is the TypeScript planner's, a
// prompt's move and a storyboard's shots are filmed, and a model trained before the camera
// refuses a moving camera naming the field.
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { afterAll, describe, expect, it } from "vitest";

import { PipelineError } from "../../lib/pipeline/errors";
import { generate, type GenerateOptions } from "../../lib/pipeline/generate";
import { readManifest } from "../../lib/pipeline/manifest";
import { planRaster } from "../../lib/pipeline/plan-input";
import { releaseRuntimes } from "../../lib/pipeline/sessions";
import { parse } from "../../lib/plan/parser";
import { makePlan } from "../../lib/plan/plan";
import { completeSpec } from "../../lib/plan/prompt";
import { rasterize } from "../../lib/plan/raster";
import { CAMERA_CHANNELS, RASTER_CHANNELS, SHADE_CHANNELS } from "../../lib/plan/vocab";
import { readGolden, readTensor } from "./golden";
import { badInput } from "./bad-input";

const camera = "tests/pipeline/fixtures/stub-camera-model";
const planned = "tests/pipeline/fixtures/stub-planned-model";
afterAll(releaseRuntimes);

const sha = (frames: Uint8Array[]) => createHash("sha256").update(Buffer.concat(frames)).digest("hex");
const base: GenerateOptions = { prompt: "a red ball moving right in the snow, the camera pans left", seed: 5, steps: 2, modelDir: camera, previewEvery: 0 };

describe("camera moves in generate()", () => {
  it("the TypeScript planner makes the golden case's filmed plan input, camera channels included", () => {
    const golden = JSON.parse(readFileSync(`${camera}/golden.json`, "utf8")) as { plan: { prompt: string; seed: number } };
    const channels = readManifest(camera).plan!.channels;
    expect(channels).toEqual(RASTER_CHANNELS.slice(0, -SHADE_CHANNELS.length)); // a model from before the shade
    const want = readTensor(camera, readGolden(camera).find((c) => c.part === "dit")!.inputs.plan!).data as Float32Array;
    const spec = completeSpec(parse(golden.plan.prompt).spec!, golden.plan.seed);
    const plan = makePlan(spec, { frames: 9, width: 64, height: 64, fps: 8 }, golden.plan.seed, golden.plan.seed);
    expect(plan.camera?.move).toBe("pan-left");
    const got = rasterize(plan, 0, 9, 64, 64, channels);
    let worst = 0;
    for (let i = 0; i < got.length; i++) worst = Math.max(worst, Math.abs(got[i]! - want[i]!));
    expect(worst).toBeLessThanOrEqual(1e-6);
    const plane = got.length / channels.length;
    const panX = got.subarray(channels.indexOf(CAMERA_CHANNELS[0]!) * plane, (channels.indexOf(CAMERA_CHANNELS[0]!) + 1) * plane);
    expect(Math.min(...panX)).toBeGreaterThan(0); // the picture moves right in every cell
  });

  it("films a prompt's move and a storyboard's shots; the clip's plan holds the view", async () => {
    const r = await generate(base);
    expect(r.plan!.camera!.move).toBe("pan-left");
    const x = r.plan!.camera!.x;
    expect(x[x.length - 1]!).toBeLessThan(x[0]!); // the view moves left
    const board = await generate({ ...base, prompt: undefined, shots: [
      { prompt: "a red ball moving right in the snow", seconds: 1, camera: "zoom-out" },
      { prompt: "the red ball moving right", seconds: 1, camera: "follow" },
    ] } as GenerateOptions);
    expect(board.plan!.camera!.move).toBe("zoom-out");
    expect(Math.min(...board.plan!.camera!.zoom)).toBeLessThan(0.8);
  });

  it("camera guidance: the unconditional row lacks only the camera's channels, so guidance strengthens the move", async () => {
    const m = readManifest(camera);
    const { plan } = await generate(base);
    const rows = planRaster(plan, 0, 2, m, "camera").data as Float32Array;
    const [guided, unguided] = [rows.subarray(0, rows.length / 2), rows.subarray(rows.length / 2)];
    expect(guided).toEqual(planRaster(plan, 0, 1, m).data);
    const plane = guided.length / m.plan!.channels.length;
    const channel = (r: Float32Array, c: string) => r.subarray(m.plan!.channels.indexOf(c) * plane, (m.plan!.channels.indexOf(c) + 1) * plane);
    expect(channel(guided, CAMERA_CHANNELS[0]!).some((v) => v !== 0)).toBe(true); // the pan moves the picture
    for (const c of m.plan!.channels) {
      if (CAMERA_CHANNELS.includes(c)) expect(channel(unguided, c).every((v) => v === 0)).toBe(true);
      else expect(channel(unguided, c)).toEqual(channel(guided, c));
    }
    const off = await generate({ ...base, guidance: 3 });
    const on = await generate({ ...base, guidance: 3, planGuidance: "camera" });
    expect(on.planGuidance).toBe("camera");
    expect(sha(on.frames)).not.toBe(sha(off.frames));
    // A static camera has nothing to strengthen: its camera channels are zeros in both rows.
    const still = { ...base, prompt: "a red ball moving right in the snow", guidance: 3 };
    expect(sha((await generate({ ...still, planGuidance: "camera" })).frames)).toBe(sha((await generate(still)).frames));
  });

  it("camera guidance leaves a still view alone: its shading stays in both rows, and a moving view's is left out", async () => {
    const read = readManifest(camera);
    const m = { ...read, plan: { ...read.plan!, channels: [...RASTER_CHANNELS] } }; // a model that reads the shade
    const plane = (rows: Float32Array) => rows.length / 2 / RASTER_CHANNELS.length;
    const shade = (rows: Float32Array, row: number) => {
      const k = RASTER_CHANNELS.indexOf(SHADE_CHANNELS[0]!);
      const start = row * (rows.length / 2) + k * plane(rows);
      return rows.subarray(start, start + plane(rows));
    };
    const still = planRaster((await generate({ ...base, prompt: "a red ball moving right in the snow" })).plan, 0, 2, m, "camera").data as Float32Array;
    expect(shade(still, 0).some((v) => v !== 0)).toBe(true);
    expect(still.subarray(still.length / 2)).toEqual(still.subarray(0, still.length / 2));
    const moving = planRaster((await generate(base)).plan, 0, 2, m, "camera").data as Float32Array;
    expect(shade(moving, 0).some((v) => v !== 0)).toBe(true);
    expect(shade(moving, 1).every((v) => v === 0)).toBe(true);
  });

  it("a model trained before the camera refuses a moving camera, naming the field", async () => {
    const r = await generate({ ...base, modelDir: camera });
    expect(await badInput({ ...base, modelDir: planned, plan: { ...r.plan!, width: 64, height: 64 } })).toMatch(/plan\.camera: the model renders no camera moves/);
    expect(await badInput({ ...base, modelDir: planned, prompt: undefined, shots: [{ prompt: "a red ball", seconds: 1, camera: "pan-up" }] } as GenerateOptions)).toMatch(/shots\.0\.camera: model .* renders no camera moves/);
  });
});
