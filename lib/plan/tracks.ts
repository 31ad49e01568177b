/** One change applied to every track array of every object of a plan, and to its camera's, which then have `frames` frames. */
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
    ...(plan.camera ? { camera: { ...plan.camera, x: change(plan.camera.x), y: change(plan.camera.y), zoom: change(plan.camera.zoom) } } : {}),
  };
}
