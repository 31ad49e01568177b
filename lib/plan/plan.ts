/**
 * The planner: a spec laid out by the world's rules for any length up to a
 * minute, then filmed by its camera move (lib/plan/camera.ts), as
 * spacetime.plan.make_plan(...).to_dict() gives it. Keys come in to_dict()'s
 * order, so the JSON reads the same from either side; a plan's tracks are in
 * the frame's coordinates (already filmed), and its `camera` is there only
 * when the camera moves.
 */
import { cameraTrack, film, isStatic, type CameraTrack } from "./camera";
import { worldConfig, type PlanFrame } from "./config";
import { PlanError } from "./errors";
import { layout, type ObjectTrack } from "./layout";
import type { ScenePlan } from "./schema";
import { instances, targetInstance, type PlanSpec } from "./spec";
import { PLAN_VERSION } from "./vocab";

/**
 * `words`: the prompt's phrase of each object, one per object in instance order; none leaves them "".
 * `camera`: the view the tracks are filmed from (they are already as it sees them); a static one is not stored.
 */
export function planFromTracks(spec: PlanSpec, tracks: readonly ObjectTrack[], frame: PlanFrame, backgroundSeed: number, words?: readonly string[], camera?: CameraTrack | null): ScenePlan {
  const drawn = instances(spec);
  if (words?.length && words.length < drawn.length) {
    throw new PlanError(`words: ${words.length} phrases for ${drawn.length} objects`);
  }
  const objects = drawn.map((s, i) => {
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
        facing: tr.facing.map((f) => (f < 0 ? -1 : 1) as 1 | -1),
        visible: tr.x.map(() => true),
      },
    };
  });
  const moving = camera != null && !isStatic(camera);
  return {
    version: PLAN_VERSION,
    scene: spec.scene,
    background_seed: backgroundSeed,
    fps: frame.fps,
    frames: frame.frames,
    width: frame.width,
    height: frame.height,
    relation: spec.relation ?? null,
    objects,
    ...(moving
      ? {
          camera: {
            move: camera.move,
            target: camera.target === null ? null : objects[camera.target]!.id,
            x: camera.x,
            y: camera.y,
            zoom: camera.zoom,
          },
        }
      : {}),
  };
}

export function makePlan(spec: PlanSpec, frame: PlanFrame, seed: number, backgroundSeed = 0, words?: readonly string[]): ScenePlan {
  const cfg = worldConfig(frame);
  let tracks = layout(spec, cfg, seed);
  let camera: CameraTrack | null = null;
  if (spec.camera != null) {
    camera = cameraTrack(spec.camera, tracks, cfg, targetInstance(spec));
    tracks = film(tracks, camera, cfg);
  }
  return planFromTracks(spec, tracks, frame, backgroundSeed, words, camera);
}
