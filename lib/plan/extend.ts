/**
 * A plan held to a longer length: its last frame repeats, so every object
 * stays where the plan left it. Chunked generation decodes whole windows,
 * and the frames past the plan's end are cut from the clip afterwards.
 */
import type { ScenePlan } from "./schema";
import { mapTracks } from "./tracks";

export function extendPlan(plan: ScenePlan, frames: number): ScenePlan {
  if (frames <= plan.frames) return plan;
  return mapTracks(plan, frames, (a) => [...a, ...Array(frames - a.length).fill(a[a.length - 1]!)]);
}
