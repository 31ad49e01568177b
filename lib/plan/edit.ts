/**
 * Plan edits, as the Create page's editor makes them: pure functions from a
 * plan and one edit to a new plan that passes planSchema, plus the editor's
 * undo history. Runs in the browser and on the server alike.
 *
 * An object's editable state is its start and end: its centre in the plan's
 * first and last frame. Every edit re-derives the whole track from them by
 * the world's rules (lib/plan/layout.ts) for its size and motion:
 * - the centre goes in a straight line, at constant speed, from start to end;
 * - a bouncing one bounces on a floor through those points under the world's
 *   gravity, touching it at frame 0, as high as the layout's middle draw for
 *   its size (0.875 x min(free height, 40 px at 128));
 * - a spinning one keeps its spin, a growing or shrinking one swings between
 *   0.7x and 1.3x its size as the layout has it; facing kinds face the way
 *   they go;
 * - both points are clamped so the object stays wholly in the frame (its
 *   largest radius plus the layout's margin from every edge).
 * A directional motion (left, right, up, down) is renamed after where the end
 * now lies (its longer axis), and a move that leaves start = end makes it
 * "still"; dragging a still object's end makes it directional, dragging its
 * start carries it whole. The relation is dropped once it no longer holds by
 * the judges' rule, or once objects[0] or objects[1] is removed.
 */
import { worldConfig, type WorldConfig } from "./config";
import { PlanError } from "./errors";
import { objectReach, relationHolds, type ObjectTrack } from "./layout";
import { sweep } from "./motion";
import { planSchema, type PlanObject, type ScenePlan } from "./schema";
import { CLIP_FRAMES, COLOURS, FACING_OBJECTS, GROW_RANGE, MAX_OBJECTS, MOTIONS, OBJECTS, SIZE_PIXELS, SIZES } from "./vocab";

export type Point = { x: number; y: number };
export type Handle = "start" | "end";

export type PlanEdit =
  | { type: "move"; id: string; handle: Handle; to: Point }
  | { type: "motion"; id: string; motion: string }
  | { type: "size"; id: string; size: string }
  | { type: "colour"; id: string; colour: string }
  | { type: "add"; kind: string; colour: string; size: string; motion: string }
  | { type: "remove"; id: string };

const DIRECTIONS: Record<string, Point> = { left: { x: -1, y: 0 }, right: { x: 1, y: 0 }, up: { x: 0, y: -1 }, down: { x: 0, y: 1 } };
const STATIONARY = new Set(["still", "spinning", "growing", "shrinking"]);

const lastOf = <T>(a: readonly T[]): T => a[a.length - 1]!;
const clamp = (v: number, lo: number, hi: number) => Math.min(Math.max(v, lo), hi);

export function startOf(o: PlanObject): Point {
  return { x: o.track.x[0]!, y: o.track.y[0]! };
}

export function endOf(o: PlanObject): Point {
  return { x: lastOf(o.track.x), y: lastOf(o.track.y) };
}


/** The layout's middle bounce height for an object of this reach in this frame. */
function bounceHeight(r: number, cfg: WorldConfig): number {
  return Math.max(0, Math.min(cfg.height - 2 * r, 40.0 * cfg.scale) * 0.875);
}

/** Height above the floor at each frame: elastic bounces under gravity, contact at frame 0. */
function bounceOffsets(height: number, cfg: WorldConfig): number[] {
  const g = cfg.gravity;
  if (height <= 0 || g <= 0) return Array<number>(cfg.frames).fill(0);
  const period = 2.0 * Math.sqrt((2.0 * height) / g);
  const v0 = (g * period) / 2.0;
  return Array.from({ length: cfg.frames }, (_, t) => {
    const phase = t % period;
    return Math.max(0, v0 * phase - 0.5 * g * phase * phase);
  });
}

/** The bounce of a bouncing object as editPlan draws it: its height in pixels and the offsets per frame. */
export function bounceOf(o: Pick<PlanObject, "size" | "motion">, plan: Pick<ScenePlan, "frames" | "width" | "height" | "fps">): { height: number; offsets: number[] } | null {
  if (o.motion !== "bouncing") return null;
  const cfg = worldConfig(plan);
  const height = bounceHeight(objectReach(o.size, o.motion, cfg), cfg);
  return { height, offsets: bounceOffsets(height, cfg) };
}

function frameConfig(plan: ScenePlan): WorldConfig {
  return worldConfig({ frames: Math.max(2, plan.frames), width: plan.width, height: plan.height, fps: plan.fps });
}

/** start and end moved inside the frame as the object's size and motion need (a bounce needs room above its floor). */
function clampEnds(start: Point, end: Point, r: number, offsets: number[] | null, bounce: number, cfg: WorldConfig): [Point, Point] {
  const x = (p: Point) => clamp(p.x, r, Math.max(r, cfg.width - r));
  const floorLo = r + bounce; // the apex must stay in the frame
  const floorHi = Math.max(floorLo, cfg.height - r);
  const atEnd = offsets ? lastOf(offsets) : 0;
  const y0 = offsets ? clamp(start.y, floorLo, floorHi) : clamp(start.y, r, Math.max(r, cfg.height - r));
  const y1 = offsets ? clamp(end.y + atEnd, floorLo, floorHi) - atEnd : clamp(end.y, r, Math.max(r, cfg.height - r));
  return [{ x: x(start), y: y0 }, { x: x(end), y: y1 }];
}

/** The object's track re-made by the rules above from its start and end (already what the caller wants). */
function retrack(o: PlanObject, start: Point, end: Point, cfg: WorldConfig): PlanObject {
  const T = cfg.frames;
  const r = objectReach(o.size, o.motion, cfg);
  const bounce = o.motion === "bouncing" ? bounceHeight(r, cfg) : 0;
  const offsets = o.motion === "bouncing" ? bounceOffsets(bounce, cfg) : null;
  const [s, e] = clampEnds(start, end, r, offsets, bounce, cfg);
  const u = (t: number) => (T > 1 ? t / (T - 1) : 0);
  const x = Array.from({ length: T }, (_, t) => s.x + (e.x - s.x) * u(t));
  let y: number[];
  if (offsets) {
    // The floor runs through start (a contact) and the point under the end.
    const f0 = s.y;
    const f1 = e.y + lastOf(offsets);
    y = Array.from({ length: T }, (_, t) => f0 + (f1 - f0) * u(t) - offsets[t]!);
  } else {
    y = Array.from({ length: T }, (_, t) => s.y + (e.y - s.y) * u(t));
  }

  const d0 = SIZE_PIXELS[o.size]! * cfg.scale;
  let diameter = Array<number>(T).fill(d0);
  if (o.motion === "growing" || o.motion === "shrinking") {
    const [small, big] = GROW_RANGE;
    const span = CLIP_FRAMES - 1;
    const distance = Float64Array.from({ length: T }, (_, t) => ((big - small) / span) * t);
    diameter = Array.from(sweep(o.motion === "growing" ? small : big, small, big, distance, o.motion === "growing").position, (v) => d0 * v);
  }

  let angle = Array<number>(T).fill(0);
  if (o.motion === "spinning") {
    // Keep the spin it had (its direction and phase), at the world's rate.
    const a = o.track.angle;
    const dir = a.length > 1 && a[1]! < a[0]! ? -1 : 1;
    angle = Array.from({ length: T }, (_, t) => (a[0] ?? 0) + dir * cfg.spin * t);
  }

  const was = (o.track.facing[0] ?? 1) < 0 ? -1 : 1;
  const dx = e.x - s.x;
  const face: 1 | -1 = !FACING_OBJECTS.includes(o.kind) ? 1 : Math.abs(dx) > 0.5 ? (dx > 0 ? 1 : -1) : (was as 1 | -1);
  return {
    ...o,
    words: `${o.size} ${o.colour} ${o.kind} ${o.motion}`,
    track: { x, y, diameter, angle, facing: Array<1 | -1>(T).fill(face), visible: Array<boolean>(T).fill(true) },
  };
}

/** The directional motion whose axis the displacement mostly follows, or "still" for (almost) none. */
function directionOf(from: Point, to: Point): string {
  const dx = to.x - from.x;
  const dy = to.y - from.y;
  if (Math.hypot(dx, dy) < 0.5) return "still";
  if (Math.abs(dx) >= Math.abs(dy)) return dx > 0 ? "right" : "left";
  return dy > 0 ? "down" : "up";
}

/** Where a motion starting at `start` goes by default: one clip's travel at the world's speed, turned back if there is no room. */
function defaultEnd(motion: string, start: Point, r: number, cfg: WorldConfig): [Point, Point] {
  const span = CLIP_FRAMES - 1;
  const dir = DIRECTIONS[motion];
  if (dir || motion === "bouncing") {
    const along: Point = dir ?? { x: start.x < cfg.width / 2 ? 1 : -1, y: 0 };
    const travel = (dir ? 1 : 0.4) * cfg.speed * span;
    const room = along.x !== 0 ? (along.x > 0 ? cfg.width - r - start.x : start.x - r) : along.y > 0 ? cfg.height - r - start.y : start.y - r;
    // Not enough room ahead: step the start back so the whole travel fits (as far as the frame allows).
    const back = Math.max(0, travel - Math.max(0, room));
    const s = { x: start.x - along.x * back, y: start.y - along.y * back };
    return [s, { x: s.x + along.x * travel, y: s.y + along.y * travel }];
  }
  return [start, start];
}

function relationAfter(plan: ScenePlan, objects: PlanObject[]): ScenePlan["relation"] {
  if (plan.relation === null || objects.length < 2) return null;
  const asTrack = (o: PlanObject): ObjectTrack => ({ kind: o.kind, colour: o.colour, ...o.track });
  return relationHolds(plan.relation, asTrack(objects[0]!), asTrack(objects[1]!)) ? plan.relation : null;
}

function oneOf(what: string, value: string, known: readonly string[]): void {
  if (!known.includes(value)) throw new PlanError(`unknown ${what} ${JSON.stringify(value)}; known: ${known.join(", ")}`);
}

/** The free spot for a new object: the point of a coarse grid farthest from every other object's path. */
function freeSpot(objects: readonly PlanObject[], r: number, cfg: WorldConfig): Point {
  let best: Point = { x: cfg.width / 2, y: cfg.height / 2 };
  let bestScore = -Infinity;
  const steps = 8;
  for (let i = 0; i <= steps; i++) {
    for (let j = 0; j <= steps; j++) {
      const p = { x: r + ((cfg.width - 2 * r) * i) / steps, y: r + ((cfg.height - 2 * r) * j) / steps };
      let score = Infinity;
      for (const o of objects) {
        for (let t = 0; t < o.track.x.length; t += Math.max(1, Math.floor(o.track.x.length / 16))) {
          score = Math.min(score, Math.hypot(o.track.x[t]! - p.x, o.track.y[t]! - p.y));
        }
      }
      if (objects.length === 0) score = -Math.hypot(p.x - cfg.width / 2, p.y - cfg.height / 2);
      if (score > bestScore) [best, bestScore] = [p, score];
    }
  }
  return best;
}

/** The plan after one edit; throws PlanError for an edit that cannot apply (unknown id or attribute, too many objects). */
export function editPlan(plan: ScenePlan, edit: PlanEdit): ScenePlan {
  const cfg = frameConfig(plan);
  const find = (id: string) => {
    const i = plan.objects.findIndex((o) => o.id === id);
    if (i < 0) throw new PlanError(`no object ${JSON.stringify(id)} in the plan`);
    return i;
  };
  const replace = (i: number, o: PlanObject): ScenePlan => {
    const objects = plan.objects.map((old, j) => (j === i ? o : old));
    return { ...plan, relation: relationAfter(plan, objects), objects };
  };

  switch (edit.type) {
    case "move": {
      const i = find(edit.id);
      const o = plan.objects[i]!;
      let start = startOf(o);
      let end = endOf(o);
      let motion = o.motion;
      if (edit.handle === "start") {
        if (motion === "still") end = { x: end.x + edit.to.x - start.x, y: end.y + edit.to.y - start.y };
        start = edit.to;
      } else {
        end = edit.to;
      }
      if (motion in DIRECTIONS || motion === "still") motion = directionOf(start, end);
      if (motion === "still") end = start;
      return replace(i, retrack({ ...o, motion }, start, end, cfg));
    }
    case "motion": {
      oneOf("motion", edit.motion, MOTIONS);
      const i = find(edit.id);
      const o = plan.objects[i]!;
      const start = startOf(o);
      const end = endOf(o);
      const r = objectReach(o.size, edit.motion, cfg);
      const dir = DIRECTIONS[edit.motion];
      let ends: [Point, Point];
      if (STATIONARY.has(edit.motion)) ends = [start, start];
      else if (dir && directionOf(start, end) === edit.motion) ends = [start, end]; // already goes that way
      else if (edit.motion === "bouncing" && Math.abs(end.x - start.x) > 0.5) ends = [start, { x: end.x, y: start.y }];
      else ends = defaultEnd(edit.motion, start, r, cfg);
      return replace(i, retrack({ ...o, motion: edit.motion }, ends[0], ends[1], cfg));
    }
    case "size": {
      oneOf("size", edit.size, SIZES);
      const i = find(edit.id);
      const o = plan.objects[i]!;
      return replace(i, retrack({ ...o, size: edit.size }, startOf(o), endOf(o), cfg));
    }
    case "colour": {
      oneOf("colour", edit.colour, COLOURS);
      const i = find(edit.id);
      const o = plan.objects[i]!;
      return replace(i, { ...o, colour: edit.colour, words: `${o.size} ${edit.colour} ${o.kind} ${o.motion}` });
    }
    case "add": {
      oneOf("object", edit.kind, OBJECTS);
      oneOf("colour", edit.colour, COLOURS);
      oneOf("size", edit.size, SIZES);
      oneOf("motion", edit.motion, MOTIONS);
      if (plan.objects.length >= MAX_OBJECTS) throw new PlanError(`at most ${MAX_OBJECTS} objects per clip`);
      const taken = new Set(plan.objects.map((o) => o.id));
      let n = plan.objects.length + 1;
      while (taken.has(`o${n}`)) n++;
      const r = objectReach(edit.size, edit.motion, cfg);
      const [start, end] = defaultEnd(edit.motion, freeSpot(plan.objects, r, cfg), r, cfg);
      const blank: PlanObject = {
        id: `o${n}`,
        kind: edit.kind,
        colour: edit.colour,
        size: edit.size,
        motion: edit.motion,
        words: "",
        track: { x: [], y: [], diameter: [], angle: [], facing: [1], visible: [] },
      };
      const objects = [...plan.objects, retrack(blank, start, end, cfg)];
      return { ...plan, relation: relationAfter(plan, objects), objects };
    }
    case "remove": {
      const i = find(edit.id);
      const objects = plan.objects.filter((_, j) => j !== i);
      return { ...plan, relation: i < 2 ? null : relationAfter(plan, objects), objects };
    }
  }
}

/** editPlan, then planSchema: what the editor keeps is always a plan the API takes. */
export function editPlanChecked(plan: ScenePlan, edit: PlanEdit): ScenePlan {
  const next = editPlan(plan, edit);
  const parsed = planSchema.safeParse(next);
  if (!parsed.success) {
    const i = parsed.error.issues[0]!;
    throw new PlanError(`the edit makes an invalid plan: plan.${i.path.join(".")}: ${i.message}`);
  }
  return next;
}

/**
 * The plan with its tracks rounded (1/100 px, 1/10000 rad): what the editor sends, a third of
 * the JSON of full floats, and still inside the frame (0 and the frame's sides are multiples of
 * 1/100). The API caps bodies at 16 KB.
 */
export function compactPlan(plan: ScenePlan): ScenePlan {
  const r = (k: number) => (v: number) => Math.round(v * k) / k;
  return {
    ...plan,
    objects: plan.objects.map((o) => ({
      ...o,
      track: { ...o.track, x: o.track.x.map(r(100)), y: o.track.y.map(r(100)), diameter: o.track.diameter.map(r(100)), angle: o.track.angle.map(r(10000)) },
    })),
  };
}

/** The editor's undo history: the plans before the present one, oldest first, at most `limit`. */
export interface PlanHistory {
  past: readonly ScenePlan[];
  present: ScenePlan;
}

export const HISTORY_LIMIT = 100;

export function historyOf(plan: ScenePlan): PlanHistory {
  return { past: [], present: plan };
}

/** The present becomes `next`; the old present goes on the undo stack (nothing happens for the same plan). */
export function pushHistory(h: PlanHistory, next: ScenePlan, limit = HISTORY_LIMIT): PlanHistory {
  if (next === h.present) return h;
  return { past: [...h.past, h.present].slice(-limit), present: next };
}

/** One step back; the same history when there is nothing to undo. */
export function undoHistory(h: PlanHistory): PlanHistory {
  if (h.past.length === 0) return h;
  return { past: h.past.slice(0, -1), present: h.past[h.past.length - 1]! };
}
