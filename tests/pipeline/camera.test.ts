// Camera moves through generate(), on the camera stub model (scripts/make-stub-model.py --camera,
// whose DiT reads the camera channels): its golden plan input is the TypeScript planner's, a
// prompt's move and a storyboard's shots are filmed, and a model trained before the camera
// refuses a moving camera naming the field.
import { readFileSync } from "node:fs";
import { afterAll, describe, expect, it } from "vitest";

import { PipelineError } from "../../lib/pipeline/errors";
import { generate, type GenerateOptions } from "../../lib/pipeline/generate";
import { readManifest } from "../../lib/pipeline/manifest";
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

  it("a model trained before the camera refuses a moving camera, naming the field", async () => {
    const r = await generate({ ...base, modelDir: camera });
    expect(await badInput({ ...base, modelDir: planned, plan: { ...r.plan!, width: 64, height: 64 } })).toMatch(/plan\.camera: the model renders no camera moves/);
    expect(await badInput({ ...base, modelDir: planned, prompt: undefined, shots: [{ prompt: "a red ball", seconds: 1, camera: "pan-up" }] } as GenerateOptions)).toMatch(/shots\.0\.camera: model .* renders no camera moves/);
  });
});
