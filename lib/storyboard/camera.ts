/**
 * A storyboard's camera (docs/storyboard.md): each shot filmed by its own move, by the world's
 * camera rules (lib/plan/camera.ts), over the objects the shot shows.
 *
 * The board is laid out in the stage's coordinates (a static camera's frame); a shot whose move
 * is not static is then filmed: its objects' centres and sizes become what its view sees, and
 * the plan's camera holds the view in every frame (static in static shots). A shot's move is
 * its `camera`, or, when that is static, the move its prompt says ("the camera follows the
 * car"). Each shot starts from the static view, so a change of move between shots is a cut.
 */
import { cameraTrack, film, staticCamera } from "../plan/camera";
import { worldConfig, type PlanFrame } from "../plan/config";
import type { ObjectTrack } from "../plan/layout";
import type { PlanCamera, PlanObject } from "../plan/schema";
import { TARGETED_CAMERA_MOVES } from "../plan/vocab";
import type { ShotSpan } from "./timing";

/** One shot's move and the object it is about (a follow's or close-up's subject), by id. */
export interface ShotCamera {
  move: string;
  target: string | null;
}

/**
 * Films every moving shot of the board in place (objects' tracks over their spans) and returns
 * the plan's camera, or undefined when every shot is static. The plan's camera names the first
 * moving shot's move and target; the storyboard keeps each shot's own.
 */
export function filmShots(objects: PlanObject[], shots: readonly ShotCamera[], spans: readonly ShotSpan[], frame: Omit<PlanFrame, "frames">, frames: number): PlanCamera | undefined {
  const view = staticCamera(frames, frame);
  let first: ShotCamera | undefined;
  shots.forEach((shot, k) => {
    const span = spans[k]!;
    if (shot.move === "static" || span.frames < 2) return;
    const shown = objects.filter((o) => o.track.visible.slice(span.start, span.start + span.frames).some(Boolean));
    if (!shown.length) return;
    const cut = <T>(a: T[]) => a.slice(span.start, span.start + span.frames);
    const tracks: ObjectTrack[] = shown.map((o) => ({ kind: o.kind, colour: o.colour, x: cut(o.track.x), y: cut(o.track.y), diameter: cut(o.track.diameter), angle: cut(o.track.angle), facing: cut(o.track.facing) }));
    const cfg = worldConfig({ ...frame, frames: span.frames });
    const targeted = TARGETED_CAMERA_MOVES.includes(shot.move);
    const target = targeted ? Math.max(0, shown.findIndex((o) => o.id === shot.target)) : null;
    const cam = cameraTrack(shot.move, tracks, cfg, target);
    film(tracks, cam, cfg).forEach((t, i) => {
      const o = shown[i]!;
      for (let f = 0; f < span.frames; f++) {
        o.track.x[span.start + f] = t.x[f]!;
        o.track.y[span.start + f] = t.y[f]!;
        o.track.diameter[span.start + f] = t.diameter[f]!;
      }
    });
    for (let f = 0; f < span.frames; f++) {
      view.x[span.start + f] = cam.x[f]!;
      view.y[span.start + f] = cam.y[f]!;
      view.zoom[span.start + f] = cam.zoom[f]!;
    }
    first ??= { move: shot.move, target: targeted ? shown[target!]!.id : null };
  });
  return first && { move: first.move, target: first.target, x: view.x, y: view.y, zoom: view.zoom };
}
