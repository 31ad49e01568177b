/** One change applied to every track array of every object of a plan, which then has `frames` frames. */
import type { ScenePlan } from "./schema";

export function mapTracks(plan: ScenePlan, frames: number, change: <T>(a: T[]) => T[]): ScenePlan {
  return {
    ...plan,
    frames,
    objects: plan.objects.map((o) => ({
      ...o,
      track: {
        x: change(o.track.x),
        y: change(o.track.y),
        diameter: change(o.track.diameter),
        angle: change(o.track.angle),
        facing: change(o.track.facing),
        visible: change(o.track.visible),
      },
    })),
  };
}
