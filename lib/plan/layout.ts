/**
 * The world's layout rules, a line-by-line port of world/layout.py: each
 * object in its own cell of the frame, its path computed for every frame.
 * The random draws come in Python's order and every float is computed by the
 * same operations in the same order, so a plan laid out here is the plan
 * Python lays out (model/tests/fixtures/plan_layouts.json.gz proves it).
 *
 * Objects never overlap and never leave their cell, so counts are exact and
 * a relation's order holds; relation layouts are redrawn until the judges'
 * rule holds in every frame.
 */
import type { WorldConfig } from "./config";
import { PlanError } from "./errors";
import { npMod, sweep } from "./motion";
import { PlanRng } from "./rng";
import { checkSpec, instances, objectCount, type PlanSpec, type PlanSubject } from "./spec";
import { CLIP_FRAMES, FACING_OBJECTS, GROW_RANGE, MARGIN, SIZE_PIXELS } from "./vocab";

export type Cell = readonly [x0: number, y0: number, x1: number, y1: number];

export interface ObjectTrack {
  kind: string;
  colour: string;
  x: number[];
  y: number[];
  diameter: number[];
  angle: number[];
  facing: number[]; // +1 faces right, -1 faces left
}

const LAYOUT_TRIES = 200;

/** Cells in instance order (subjects[0] first). */
function cells(spec: PlanSpec, cfg: WorldConfig, rng: PlanRng): Cell[] {
  const W = cfg.width;
  const H = cfg.height;
  const n = objectCount(spec);
  if (n === 1) return [[0, 0, W, H]];
  const rel = spec.relation ?? null;
  if (n === 2) {
    // Python's `or` short-circuits: a draw happens only when there is no relation.
    const vertical = rel === "above" || rel === "below" || (rel === null && rng.random() < 0.5);
    const [a, b]: [Cell, Cell] = vertical
      ? [[0, 0, W, H / 2], [0, H / 2, W, H]]
      : [[0, 0, W / 2, H], [W / 2, 0, W, H]];
    const firstInA = rel === "left of" || rel === "above" || (rel === null && rng.random() < 0.5);
    return firstInA ? [a, b] : [b, a];
  }
  const top = rng.random() < 0.5; // which row holds the two small cells
  const [r0, r1] = top ? [0, H / 2] : [H / 2, 0];
  const three: Cell[] = [[0, r0, W / 2, r0 + H / 2], [W / 2, r0, W, r0 + H / 2], [0, r1, W, r1 + H / 2]];
  return rng.permutation(3).map((i) => three[i]!);
}

/** Radius an object keeps clear around its centre: its largest size plus the margin. */
export function objectReach(size: string, motion: string, cfg: WorldConfig): number {
  const grow = motion === "growing" || motion === "shrinking";
  return ((SIZE_PIXELS[size]! * cfg.scale) / 2) * (grow ? GROW_RANGE[1] : 1.0) + MARGIN;
}

const filled = (n: number, v: number) => new Float64Array(n).fill(v);

function track(s: PlanSubject, cell: Cell, cfg: WorldConfig, rng: PlanRng): ObjectTrack {
  const T = cfg.frames;
  const t = Float64Array.from({ length: T }, (_, i) => i);
  const scaled = (factor: number) => t.map((v) => factor * v); // numpy's `factor * t`
  // Motions are defined over one training clip and continue periodically past it.
  const span = CLIP_FRAMES - 1; // whatever the length: a longer plan starts with the shorter one
  const d0 = SIZE_PIXELS[s.size]! * cfg.scale;
  const grow = s.motion === "growing" || s.motion === "shrinking";
  const rMax = objectReach(s.size, s.motion, cfg);
  const [x0, y0, x1, y1] = cell;
  const [loX, hiX, loY, hiY] = [x0 + rMax, x1 - rMax, y0 + rMax, y1 - rMax];
  if (hiX < loX || hiY < loY) throw new PlanError(`cell ${JSON.stringify(cell)} too small for a ${s.size} ${s.kind}`);

  let x: Float64Array = filled(T, rng.uniform(loX, hiX));
  let y: Float64Array = filled(T, rng.uniform(loY, hiY));
  let diameter: Float64Array = filled(T, d0);
  let angle: Float64Array = filled(T, 0);
  let facing: Float64Array = filled(T, rng.random() < 0.5 ? 1 : -1);

  if (s.motion === "left" || s.motion === "right" || s.motion === "up" || s.motion === "down") {
    const horizontal = s.motion === "left" || s.motion === "right";
    const [lo, hi] = horizontal ? [loX, hiX] : [loY, hiY];
    const travel = Math.min(hi - lo, cfg.speed * span); // in the first clip length
    const start = rng.uniform(lo, hi - travel);
    const forward = s.motion === "right" || s.motion === "down";
    // Past one clip it patrols the stretch a clip covers.
    const path = sweep(forward ? start : start + travel, start, start + travel, scaled(travel / span), forward);
    if (horizontal) {
      x = path.position;
      facing = path.direction;
    } else {
      y = path.position;
    }
  } else if (s.motion === "bouncing") {
    // Elastic bounce on the cell's floor: a chain of parabolas under the world's gravity.
    const g = cfg.gravity;
    const floor = hiY;
    const height = Math.min(hiY - loY, 40.0 * cfg.scale) * rng.uniform(0.75, 1.0);
    const period = 2.0 * Math.sqrt((2.0 * height) / g);
    const contact = rng.uniform(1.5, Math.max(1.5, Math.min(period, span - 1.5)));
    const v0 = (g * period) / 2.0;
    const halfG = 0.5 * g;
    y = t.map((v) => {
      const phase = npMod(v - contact, period); // time since the last contact
      return floor - (v0 * phase - halfG * (phase * phase));
    });
    const drift = Math.min(0.4 * cfg.speed * span, hiX - loX);
    const start = rng.uniform(loX, hiX - drift);
    const forward = !(rng.random() < 0.5);
    const path = sweep(forward ? start : start + drift, start, start + drift, scaled(drift / span), forward);
    x = path.position;
    facing = path.direction;
  } else if (s.motion === "spinning") {
    const direction = rng.random() < 0.5 ? 1 : -1;
    const angle0 = rng.uniform(0, 2 * Math.PI);
    const perFrame = direction * cfg.spin;
    angle = t.map((v) => angle0 + perFrame * v);
  } else if (grow) {
    // The size swings between the range's ends, one clip length each way.
    const [small, big] = GROW_RANGE;
    const growing = s.motion === "growing";
    const scale = sweep(growing ? small : big, small, big, scaled((big - small) / span), growing).position;
    diameter = scale.map((v) => d0 * v);
  }
  if (!FACING_OBJECTS.includes(s.kind)) facing = filled(T, 1);
  return {
    kind: s.kind,
    colour: s.colour,
    x: Array.from(x),
    y: Array.from(y),
    diameter: Array.from(diameter),
    angle: Array.from(angle),
    facing: Array.from(facing),
  };
}

const ALONG_ACROSS: Record<string, (dx: number, dy: number) => [number, number]> = {
  "left of": (dx, dy) => [dx, dy],
  "right of": (dx, dy) => [-dx, dy],
  above: (dx, dy) => [dy, dx],
  below: (dx, dy) => [-dy, dx],
};

/**
 * The judges' rule (T2V-CompBench): A left of B when xA < xB and |dx| > |dy|;
 * checked in every frame with a small margin.
 */
export function relationHolds(rel: string, a: ObjectTrack, b: ObjectTrack): boolean {
  const alongAcross = ALONG_ACROSS[rel];
  if (!alongAcross) throw new PlanError(`unknown relation ${JSON.stringify(rel)}`);
  const n = Math.min(a.x.length, b.x.length);
  for (let i = 0; i < n; i++) {
    const [along, across] = alongAcross(b.x[i]! - a.x[i]!, b.y[i]! - a.y[i]!);
    if (!(along > 4.0 && Math.abs(along) > Math.abs(across) + 2.0)) return false;
  }
  return true;
}

/** Tracks in instance order: subjects[0]'s objects first. */
export function layout(spec: PlanSpec, cfg: WorldConfig, seed: number): ObjectTrack[] {
  return layoutInCells(spec, cfg, seed).tracks;
}

/** layout(), with the cell each object keeps to (a storyboard continues objects inside their cells). */
export function layoutInCells(spec: PlanSpec, cfg: WorldConfig, seed: number): { tracks: ObjectTrack[]; cells: Cell[] } {
  checkSpec(spec);
  const rng = new PlanRng(seed);
  const drawn = instances(spec);
  for (let attempt = 0; attempt < LAYOUT_TRIES; attempt++) {
    const where = cells(spec, cfg, rng);
    const tracks = drawn.map((s, i) => track(s, where[i]!, cfg, rng));
    if (spec.relation == null || relationHolds(spec.relation, tracks[0]!, tracks[1]!)) return { tracks, cells: where };
  }
  throw new PlanError(`could not lay out ${JSON.stringify(spec)} so that its relation holds`);
}
