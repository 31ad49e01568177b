// The camera (lib/plan/camera.ts) beyond the fixtures' parity (layout.test.ts):
// the background's flow is the view's motion, and a filmed plan stays valid
// when it is held longer or made into a loop.
import { describe, expect, it } from "vitest";

import { backgroundFlow, cameraTrack, film, staticCamera, toFrame } from "../../lib/plan/camera";
import { worldConfig } from "../../lib/plan/config";
import { PlanError } from "../../lib/plan/errors";
import { extendPlan } from "../../lib/plan/extend";
import { layout } from "../../lib/plan/layout";
import { loopPlan } from "../../lib/plan/loop";
import { planSchema } from "../../lib/plan/schema";
import { layoutCases } from "./python-fixtures";

const plans = new Map(layoutCases().map((c) => [c.name, c]));
const planOf = (name: string) => planSchema.parse(plans.get(name)!.plan);

describe("camera", () => {
  it("flows the background as the view moves: a point shown at (u, v) came from where the frame before showed it", () => {
    for (const name of ["camera-zoom-in-0-145", "camera-zoom-out-2-49", "camera-pan-left-1-145", "camera-follow-0-49"]) {
      const plan = planOf(name);
      const cam = plan.camera!;
      const frame = { width: plan.width, height: plan.height };
      for (const f of [1, 7, plan.frames - 1]) {
        for (const [u, v] of [[3, 5], [plan.width / 2, plan.height / 2], [plan.width - 1, 0]] as const) {
          // The stage point shown at (u, v) in frame f, and where frame f - 1 showed it.
          const sx = (u - plan.width / 2) / cam.zoom[f]! + cam.x[f]!;
          const sy = (v - plan.height / 2) / cam.zoom[f]! + cam.y[f]!;
          const [px, py] = toFrame(sx, sy, cam, f - 1, frame);
          const [fx, fy] = backgroundFlow(cam, f, u, v, frame);
          expect(fx, `${name} frame ${f}`).toBeCloseTo(u - px, 9);
          expect(fy, `${name} frame ${f}`).toBeCloseTo(v - py, 9);
        }
      }
      // Frame 0 takes frame 1's motion.
      expect(backgroundFlow(cam, 0, 10, 20, frame)).toEqual(backgroundFlow(cam, 1, 10, 20, frame));
    }
  });

  it("leaves a static camera's tracks alone and refuses a move it does not have", () => {
    const cfg = worldConfig({ frames: 17, width: 128, height: 128, fps: 8 });
    const tracks = layout({ subjects: [{ kind: "ball", colour: "red", size: "medium", motion: "right", count: 1 }], scene: "sky" }, cfg, 3);
    expect(film(tracks, staticCamera(17, cfg), cfg)).toEqual(tracks);
    expect(cameraTrack("static", tracks, cfg)).toEqual(staticCamera(17, cfg));
    expect(() => cameraTrack("dolly", tracks, cfg)).toThrow(PlanError);
    expect(() => cameraTrack("follow", tracks, cfg, 4)).toThrow(/follow needs its target/);
  });

  it("a filmed plan held longer holds its last view; made into a loop, its view glides back to the first", () => {
    const plan = planOf("camera-pan-right-2-17");
    const held = extendPlan(plan, 40);
    expect(planSchema.safeParse(held).success).toBe(true);
    expect(held.camera!.x.slice(17)).toEqual(Array(23).fill(plan.camera!.x[16]));
    const loop = loopPlan(plan, 4, 4);
    expect(planSchema.safeParse(loop).success).toBe(true);
    expect(loop.camera!.x).toHaveLength(loop.frames);
    // Frames 9..12 lead from frame 8's view back to frame 0's, then the first 4 frames repeat.
    const x = loop.camera!.x;
    const steps = x.slice(9, 14).map((v, i) => v - x[8 + i]!);
    for (const s of steps) expect(s).toBeCloseTo((plan.camera!.x[0]! - plan.camera!.x[8]!) / 5, 9);
    expect(x.slice(13)).toEqual(x.slice(0, 4));
  });
});
