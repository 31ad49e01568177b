/**
 * The scene plan as generate() uses it: which plan a clip follows (the
 * caller's, checked against the model, or the prompt's or storyboard's own), and each chunk's
 * window of it as the DiT's `plan` input (docs/scene-plan.md).
 */
import * as ort from "onnxruntime-node";

import { PlanError } from "../plan/errors";
import { planPrompt } from "../plan/prompt";
import { rasterize } from "../plan/raster";
import { extendPlan } from "../plan/extend";
import { planSchema, type ScenePlan } from "../plan/schema";
import { CAMERA_CHANNELS, RASTER_CHANNELS, SHADE_CHANNELS } from "../plan/vocab";
import { planBounds, planProblems } from "./contract";
import { PipelineError } from "./errors";
import type { Manifest, PlanGuidance } from "./manifest";
import { planChunks, type Settings } from "./settings";
import { planStoryboard } from "../storyboard/plan";

/** The plan this run follows: null for text alone; undefined options.plan means "plan the prompt". */
export function resolvePlan(given: ScenePlan | null | undefined, s: Settings, m: Manifest, seed: number): ScenePlan | null {
  if (!m.plan) {
    if (given) throw new PipelineError("BAD_INPUT", `plan: model ${m.model_id} does not follow scene plans (pass no plan)`);
    return null;
  }
  if (given === null) return null;
  const video = { width: m.video.width, height: m.video.height, fps: m.video.fps };
  if (given !== undefined && s.continueFrom) {
    throw new PipelineError("BAD_INPUT", "plan: a continued clip (continueFrom) cannot take a plan");
  }
  if (given && s.shots) throw new PipelineError("BAD_INPUT", "plan: a storyboard is planned from its shots (pass no plan, or null for text alone)");
  // Plans cover whole chunks; the frames past the clip's end are cut after decoding.
  const frames = (f?: number) => {
    const c = planChunks({ ...s, frames: f ?? s.frames }, m);
    return m.video.frames + (c.chunks - 1) * c.perExtension;
  };
  if (given === undefined && s.shots) {
    const moving = s.shots.findIndex((shot) => shot.camera && shot.camera !== "static");
    if (moving >= 0 && !planBounds(m)!.camera) {
      throw new PipelineError("BAD_INPUT", `shots.${moving}.camera: model ${m.model_id} renders no camera moves (leave camera out, or "static")`);
    }
    let board: ScenePlan | null;
    try {
      board = planStoryboard(s.shots, video, seed, { camera: planBounds(m)!.camera });
    } catch (err) {
      if (err instanceof PlanError) throw new PipelineError("BAD_INPUT", `shots: ${err.message}`, { cause: err });
      throw err;
    }
    return board && extendPlan(board, frames(board.frames));
  }
  if (given === undefined) return s.continueFrom ? null : planPrompt(s.prompt, { ...video, frames: frames() }, seed, { camera: planBounds(m)!.camera });
  const parsed = planSchema.safeParse(given);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  plan.${i.path.join(".")}: ${i.message}`);
    throw new PipelineError("BAD_INPUT", `invalid plan:\n${lines.join("\n")}`, { details: parsed.error.issues });
  }
  const plan = parsed.data;
  // The API's rules (lib/pipeline/contract.ts), for this run's context frames.
  const problems = planProblems(plan, planBounds(m, s.contextFrames)!, s).map((p) => `plan.${p.path.join(".")}: ${p.message}`);
  if (problems.length) throw new PipelineError("BAD_INPUT", `plan does not fit this model:\n  ${problems.join("\n  ")}`);
  return extendPlan(plan, frames(plan.frames));
}

/** The channels a camera guidance leaves out of the unconditional row: the camera's motion and the shading it moves. */
const CAMERA_GUIDED: readonly string[] = [...CAMERA_CHANNELS, ...SHADE_CHANNELS];

/**
 * Whether the picture moves anywhere in this window's raster. A still view has no move to
 * strengthen, and guiding its shading alone only exaggerates the background (it cost colour,
 * motion and physics over 144 held-out prompts), so camera guidance leaves such a window alone.
 */
function cameraMoves(raster: Float32Array, channels: readonly string[], plane: number): boolean {
  return channels.some((c, k) => CAMERA_CHANNELS.includes(c) && raster.subarray(k * plane, (k + 1) * plane).some((v) => v !== 0));
}

/**
 * The DiT's plan input for the window starting at `start`: (B, channels, F, h, w). Row 0 has the
 * plan; the unconditional row (row 1 of a guidance batch) lacks what `guidance` says
 * (PlanGuidance; "camera" only where the view moves); all zeros without a plan. The channels are the ones the model's manifest lists,
 * in its order: a DiT trained before the camera has no camera channels.
 */
export function planRaster(plan: ScenePlan | null, start: number, batch: number, m: Manifest, guidance: PlanGuidance = "off"): ort.Tensor {
  const { frames: F, height: h, width: w } = m.latent;
  const channels = m.plan!.channels;
  const P = channels.length;
  const unknown = channels.find((c) => !RASTER_CHANNELS.includes(c));
  if (unknown !== undefined) throw new PipelineError("BAD_MANIFEST", `plan.channels: the planner has no raster channel ${JSON.stringify(unknown)}`);
  const one = rasterize(plan, start, m.video.frames, m.video.height, m.video.width, channels);
  if (one.length !== P * F * h * w) {
    throw new PipelineError("BAD_MANIFEST", `the plan raster has ${one.length} values, the model's plan input ${P * F * h * w}`);
  }
  const plane = F * h * w;
  const unconditional = new Float32Array(one.length);
  if (guidance !== "all") unconditional.set(one);
  if (guidance === "camera" && cameraMoves(one, channels, plane)) {
    channels.forEach((c, k) => CAMERA_GUIDED.includes(c) && unconditional.fill(0, k * plane, (k + 1) * plane));
  }
  const data = new Float32Array(batch * one.length);
  for (let b = 0; b < batch; b++) data.set(b === 0 ? one : unconditional, b * one.length);
  return new ort.Tensor("float32", data, [batch, P, F, h, w]);
}
