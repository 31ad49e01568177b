// The planner lays every Python fixture out as world/layout.py does: same
// cells, same draws, the same floats (to 1e-9; they are in fact equal, but
// for a zoom's powers), and films it with the same camera (world/camera.py).
import { describe, expect, it } from "vitest";

import { PlanError } from "../../lib/plan/errors";
import { makePlan } from "../../lib/plan/plan";
import { maxAbsDiff } from "./compare";
import { layoutCases, type LayoutCase } from "./python-fixtures";

const TOLERANCE = 1e-9;
const frameOf = (c: LayoutCase) => ({ frames: c.frames, width: c.width, height: c.height, fps: c.fps });

describe("layout parity with Python", () => {
  const cases = layoutCases();
  const laid = cases.filter((c) => c.plan);

  it.each(laid.map((c) => [c.name, c] as const))("%s", (_, c) => {
    const want = c.plan!;
    const got = makePlan(c.spec, frameOf(c), c.seed, c.background_seed, c.words ?? undefined);
    const { objects: gotObjects, camera: gotCamera, ...gotHead } = got;
    const { objects: wantObjects, camera: wantCamera, ...wantHead } = want;
    expect(gotHead).toEqual(wantHead);
    // The camera's view (only when it moves): its move and target, its arrays to the tolerance.
    expect(gotCamera === undefined, "camera stored").toBe(wantCamera === undefined);
    if (gotCamera && wantCamera) {
      expect([gotCamera.move, gotCamera.target]).toEqual([wantCamera.move, wantCamera.target]);
      for (const key of ["x", "y", "zoom"] as const) {
        expect(maxAbsDiff(gotCamera[key], wantCamera[key]), `camera.${key}`).toBeLessThanOrEqual(TOLERANCE);
      }
      expect(Object.keys(gotCamera)).toEqual(Object.keys(wantCamera));
    }
    expect(gotObjects).toHaveLength(wantObjects.length);
    gotObjects.forEach((o, i) => {
      const w = wantObjects[i]!;
      const { track: gotTrack, ...gotAttrs } = o;
      const { track: wantTrack, ...wantAttrs } = w;
      expect(gotAttrs).toEqual(wantAttrs);
      for (const key of ["x", "y", "diameter", "angle"] as const) {
        expect(maxAbsDiff(gotTrack[key], wantTrack[key]), `${o.id}.${key}`).toBeLessThanOrEqual(TOLERANCE);
      }
      expect(gotTrack.facing).toEqual(wantTrack.facing);
      expect(gotTrack.visible).toEqual(wantTrack.visible);
    });
    // to_dict()'s key order (camera last, when it moves), so the plan's JSON reads the same from either side.
    expect(Object.keys(got)).toEqual(Object.keys(want));
    expect(Object.keys(got.objects[0]!)).toEqual(Object.keys(want.objects[0]!));
  });

  it("refuses what Python refuses", () => {
    const refused = cases.filter((c) => c.error);
    expect(refused.length).toBeGreaterThan(0);
    for (const c of refused) {
      expect(() => makePlan(c.spec, frameOf(c), c.seed), c.name).toThrow(PlanError);
      expect(() => makePlan(c.spec, frameOf(c), c.seed), c.name).toThrow(/could not lay out/);
      expect(c.error).toMatch(/could not lay out/);
    }
  });

  it("refuses specs and frames the world does not have", () => {
    const spec = laid[0]!.spec;
    const frame = frameOf(laid[0]!);
    const subject = spec.subjects[0]!;
    expect(() => makePlan({ ...spec, subjects: [{ ...subject, kind: "dragon" }] }, frame, 1)).toThrow(/unknown object/);
    expect(() => makePlan({ ...spec, subjects: [{ ...subject, count: 4 }] }, frame, 1)).toThrow(/count/);
    expect(() => makePlan({ ...spec, subjects: [subject, subject, { ...subject, count: 2 }] }, frame, 1)).toThrow(/at most 3/);
    expect(() => makePlan({ ...spec, relation: "left of" }, frame, 1)).toThrow(/two single subjects/);
    expect(() => makePlan(spec, { ...frame, width: 100 }, 1)).toThrow(/multiple of 8/);
    expect(() => makePlan(spec, { ...frame, frames: 1 }, 1)).toThrow(/at least 2/);
    expect(() => makePlan(spec, { ...frame, fps: 61 }, 1)).toThrow(/fps/);
  });
});
