/**
 * A plan held to a longer length: its last frame repeats, so every object
 * stays where the plan left it. Chunked generation decodes whole windows,
 * and the frames past the plan's end are cut from the clip afterwards.
 */
import type { ScenePlan } from "./schema";

export function extendPlan(plan: ScenePlan, frames: number): ScenePlan {
  if (frames <= plan.frames) return plan;
  const hold = <T>(a: T[]): T[] => [...a, ...Array<T>(frames - a.length).fill(a[a.length - 1]!)];
  return {
    ...plan,
    frames,
    objects: plan.objects.map((o) => ({
      ...o,
      track: {
        x: hold(o.track.x),
        y: hold(o.track.y),
        diameter: hold(o.track.diameter),
        angle: hold(o.track.angle),
        facing: hold(o.track.facing),
        visible: hold(o.track.visible),
      },
    })),
  };
}
