// A storyboard's shots filmed by their own camera moves (lib/storyboard/camera.ts).
import { describe, expect, it } from "vitest";

import { planSchema } from "../../lib/plan/schema";
import { planStoryboard } from "../../lib/storyboard/plan";
import { shotSpans } from "../../lib/storyboard/timing";

const FRAME = { width: 128, height: 128, fps: 8 };
const SHOTS = [
  { prompt: "a red car driving right in a field", seconds: 2, camera: "zoom-out" },
  { prompt: "the red car driving right", seconds: 2, camera: "follow" },
  { prompt: "the red car driving left", seconds: 2, camera: "zoom-in" },
];

describe("storyboard camera", () => {
  const plan = planStoryboard(SHOTS, FRAME, 3)!;
  const { spans } = shotSpans(SHOTS, FRAME.fps);
  const car = plan.objects[0]!;
  const at = (k: number, f: number) => spans[k]!.start + f;

  it("is a valid plan whose camera holds every frame", () => {
    expect(planSchema.safeParse(plan).success).toBe(true);
    expect(plan.objects).toHaveLength(1);
    expect(plan.camera!.move).toBe("zoom-out");
    expect(plan.camera!.zoom).toHaveLength(plan.frames);
  });

  it("wide: the view zooms out over the first shot, and the car shrinks with it", () => {
    const last = spans[0]!.frames - 1;
    expect(plan.camera!.zoom[at(0, 0)]).toBeCloseTo(1, 9);
    expect(plan.camera!.zoom[at(0, last)]!).toBeLessThan(0.8);
    expect(car.track.diameter[at(0, last)]!).toBeLessThan(0.8 * car.track.diameter[at(0, 0)]!);
  });

  it("follow: the car stays where the shot starts while the view moves with it", () => {
    const last = spans[1]!.frames - 1;
    expect(Math.abs(car.track.x[at(1, last)]! - car.track.x[at(1, 0)]!)).toBeLessThan(1e-6);
    expect(plan.camera!.x[at(1, last)]! - plan.camera!.x[at(1, 0)]!).toBeGreaterThan(5);
  });

  it("close-up: the view zooms in on the car", () => {
    const last = spans[2]!.frames - 1;
    expect(plan.camera!.zoom[at(2, last)]!).toBeGreaterThan(1.2);
    expect(car.track.diameter[at(2, last)]!).toBeGreaterThan(1.2 * car.track.diameter[at(2, 0)]!);
  });

  it("a static storyboard has no camera, and a prompt's own move is used when the shot's is static", () => {
    expect(planStoryboard([{ prompt: "a red car driving right in a field", seconds: 2 }], FRAME, 3)!.camera).toBeUndefined();
    const said = planStoryboard([{ prompt: "a red car driving right in a field, wide shot", seconds: 2 }], FRAME, 3)!;
    expect(said.camera!.move).toBe("zoom-out");
  });
});
