/**
 * The camera, a line-by-line port of world/camera.py: where a clip is filmed
 * from, frame by frame. The layout places objects in the stage's coordinates
 * (a static camera's frame); a camera move films that stage from a moving
 * view, frame point f = (p - c) * zoom + centre, for the view's centre c and
 * its zoom in each frame. A plan's tracks are in the frame's coordinates,
 * already filmed; its `camera` says how the background moves under them.
 *
 * Every move keeps every object whole inside the frame (its disc plus
 * CAMERA_MARGIN): a pan travels at CAMERA_SPEED_PX_PER_S_AT_128 unless the
 * objects leave too little room, then as far as the room allows; a zoom goes
 * as far as ZOOM_RANGE allows within the same room; a follow holds its
 * target still in the frame for as long as the others stay inside. No random
 * draws, and every float is computed by the same operations in the same
 * order as Python's, so the views agree (model/tests/fixtures/plan_layouts.json.gz
 * has every move).
 */
import type { WorldConfig } from "./config";
import { PlanError } from "./errors";
import type { ObjectTrack } from "./layout";
import { CAMERA_MARGIN, CAMERA_MOVES, CAMERA_SPEED_PX_PER_S_AT_128, ZOOM_RANGE } from "./vocab";

/**
 * The view in every frame: its centre (x, y) in the stage's coordinates and
 * its zoom. A static camera is centre (W/2, H/2) and zoom 1 throughout.
 */
export interface CameraTrack {
  move: string;
  /** The object a follow or close-up is about: an index into the tracks (instance order). */
  target: number | null;
  x: number[];
  y: number[];
  zoom: number[];
}

/** The frame's size, all the view's arithmetic needs of a config. */
type FrameSize = Pick<WorldConfig, "width" | "height">;

/** The picture's motion per move: a pan left slides the whole picture right. */
const PAN: Readonly<Record<string, readonly [number, number]>> = {
  "pan-left": [1.0, 0.0],
  "pan-right": [-1.0, 0.0],
  "pan-up": [0.0, 1.0],
  "pan-down": [0.0, -1.0],
};
/** A move too large for the room is tried at 19/20, 18/20, ... of its size. */
const STEPS = 20;

export const isStatic = (cam: Pick<CameraTrack, "move">): boolean => cam.move === "static";

export function staticCamera(frames: number, cfg: FrameSize): CameraTrack {
  return { move: "static", target: null, x: Array<number>(frames).fill(cfg.width / 2), y: Array<number>(frames).fill(cfg.height / 2), zoom: Array<number>(frames).fill(1.0) };
}

/** A stage point as seen in frame f. */
export function toFrame(px: number, py: number, cam: Pick<CameraTrack, "x" | "y" | "zoom">, f: number, cfg: FrameSize): [number, number] {
  const z = cam.zoom[f]!;
  return [(px - cam.x[f]!) * z + cfg.width / 2, (py - cam.y[f]!) * z + cfg.height / 2];
}

/** The tracks as the camera sees them: centres through the view, sizes times its zoom. */
export function film(tracks: readonly ObjectTrack[], cam: CameraTrack, cfg: FrameSize): ObjectTrack[] {
  if (isStatic(cam)) return [...tracks];
  return tracks.map((tr) => {
    const x: number[] = [];
    const y: number[] = [];
    const n = Math.min(tr.x.length, tr.y.length);
    for (let f = 0; f < n; f++) {
      const [fx, fy] = toFrame(tr.x[f]!, tr.y[f]!, cam, f, cfg);
      x.push(fx);
      y.push(fy);
    }
    const m = Math.min(tr.diameter.length, cam.zoom.length);
    const diameter = Array.from({ length: m }, (_, f) => tr.diameter[f]! * cam.zoom[f]!);
    return { ...tr, x, y, diameter };
  });
}

function fits(tracks: readonly ObjectTrack[], cam: CameraTrack, cfg: FrameSize): boolean {
  for (const tr of film(tracks, cam, cfg)) {
    const n = Math.min(tr.x.length, tr.y.length, tr.diameter.length);
    for (let f = 0; f < n; f++) {
      const x = tr.x[f]!;
      const y = tr.y[f]!;
      const r = tr.diameter[f]! / 2 + CAMERA_MARGIN;
      if (!(r <= x && x <= cfg.width - r && r <= y && y <= cfg.height - r)) return false;
    }
  }
  return true;
}

/** How far the picture may slide in frame f (left, right, up, down) with every object inside. */
function shiftRoom(tracks: readonly ObjectTrack[], f: number, cfg: FrameSize): [number, number, number, number] {
  let left = Infinity;
  let right = Infinity;
  let up = Infinity;
  let down = Infinity;
  for (const tr of tracks) {
    const r = tr.diameter[f]! / 2 + CAMERA_MARGIN;
    left = Math.min(left, tr.x[f]! - r);
    right = Math.min(right, cfg.width - r - tr.x[f]!);
    up = Math.min(up, tr.y[f]! - r);
    down = Math.min(down, cfg.height - r - tr.y[f]!);
  }
  return [left, right, up, down];
}

const maxOf = (a: readonly number[]) => a.reduce((m, v) => (v > m ? v : m), -Infinity);
const minOf = (a: readonly number[]) => a.reduce((m, v) => (v < m ? v : m), Infinity);
/** Python's sum() of floats (3.11): left to right from 0. */
const sumOf = (a: readonly number[]) => a.reduce((s, v) => s + v, 0);

/** A follow tracks a target's height only when it travels up or down (a bounce stays framed). */
function vertical(tr: ObjectTrack): boolean {
  return maxOf(tr.y) - minOf(tr.y) > 1e-6 && maxOf(tr.x) - minOf(tr.x) < 1e-6;
}

/**
 * The view for `move` over tracks laid out for cfg (frames (cfg.frames - 1) * subframes + 1
 * long, as the layout gives them); `target` indexes the tracks (a follow's or close-up's
 * subject). Deterministic: no random draws.
 */
export function cameraTrack(move: string, tracks: readonly ObjectTrack[], cfg: WorldConfig, target: number | null = 0, subframes = 1): CameraTrack {
  if (!CAMERA_MOVES.includes(move)) throw new PlanError(`unknown camera move ${JSON.stringify(move)}; known: ${CAMERA_MOVES.join(", ")}`);
  const T = tracks.length > 0 ? tracks[0]!.x.length : (cfg.frames - 1) * subframes + 1;
  const W2 = cfg.width / 2;
  const H2 = cfg.height / 2;
  if (move === "static" || tracks.length === 0) return { ...staticCamera(T, cfg), move: tracks.length > 0 ? move : "static" };
  const tau = Array.from({ length: T }, (_, f) => (T > 1 ? f / (T - 1) : 0.0)); // 0 .. 1 over the clip
  const seconds = (T - 1) / subframes / cfg.fps;
  const pan = PAN[move];
  if (pan) {
    // The picture slides by shift(f) = offset + travel * tau(f); the view's centre moves the other way.
    const [ux, uy] = pan;
    for (let k = STEPS; k >= 0; k--) {
      const travel = (CAMERA_SPEED_PX_PER_S_AT_128 * cfg.scale * seconds * k) / STEPS;
      let lo = -Infinity; // the offset's feasible range
      let hi = Infinity;
      for (let f = 0; f < T; f++) {
        const [left, right, up, down] = shiftRoom(tracks, f, cfg);
        // Room towards -x/-y and +x/+y; the picture moving towards -x or -y slides by -shift.
        let [neg, pos] = ux ? [left, right] : [up, down];
        if (ux + uy < 0) [neg, pos] = [pos, neg];
        const s = travel * tau[f]!;
        lo = Math.max(lo, -neg - s);
        hi = Math.min(hi, pos - s);
      }
      if (lo <= hi) {
        let offset = travel ? (lo + hi) / 2 : 0.0;
        if (!(lo <= offset && offset <= hi)) offset = Math.min(Math.max(0.0, lo), hi);
        const shift = tau.map((t) => offset + travel * t);
        return { move, target: null, x: shift.map((s) => W2 - ux * s), y: shift.map((s) => H2 - uy * s), zoom: Array<number>(T).fill(1.0) };
      }
    }
    return { ...staticCamera(T, cfg), move };
  }
  if (move === "follow") {
    if (target === null || !(target >= 0 && target < tracks.length)) throw new PlanError("a follow needs its target");
    const tr = tracks[target]!;
    const tracksHeight = vertical(tr);
    // Hold the target where it starts, within the room the others leave, frame by frame.
    const xs: number[] = [];
    const ys: number[] = [];
    for (let f = 0; f < T; f++) {
      const [left, right, up, down] = shiftRoom(tracks, f, cfg);
      const sx = Math.min(Math.max(tr.x[0]! - tr.x[f]!, -left), right); // the picture's slide in x
      const sy = tracksHeight ? Math.min(Math.max(tr.y[0]! - tr.y[f]!, -up), down) : 0.0;
      xs.push(W2 - sx);
      ys.push(H2 - sy);
    }
    return { move, target, x: xs, y: ys, zoom: Array<number>(T).fill(1.0) };
  }
  // Zooms: exponential in time, about a point of the stage: the centre for a wide shot; for a
  // close-up its subject, or, where zooming on the subject would push another object out,
  // the middle of everything the clip shows.
  let points: [number, number][] = [[W2, H2]];
  if (move === "zoom-in") {
    if (target === null || !(target >= 0 && target < tracks.length)) throw new PlanError("a close-up needs its subject");
    const tr = tracks[target]!;
    const xs: number[] = [];
    const ys: number[] = [];
    for (const t of tracks) {
      t.x.forEach((x, f) => xs.push(x - t.diameter[f]! / 2, x + t.diameter[f]! / 2));
      t.y.forEach((y, f) => ys.push(y - t.diameter[f]! / 2, y + t.diameter[f]! / 2));
    }
    const [loX, hiX, loY, hiY] = [Math.min(...xs), Math.max(...xs), Math.min(...ys), Math.max(...ys)];
    points = [
      [sumOf(tr.x) / T, sumOf(tr.y) / T],
      [(loX + hiX) / 2, (loY + hiY) / 2],
    ];
  }
  const about = move === "zoom-in" ? target : null;
  for (let k = STEPS; k >= 0; k--) {
    const end = move === "zoom-in" ? ZOOM_RANGE ** (k / STEPS) : ZOOM_RANGE ** (-k / STEPS);
    const zoom = tau.map((t) => end ** t);
    for (const [px, py] of points) {
      // The view's centre moves from the frame's centre to the point as it closes in,
      // so a close-up ends with its subject in the middle of the frame.
      const cx = tau.map((t) => W2 + (px - W2) * t);
      const cy = tau.map((t) => H2 + (py - H2) * t);
      const cam: CameraTrack = { move, target: about, x: cx, y: cy, zoom };
      if (fits(tracks, cam, cfg)) return cam;
    }
  }
  return { ...staticCamera(T, cfg), move, target: about };
}

/**
 * How far the picture at frame point (u, v) moved since the frame before, in
 * pixels per frame: frame 0 takes frame 1's motion, as the plan's velocities
 * do (backward differences).
 */
export function backgroundFlow(cam: Pick<CameraTrack, "x" | "y" | "zoom">, f: number, u: number, v: number, cfg: FrameSize): [number, number] {
  if (cam.x.length < 2) return [u * 0.0, v * 0.0];
  const [a, b] = f > 0 ? [f - 1, f] : [0, 1];
  const za = cam.zoom[a]!;
  const zb = cam.zoom[b]!;
  // The stage point shown at (u, v) in frame b was at toFrame(it, a) in frame a.
  const fx = (u - cfg.width / 2) * (1 - za / zb) - (cam.x[b]! - cam.x[a]!) * za;
  const fy = (v - cfg.height / 2) * (1 - za / zb) - (cam.y[b]! - cam.y[a]!) * za;
  return [fx, fy];
}
