// The DiT's plan input is what spacetime.plan.rasterize gives (to 1e-5),
// from the same Python plan: whole rasters where small, per-plane sums and
// sampled cells for the rest; and only the channels a model reads.
import { describe, expect, it } from "vitest";

import { PlanError } from "../../lib/plan/errors";
import { makePlan } from "../../lib/plan/plan";
import { latentFrameGroups, rasterize } from "../../lib/plan/raster";
import { planSchema } from "../../lib/plan/schema";
import { CAMERA_CHANNELS, RASTER_CHANNELS, SHADE_CHANNELS } from "../../lib/plan/vocab";
import { maxAbsDiff } from "./compare";
import { layoutCases, rasterFixture } from "./python-fixtures";

const TOLERANCE = 1e-5;

function float32(base64: string): Float32Array {
  const bytes = Buffer.from(base64, "base64");
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return Float32Array.from({ length: bytes.byteLength / 4 }, (_, i) => view.getFloat32(4 * i, true));
}

/** Sum over each (channel, latent frame) plane, in float64 as numpy sums the float32 values. */
function planeSums(r: Float32Array, shape: number[]): number[][] {
  const [C, T, h, w] = shape as [number, number, number, number];
  const plane = h * w;
  return Array.from({ length: C }, (_, c) =>
    Array.from({ length: T }, (_, j) => {
      let s = 0;
      for (let i = 0; i < plane; i++) s += r[(c * T + j) * plane + i]!;
      return s;
    }),
  );
}

describe("raster parity with Python", () => {
  const fixture = rasterFixture();
  const plans = new Map(layoutCases().map((c) => [c.name, c]));

  it("has Python's channels in Python's order", () => {
    expect(RASTER_CHANNELS).toEqual(fixture.channels);
  });

  it.each(fixture.cases.map((c) => [`${c.plan} from ${c.start}, ${c.frames} frames`, c] as const))("%s", (_, c) => {
    const plan = planSchema.parse(plans.get(c.plan)!.plan);
    const r = rasterize(plan, c.start, c.frames, c.height, c.width);
    expect(r.length).toBe(c.shape.reduce((a, b) => a * b, 1));
    expect(c.shape).toEqual([RASTER_CHANNELS.length, latentFrameGroups(c.frames).length, c.height / 8, c.width / 8]);
    if (c.float32_le_base64) expect(maxAbsDiff(r, float32(c.float32_le_base64))).toBeLessThanOrEqual(TOLERANCE);
    for (const [index, value] of c.samples) expect(Math.abs(r[index]! - value), `cell ${index}`).toBeLessThanOrEqual(TOLERANCE);
    // A plane sums up to a few hundred cells, each within float32 rounding.
    expect(maxAbsDiff(planeSums(r, c.shape).flat(), c.sums.flat())).toBeLessThanOrEqual(TOLERANCE * 100);
  });

  it("rasterises a TypeScript plan as the Python plan it equals", () => {
    const c = plans.get("three-singles-24fps")!;
    const ours = makePlan(c.spec, { frames: c.frames, width: c.width, height: c.height, fps: c.fps }, c.seed, c.background_seed, c.words ?? undefined);
    const theirs = planSchema.parse(c.plan);
    expect(maxAbsDiff(rasterize(ours, 8, 17, c.height, c.width), rasterize(theirs, 8, 17, c.height, c.width))).toBe(0);
  });

  it("is all zeros without a plan, and refuses windows and frames the plan does not have", () => {
    const none = rasterize(null, 0, 17, 128, 128);
    expect(none.length).toBe(RASTER_CHANNELS.length * 9 * 16 * 16);
    expect(none.every((v) => v === 0)).toBe(true);
    const plan = planSchema.parse(plans.get("two-singles-17")!.plan);
    expect(() => rasterize(plan, 1, 17, 128, 128)).toThrow(PlanError);
    expect(() => rasterize(plan, -1, 5, 128, 128)).toThrow(/outside the plan/);
    expect(() => rasterize(plan, 0, 17, 144, 256)).toThrow(/the model draws 256x144/);
  });

  it("rasterises a filmed TypeScript plan as the Python plan it equals", () => {
    const c = plans.get("camera-zoom-out-2-49")!;
    const ours = makePlan(c.spec, { frames: c.frames, width: c.width, height: c.height, fps: c.fps }, c.seed, c.background_seed, c.words ?? undefined);
    expect(ours.camera?.move).toBe("zoom-out");
    const theirs = planSchema.parse(c.plan);
    expect(maxAbsDiff(rasterize(ours, 16, 17, c.height, c.width), rasterize(theirs, 16, 17, c.height, c.width))).toBeLessThanOrEqual(TOLERANCE);
  });

  it("gives the channels asked for, in their order: a model from before the camera reads the first 23 planes, one from before the shade 25", () => {
    const later = [...CAMERA_CHANNELS, ...SHADE_CHANNELS];
    expect(RASTER_CHANNELS.slice(-later.length)).toEqual(later);
    const before = RASTER_CHANNELS.slice(0, -later.length);
    expect(before).toHaveLength(23);
    const beforeShade = RASTER_CHANNELS.slice(0, -SHADE_CHANNELS.length);
    expect(beforeShade).toHaveLength(25);
    for (const name of ["camera-pan-left-0-49", "three-singles-24fps"]) {
      const c = plans.get(name)!;
      const plan = planSchema.parse(c.plan);
      const full = rasterize(plan, 0, 17, c.height, c.width);
      const planes = full.length / RASTER_CHANNELS.length;
      for (const prefix of [before, beforeShade]) {
        expect(maxAbsDiff(rasterize(plan, 0, 17, c.height, c.width, prefix), full.subarray(0, prefix.length * planes))).toBe(0);
      }
      const picked = rasterize(plan, 0, 17, c.height, c.width, ["camera:y", "given", "kind:ball"]);
      const plane = (name: string) => full.subarray(RASTER_CHANNELS.indexOf(name) * planes, (RASTER_CHANNELS.indexOf(name) + 1) * planes);
      expect(maxAbsDiff(picked, Float32Array.from([...plane("camera:y"), ...plane("given"), ...plane("kind:ball")]))).toBe(0);
    }
    expect(rasterize(null, 0, 17, 128, 128, before)).toHaveLength(before.length * 9 * 16 * 16);
    expect(() => rasterize(null, 0, 17, 128, 128, ["given", "depth"])).toThrow(/no raster channel "depth"/);
  });

  it("holds the picture's motion in the camera channels: zero for a static camera, the pan's speed for a pan", () => {
    const still = planSchema.parse(plans.get("camera-static-1-49")!.plan);
    expect(still.camera).toBeUndefined();
    const s = rasterize(still, 0, 17, still.height, still.width, CAMERA_CHANNELS);
    expect(s.every((v) => v === 0)).toBe(true);
    const pan = planSchema.parse(plans.get("camera-pan-left-0-49")!.plan);
    const r = rasterize(pan, 0, 17, pan.height, pan.width, CAMERA_CHANNELS);
    const half = r.length / 2;
    // A pan left slides the whole picture right, the same everywhere, and not up or down.
    const speed = (20 * Math.min(pan.width, pan.height)) / 128;
    const step = ((pan.camera!.x[0]! - pan.camera!.x[1]!) * pan.fps) / speed;
    expect(step).toBeGreaterThan(0);
    for (let i = 0; i < half; i++) expect(r[i]).toBeCloseTo(step, 5);
    expect(r.subarray(half).every((v) => v === 0)).toBe(true);
  });

  it("leaves out the frames an object is not visible in", () => {
    const plan = planSchema.parse(plans.get("still-64")!.plan);
    const hidden = { ...plan, objects: plan.objects.map((o) => ({ ...o, track: { ...o.track, visible: o.track.visible.map(() => false) } })) };
    const objects = RASTER_CHANNELS.filter((c) => c !== "given" && !SHADE_CHANNELS.includes(c));
    const r = rasterize(hidden, 0, plan.frames, plan.height, plan.width, ["given", ...objects]);
    const plane = r.length / (1 + objects.length);
    expect(r.subarray(0, plane).every((v) => v === 1)).toBe(true); // still "given"
    expect(r.subarray(plane).every((v) => v === 0)).toBe(true); // and the scene's shade, which no object changes
  });
});
