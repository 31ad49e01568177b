/**
 * The planner's front door: prompt -> spec (the parser) -> plan (the world's
 * layout rules). What a prompt leaves unsaid is drawn from the seed, as the
 * world draws it for training clips: a colour, a motion, a scene.
 */
import type { PlanFrame } from "./config";
import { parse, type ParsedSpec } from "./parser";
import { makePlan } from "./plan";
import { PlanRng } from "./rng";
import type { ScenePlan } from "./schema";
import type { PlanSpec } from "./spec";
import { COLOURS, SCENES } from "./vocab";

/** null when the prompt names no object the world can draw: such a clip is made from text alone. */
export function planPrompt(prompt: string, frame: PlanFrame, seed: number, { camera = true }: { camera?: boolean } = {}): ScenePlan | null {
  const { spec } = parse(prompt);
  if (!spec) return null;
  // camera false: for a model trained before the camera, a move the prompt says is not filmed.
  const said = completeSpec(spec, seed);
  const { camera: _move, camera_target: _target, ...still } = said;
  const full = camera ? said : still;
  const words = full.subjects.flatMap((s) => Array<string>(s.count).fill(`${s.size} ${s.colour} ${s.kind} ${s.motion}`));
  return makePlan(full, frame, seed, seed, words);
}

/** The parsed spec with every unsaid attribute drawn from the seed; a spec that says everything draws nothing. */
export function completeSpec(spec: ParsedSpec, seed: number): PlanSpec {
  // Their own stream, so they do not shift the layout's draws.
  const rng = new PlanRng((seed ^ 0x9e3779b9) >>> 0);
  const pick = <T>(options: readonly T[]): T => options[Math.floor(rng.random() * options.length)]!;
  const subjects = spec.subjects.map((s) => ({
    ...s,
    colour: s.colour ?? pick(COLOURS),
    size: s.size ?? "medium",
    motion: s.motion ?? "still",
  }));
  return { ...spec, subjects, scene: spec.scene ?? pick(SCENES) };
}
