/**
 * Plans for clips that loop (`loopPlan`). `closeLoop` bends a plan's last frames back to
 * its first: over the last `glide` frames every object moves in a straight
 * line (and turns the short way, and grows or shrinks) from where the plan had
 * it to where it started, and so does a moving camera's view, so the frame
 * after the last is the first again.
 * `wrapAround` appends the plan's first frames after its end: the window the
 * closing chunk is conditioned on at both ends, its own start as its last
 * frames.
 */
import type { ScenePlan } from "./schema";
import { mapTracks } from "./tracks";

type Track = ScenePlan["objects"][number]["track"];

/**
 * A whole-chunks plan made into a loop's: its last `closing` frames become its
 * first ones (the closing window's given end), and the `glide` frames before
 * them lead there.
 */
export function loopPlan(plan: ScenePlan, closing: number, glide: number): ScenePlan {
  const frames = plan.frames - closing;
  if (closing < 1 || frames < 2) throw new RangeError(`a loop plan needs more than ${closing} + 1 frames, got ${plan.frames}`);
  return wrapAround(closeLoop(truncate(plan, frames), glide), closing);
}

function truncate(plan: ScenePlan, frames: number): ScenePlan {
  return mapTracks(plan, frames, (a) => a.slice(0, frames));
}

/** The plan with its last `glide` frames leading back into frame 0. */
function closeLoop(plan: ScenePlan, glide: number): ScenePlan {
  const n = plan.frames;
  const g = Math.min(Math.max(0, Math.floor(glide)), n - 1);
  if (g === 0) return plan;
  const from = n - g - 1; // the last frame kept as planned
  return {
    ...plan,
    objects: plan.objects.map((o) => {
      const t = o.track;
      const track: Track = { x: [...t.x], y: [...t.y], diameter: [...t.diameter], angle: [...t.angle], facing: [...t.facing], visible: [...t.visible] };
      const turn = shortestTurn(t.angle[from]!, t.angle[0]!);
      for (let i = from + 1; i < n; i++) {
        const a = (i - from) / (g + 1); // reaches 1 at frame n, which is frame 0 again
        track.x[i] = lerp(t.x[from]!, t.x[0]!, a);
        track.y[i] = lerp(t.y[from]!, t.y[0]!, a);
        track.diameter[i] = lerp(t.diameter[from]!, t.diameter[0]!, a);
        track.angle[i] = t.angle[from]! + turn * a;
        track.facing[i] = a < 0.5 ? t.facing[from]! : t.facing[0]!;
        track.visible[i] = a < 0.5 ? t.visible[from]! : t.visible[0]!;
      }
      return { ...o, track };
    }),
    ...(plan.camera ? { camera: { ...plan.camera, ...glideBack(plan.camera, from, n, g) } } : {}),
  };
}

/** The camera's view over the last `g` frames gliding from frame `from` back to frame 0. */
function glideBack(cam: Pick<NonNullable<ScenePlan["camera"]>, "x" | "y" | "zoom">, from: number, n: number, g: number) {
  const glide = (a: number[]) => a.map((v, i) => (i > from && i < n ? lerp(a[from]!, a[0]!, (i - from) / (g + 1)) : v));
  return { x: glide(cam.x), y: glide(cam.y), zoom: glide(cam.zoom) };
}

/** The plan followed by its own first `frames` frames. */
function wrapAround(plan: ScenePlan, frames: number): ScenePlan {
  const k = Math.min(Math.max(0, Math.floor(frames)), plan.frames);
  return mapTracks(plan, plan.frames + k, (a) => [...a, ...a.slice(0, k)]);
}

const lerp = (a: number, b: number, t: number) => a + (b - a) * t;

/** b - a as a turn in (-pi, pi]. */
function shortestTurn(a: number, b: number): number {
  const d = (((b - a) % (2 * Math.PI)) + 3 * Math.PI) % (2 * Math.PI) - Math.PI;
  return d === -Math.PI ? Math.PI : d;
}
