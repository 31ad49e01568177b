/**
 * What a plan is laid out from, as world/spec.py's ClipSpec with every
 * attribute said (the planner fills in what a prompt leaves unsaid before
 * laying it out, as the sampler does for training clips). The camera's keys
 * are snake_case, as the Python fixtures write a spec (plan_fixtures._spec_dict).
 */
import { PlanError } from "./errors";
import { CAMERA_MOVES, COLOURS, MAX_OBJECTS, MOTIONS, OBJECTS, RELATIONS, SCENES, SIZES } from "./vocab";

export interface PlanSubject {
  kind: string;
  colour: string;
  size: string;
  motion: string;
  count: number; // identical objects of this noun phrase: 1, 2 or 3
}

export interface PlanSpec {
  subjects: readonly PlanSubject[];
  scene: string;
  /** Between subjects[0] and subjects[1], which are then single objects. */
  relation?: string | null;
  /** The camera move it is filmed with; unsaid (or null) is a static camera. */
  camera?: string | null;
  /** The subject a follow or close-up is about (an index into subjects); 0 unless said. */
  camera_target?: number;
}

function oneOf(what: string, value: string, known: readonly string[]): void {
  if (!known.includes(value)) throw new PlanError(`unknown ${what} ${JSON.stringify(value)}; known: ${known.join(", ")}`);
}

/** Throws PlanError where world/spec.py's Subject and ClipSpec refuse the same spec. */
export function checkSpec(spec: PlanSpec): void {
  if (spec.subjects.length === 0) throw new PlanError("a clip needs at least one subject");
  for (const s of spec.subjects) {
    oneOf("object", s.kind, OBJECTS);
    oneOf("colour", s.colour, COLOURS);
    oneOf("size", s.size, SIZES);
    oneOf("motion", s.motion, MOTIONS);
    if (![1, 2, 3].includes(s.count)) throw new PlanError(`count must be 1, 2 or 3, got ${s.count}`);
  }
  const n = objectCount(spec);
  if (n > MAX_OBJECTS) throw new PlanError(`at most ${MAX_OBJECTS} objects per clip, got ${n}`);
  oneOf("scene", spec.scene, SCENES);
  if (spec.relation != null) {
    oneOf("relation", spec.relation, RELATIONS);
    if (spec.subjects.length !== 2 || spec.subjects.some((s) => s.count !== 1)) {
      throw new PlanError("a relation needs exactly two single subjects");
    }
  }
  if (spec.camera != null) oneOf("camera move", spec.camera, CAMERA_MOVES);
  const target = spec.camera_target ?? 0;
  if (!Number.isInteger(target) || target < 0 || target >= spec.subjects.length) {
    throw new PlanError(`camera_target ${target} names no subject`);
  }
}

/** The camera's subject as an index into instances(): its first object. */
export function targetInstance(spec: PlanSpec): number {
  return spec.subjects.slice(0, spec.camera_target ?? 0).reduce((n, s) => n + s.count, 0);
}

export function objectCount(spec: PlanSpec): number {
  return spec.subjects.reduce((n, s) => n + s.count, 0);
}

/** One entry per drawn object (a subject with count 2 appears twice), in caption order. */
export function instances(spec: PlanSpec): PlanSubject[] {
  return spec.subjects.flatMap((s) => Array<PlanSubject>(s.count).fill(s));
}
