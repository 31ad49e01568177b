/**
 * A storyboard planned as ONE scene plan for the whole clip (docs/storyboard.md), by the
 * planner's own parser and layout rules (lib/plan/), shot after shot:
 *
 * - Each shot's prompt is parsed and laid out by the world's rules over the shot's frames; what
 *   it leaves unsaid is drawn from the seed, except that an object whose colour is unsaid is
 *   taken to be the earlier object of its kind ("the ball"), and the clip keeps one scene (the
 *   first one a shot names, else the first shot's drawn one).
 * - An object named again (same kind and colour) is the same object, with the same id: it
 *   continues from where it last was, moving by the new shot's motion (its laid-out track's
 *   displacement), turned back at the edges of its new cell as the layout's paths are. Of the
 *   shot's layouts (the shot's seed, then others) the first that puts each continued object's
 *   cell around where it is is taken, so objects keep to separate cells (counts stay exact)
 *   and nothing jumps; when no layout does, the object is moved to the nearest point of its
 *   cell, the one seam the plan then has.
 * - New objects enter at their laid-out place; objects a shot does not name leave: hidden
 *   (`visible` false) for the shot, held where they were, so they can come back later.
 * - A shot's relation places its new objects; the plan records it only for a one-shot
 *   storyboard (a plan's relation is judged over the whole clip).
 *
 * A one-shot storyboard is exactly the plan of its prompt (planPrompt).
 */
import { worldConfig, type PlanFrame, type WorldConfig } from "../plan/config";
import { PlanError } from "../plan/errors";
import { layoutInCells, objectReach, type Cell, type ObjectTrack } from "../plan/layout";
import { pingPong } from "../plan/motion";
import { parse, type ParsedSpec } from "../plan/parser";
import { completeSpec } from "../plan/prompt";
import type { PlanObject, ScenePlan } from "../plan/schema";
import { instances, targetInstance, type PlanSpec, type PlanSubject } from "../plan/spec";
import { FACING_OBJECTS, MAX_OBJECTS, PLAN_VERSION } from "../plan/vocab";
import { filmShots, type ShotCamera } from "./camera";
import type { Shot } from "./schema";
import { shotSpans, type ShotSpan } from "./timing";

/** Layouts of one shot tried for one that keeps its continued objects where they are. */
const FIT_TRIES = 64;
/** Seeds between one shot's attempts: far more than a storyboard's shots, so shots never share a layout seed. */
const ATTEMPT_STRIDE = 7919;

type Frame = Omit<PlanFrame, "frames">;

/** Where an object was last seen, to continue from. */
interface LastSeen {
  x: number;
  y: number;
  angle: number;
}

/** A plan being made shot by shot: its objects (tracks over the whole clip) and where each was last. */
interface Board {
  objects: PlanObject[];
  last: Map<string, LastSeen>; // by object id
  scene: string;
  frames: number; // the whole clip's
}

/** null when no shot names an object the world can draw: the clip is made from text alone. */
export function planStoryboard(shots: readonly (Pick<Shot, "prompt" | "seconds"> & { camera?: string })[], frame: Frame, seed: number, { camera: films = true }: { camera?: boolean } = {}): ScenePlan | null {
  const { spans, frames } = shotSpans(shots, frame.fps);
  const parsed = shots.map((s) => parse(s.prompt).spec);
  const first = parsed.findIndex((p) => p !== null);
  if (first < 0) return null;
  const scene = parsed.find((p) => p?.scene)?.scene ?? completeSpec(parsed[first]!, seed).scene;
  const board: Board = { objects: [], last: new Map(), scene, frames };
  // The shot's relation places its new objects; the plan keeps it only for one shot.
  const planned = parsed.map((spec, k) => planShot(board, spec, k, spans[k]!, frame, seed));
  const relation = shots.length === 1 ? planned[0]!.relation : null;
  // films false: a model trained before the camera films every shot from a static view.
  const cameras = shots.map((shot, k): ShotCamera => {
    if (!films) return { move: "static", target: null };
    const said = parsed[k]?.camera;
    const move = shot.camera && shot.camera !== "static" ? shot.camera : (said ?? "static");
    const subject = parsed[k] && said === move ? targetInstance(completeSpec(parsed[k]!, seed)) : 0;
    return { move, target: planned[k]!.named[subject] ?? planned[k]!.named[0] ?? null };
  });
  const camera = filmShots(board.objects, cameras, spans, frame, frames);
  return { version: PLAN_VERSION, scene, background_seed: seed, fps: frame.fps, frames, width: frame.width, height: frame.height, relation, objects: board.objects, ...(camera ? { camera } : {}) };
}

/**
 * "Continue from here" (issue 18): the plan's first `at` frames as they are, then `frames` more
 * planned from `prompt` as a storyboard's next shot is: objects it names again continue from
 * where they are at the cut, the others leave. Its relation is dropped, as a storyboard's of
 * two shots is (a plan's relation is judged over the whole clip).
 */
export function continuePlan(plan: ScenePlan, at: number, shot: { prompt: string; frames: number }, seed: number): ScenePlan {
  if (!Number.isInteger(at) || at < 1 || at > plan.frames) throw new PlanError(`at: ${at} is not a frame of the plan's ${plan.frames}`);
  const frames = at + shot.frames;
  const keep = <T>(a: T[], pad: T) => [...a.slice(0, at), ...Array<T>(shot.frames).fill(pad)];
  const objects = plan.objects.map((o) => {
    const t = o.track;
    const end = at - 1;
    // Past the cut every object starts out held where it is, hidden; the shot rewrites those it names.
    const track = {
      x: keep(t.x, t.x[end]!),
      y: keep(t.y, t.y[end]!),
      diameter: keep(t.diameter, t.diameter[end]!),
      angle: keep(t.angle, t.angle[end]!),
      facing: keep(t.facing, t.facing[end]!),
      visible: keep(t.visible, false),
    };
    return { ...o, track };
  });
  const last = new Map(objects.map((o) => [o.id, { x: o.track.x[at - 1]!, y: o.track.y[at - 1]!, angle: o.track.angle[at - 1]! }]));
  const board: Board = { objects, last, scene: plan.scene, frames };
  const frame = { fps: plan.fps, width: plan.width, height: plan.height };
  planShot(board, parse(shot.prompt).spec, 1, { start: at, frames: shot.frames }, frame, seed);
  // The view up to the cut as it was; the new shot is filmed by a static camera, from where the
  // objects were seen at the cut.
  const camera = plan.camera && {
    ...plan.camera,
    x: keep(plan.camera.x, plan.width / 2),
    y: keep(plan.camera.y, plan.height / 2),
    zoom: keep(plan.camera.zoom, 1),
  };
  return { ...plan, frames, relation: null, objects, ...(camera ? { camera } : {}) };
}

/** Shot k laid out onto the board over its span (see the file's comment); returns the shot's relation and the ids of the objects it names, in its instances' order. */
function planShot(board: Board, spec: ParsedSpec | null, k: number, span: ShotSpan, frame: Frame, seed: number): { relation: string | null; named: string[] } {
  const { objects, last, scene } = board;
  const named = new Set<string>();
  let relation: string | null = null;
  if (spec) {
    const shotSpec: PlanSpec = { ...completeSpec(withKnownColours(spec, objects), shotSeed(seed, k, 0)), scene };
    relation = shotSpec.relation ?? null;
    const drawn = instances(shotSpec);
    const same = matchEarlier(drawn, objects);
    // A continued object moves by its laid-out track's displacement one frame on: one more frame to lay out.
    const cfg = worldConfig({ ...frame, frames: span.frames + (same.some((id) => id !== null) ? 1 : 0) });
    const laid = inShot(k, () => fittingLayout(shotSpec, cfg, seed, k, same.map((id) => (id ? last.get(id)! : null)), drawn));
    drawn.forEach((s, i) => {
      let o = same[i] ? objects.find((x) => x.id === same[i])! : undefined;
      if (!o) {
        if (objects.length >= MAX_OBJECTS) {
          throw new PlanError(`shots.${k}: the shots name more than ${MAX_OBJECTS} different objects, more than one plan holds`);
        }
        o = newObject(`o${objects.length + 1}`, s, board.frames);
        objects.push(o);
      }
      const seen = last.get(o.id);
      const track = seen ? continued(laid.tracks[i]!, laid.cells[i]!, s, seen, cfg) : entering(laid.tracks[i]!, span.frames);
      write(o, track, span);
      named.add(o.id);
      last.set(o.id, { x: track.x.at(-1)!, y: track.y.at(-1)!, angle: track.angle.at(-1)! });
    });
  }
  for (const o of objects) if (!named.has(o.id)) hide(o, span, last.get(o.id)!);
  return { relation, named: [...named] };
}

/** fn(), its PlanError naming the shot (the layout's rules refuse what the world cannot draw). */
function inShot<T>(k: number, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof PlanError) throw new PlanError(`shots.${k}: ${err.message}`);
    throw err;
  }
}

/** The layout seed of shot k's attempt a: the clip's seed for the first shot's first layout, as planPrompt has it. */
const shotSeed = (seed: number, k: number, attempt: number) => (seed + k + attempt * ATTEMPT_STRIDE) % 2 ** 32;

/** The spec with each unsaid colour taken from the first earlier object of that kind. */
function withKnownColours(spec: ParsedSpec, earlier: readonly PlanObject[]): ParsedSpec {
  return { ...spec, subjects: spec.subjects.map((s) => (s.colour ? s : { ...s, colour: earlier.find((o) => o.kind === s.kind)?.colour ?? null })) };
}

/** For each drawn object, the id of the earlier object of its kind and colour it is (each claimed once), or null. */
function matchEarlier(drawn: readonly PlanSubject[], earlier: readonly PlanObject[]): (string | null)[] {
  const claimed = new Set<string>();
  return drawn.map((s) => {
    const o = earlier.find((e) => !claimed.has(e.id) && e.kind === s.kind && e.colour === s.colour);
    if (!o) return null;
    claimed.add(o.id);
    return o.id;
  });
}

/** The free stretch of a cell for an object: where its centre may go so that it stays inside. */
function freeRange(cell: Cell, s: PlanSubject, cfg: WorldConfig): { loX: number; hiX: number; loY: number; hiY: number } {
  const r = objectReach(s.size, s.motion, cfg);
  const [x0, y0, x1, y1] = cell;
  return { loX: x0 + r, hiX: x1 - r, loY: y0 + r, hiY: y1 - r };
}

/** The first layout of the shot whose cells hold each continued object where it is; else the first layout. */
function fittingLayout(spec: PlanSpec, cfg: WorldConfig, seed: number, k: number, seen: (LastSeen | null)[], drawn: readonly PlanSubject[]) {
  let firstLaid: ReturnType<typeof layoutInCells> | null = null;
  for (let a = 0; a < FIT_TRIES; a++) {
    const laid = layoutInCells(spec, cfg, shotSeed(seed, k, a));
    firstLaid ??= laid;
    const fits = seen.every((p, i) => {
      if (!p) return true;
      const f = freeRange(laid.cells[i]!, drawn[i]!, cfg);
      return p.x >= f.loX && p.x <= f.hiX && p.y >= f.loY && p.y <= f.hiY;
    });
    if (fits) return laid;
  }
  return firstLaid!;
}

/** A new object's first shot: its laid-out track over the shot's frames. */
function entering(t: ObjectTrack, frames: number): ObjectTrack {
  const cut = (a: number[]) => a.slice(0, frames);
  return { ...t, x: cut(t.x), y: cut(t.y), diameter: cut(t.diameter), angle: cut(t.angle), facing: cut(t.facing) };
}

/**
 * A continued object's track over the shot: from where it was, one frame on by the laid-out
 * track's displacement each frame (the track has the shot's frames + 1), turned back at its
 * cell's edges as the layout's paths turn; facing kinds face the way they now go.
 */
function continued(t: ObjectTrack, cell: Cell, s: PlanSubject, from: LastSeen, cfg: WorldConfig): ObjectTrack {
  const f = freeRange(cell, s, cfg);
  const n = t.x.length - 1;
  const moved = (a: number[]) => Float64Array.from({ length: n }, (_, i) => a[i + 1]! - a[0]!);
  const clamp = (v: number, lo: number, hi: number) => Math.min(Math.max(v, lo), hi);
  const x = pingPong(clamp(from.x, f.loX, f.hiX), f.loX, f.hiX, moved(t.x));
  const y = pingPong(clamp(from.y, f.loY, f.hiY), f.loY, f.hiY, moved(t.y));
  const faces = FACING_OBJECTS.includes(s.kind);
  return {
    kind: t.kind,
    colour: t.colour,
    x: Array.from(x.position),
    y: Array.from(y.position),
    diameter: t.diameter.slice(1),
    angle: Array.from(moved(t.angle), (d) => from.angle + d),
    facing: t.facing.slice(1).map((v, i) => (faces ? v * x.direction[i]! : 1)),
  };
}

function newObject(id: string, s: PlanSubject, frames: number): PlanObject {
  const blank = <T>(v: T) => Array<T>(frames).fill(v);
  return {
    id,
    kind: s.kind,
    colour: s.colour,
    size: s.size,
    motion: s.motion,
    words: `${s.size} ${s.colour} ${s.kind} ${s.motion}`,
    // Until it enters it is hidden; where is filled in when it does (write() and hide()).
    track: { x: blank(0), y: blank(0), diameter: blank(1), angle: blank(0), facing: blank<1 | -1>(1), visible: blank(false) },
  };
}

function write(o: PlanObject, t: ObjectTrack, span: ShotSpan): void {
  for (let i = 0; i < span.frames; i++) {
    const f = span.start + i;
    o.track.x[f] = t.x[i]!;
    o.track.y[f] = t.y[i]!;
    o.track.diameter[f] = t.diameter[i]!;
    o.track.angle[f] = t.angle[i]!;
    o.track.facing[f] = t.facing[i]! < 0 ? -1 : 1;
    o.track.visible[f] = true;
  }
  // Frames before it entered hold its first place, so a hidden object never sits outside the frame.
  const firstSeen = o.track.visible.indexOf(true);
  if (firstSeen === span.start) {
    for (let f = 0; f < span.start; f++) {
      o.track.x[f] = t.x[0]!;
      o.track.y[f] = t.y[0]!;
      o.track.diameter[f] = t.diameter[0]!;
    }
  }
}

/** Out of the shot: hidden, held where it was last seen. */
function hide(o: PlanObject, span: ShotSpan, seen: LastSeen): void {
  const before = span.start - 1; // an object exists from the shot it entered in, so it had a frame before this shot
  for (let i = 0; i < span.frames; i++) {
    const f = span.start + i;
    o.track.x[f] = seen.x;
    o.track.y[f] = seen.y;
    o.track.angle[f] = seen.angle;
    o.track.diameter[f] = o.track.diameter[before]!;
    o.track.facing[f] = o.track.facing[before]!;
    o.track.visible[f] = false;
  }
}
