/**
 * The planner: a spec laid out by the world's rules for any length up to a
 * minute, as spacetime.plan.make_plan(...).to_dict() gives it. Keys come in
 * to_dict()'s order, so the JSON reads the same from either side.
 */
import { worldConfig, type PlanFrame } from "./config";
import { PlanError } from "./errors";
import { layout, type ObjectTrack } from "./layout";
import type { ScenePlan } from "./schema";
import { instances, type PlanSpec } from "./spec";
import { PLAN_VERSION } from "./vocab";

/** `words`: the prompt's phrase of each object, one per object in instance order; none leaves them "". */
export function planFromTracks(spec: PlanSpec, tracks: readonly ObjectTrack[], frame: PlanFrame, backgroundSeed: number, words?: readonly string[]): ScenePlan {
  const drawn = instances(spec);
  if (words?.length && words.length < drawn.length) {
    throw new PlanError(`words: ${words.length} phrases for ${drawn.length} objects`);
  }
  return {
    version: PLAN_VERSION,
    scene: spec.scene,
    background_seed: backgroundSeed,
    fps: frame.fps,
    frames: frame.frames,
    width: frame.width,
    height: frame.height,
    relation: spec.relation ?? null,
    objects: drawn.map((s, i) => {
      const tr = tracks[i]!;
      return {
        id: `o${i + 1}`,
        kind: s.kind,
        colour: s.colour,
        size: s.size,
        motion: s.motion,
        words: words?.length ? words[i]! : "",
        track: {
          x: tr.x,
          y: tr.y,
          diameter: tr.diameter,
          angle: tr.angle,
          facing: tr.facing.map((f) => (f < 0 ? -1 : 1)),
          visible: tr.x.map(() => true),
        },
      };
    }),
  };
}

export function makePlan(spec: PlanSpec, frame: PlanFrame, seed: number, backgroundSeed = 0, words?: readonly string[]): ScenePlan {
  return planFromTracks(spec, layout(spec, worldConfig(frame), seed), frame, backgroundSeed, words);
}
