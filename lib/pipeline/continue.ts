/**
 * "Continue from here" (issue 18) in generate(): a clip made again from its settings, seed,
 * prompt and plan up to the chunk that holds the cut (one noise stream, so those chunks come out
 * as they did), that chunk's frames cut after the kept latent frame (./cut.ts), then chunks
 * conditioned on the latent frames just before the cut, following the new prompt and the plan
 * continued from where its objects are at the cut (lib/storyboard/plan.ts's continuePlan).
 *
 * The chunks up to the cut keep the clip's own plan over their whole windows, frames past the
 * cut included: their rasters, and so their latents, are the clip's.
 */
import { PlanError } from "../plan/errors";
import { extendPlan } from "../plan/extend";
import type { ScenePlan } from "../plan/schema";
import { continuePlan } from "../storyboard/plan";
import { MAX_EXTEND, framesPerExtension } from "./contract";
import { continuedChunks, cutProblem, framesPerChunk, snapCut, type Chunking } from "./cut";
import { PipelineError } from "./errors";
import { temporalRatio, type Manifest } from "./manifest";
import type { ChunkPlan, Settings } from "./settings";
import type { ClipShape } from "./shapes";

/** What one chunk is conditioned on, and what of it the clip keeps. */
export interface ChunkWindow {
  prompt: string;
  plan: ScenePlan | null; // the plan its raster is drawn from
  planStart: number; // that plan's frame (the DiT's) at the window's first frame
  contextEnd: number; // its context frames are the previous chunk's latent frames before this one
  keep?: number; // after this chunk the clip is cut to this many frames
}

export interface ContinuedRun {
  chunks: ChunkPlan;
  scenePlan: ScenePlan | null; // the clip's plan up to the cut, then continued
  windows: ChunkWindow[];
  cutFrames: number; // frames kept from the clip
}

type Continued = Settings & { continueOf: NonNullable<Settings["continueOf"]>; frames: number };

/** The chunks of a continued clip; `dm` is the DiT's view (its frames are the plan's), `toDit` output frames -> the DiT's. */
export function continuedRun(s: Continued, seed: number, dm: Manifest, shape: ClipShape, toDit: (frames: number) => number): ContinuedRun {
  const { frame, prompt: sourcePrompt, plan: given } = s.continueOf;
  const F = dm.latent.frames;
  const k = s.contextFrames;
  const c: Chunking = { latentFrames: F, contextFrames: k, framesPerLatent: shape.framesPerLatent };
  const problem = cutProblem(frame, Infinity, c);
  if (problem) throw new PipelineError("BAD_INPUT", `continueOf.frame: ${problem}`);
  const cut = snapCut(frame, c);
  if (s.frames <= cut.frames) throw new PipelineError("BAD_INPUT", `frames: ${s.frames}, no more than the ${cut.frames} kept from the clip`);
  const chunks = continuedChunks(cut, s.frames - cut.frames, c);
  if (chunks > 1 + MAX_EXTEND) throw new PipelineError("BAD_INPUT", `frames: ${s.frames} needs ${chunks} chunks, more than the ${1 + MAX_EXTEND} allowed`);
  if (given && !dm.plan) throw new PipelineError("BAD_INPUT", `continueOf.plan: model ${dm.model_id} does not follow scene plans (pass null)`);
  if (given && (given.width !== dm.video.width || given.height !== dm.video.height || given.fps !== dm.video.fps)) {
    throw new PipelineError("BAD_INPUT", `continueOf.plan: a ${given.width}x${given.height} plan at ${given.fps} fps, the clip's frame is ${dm.video.width}x${dm.video.height} at ${dm.video.fps}`);
  }

  const r = temporalRatio(dm);
  const stride = framesPerExtension(dm, k);
  const after = (cut.latents - k) * r; // the first chunk after the cut starts at its first context frame
  const start = (chunk: number) => (chunk <= cut.chunk ? chunk * stride : after + (chunk - cut.chunk - 1) * stride);
  const source = given && extendPlan(given, start(cut.chunk) + dm.video.frames);
  const cutDit = 1 + (cut.latents - 1) * r;
  let scenePlan: ScenePlan | null = null;
  try {
    scenePlan = source && extendPlan(continuePlan(source, cutDit, { prompt: s.prompt, frames: Math.max(1, toDit(s.frames) - cutDit) }, seed), start(chunks - 1) + dm.video.frames);
  } catch (err) {
    if (err instanceof PlanError) throw new PipelineError("BAD_INPUT", `prompt: ${err.message}`, { cause: err });
    throw err;
  }

  // The last kept latent frame's place in the cut chunk's window (after its context, for a chunk after the first).
  const last = cut.latents - 1;
  const inWindow = cut.chunk === 0 ? last : k + ((last - F) % (F - k));
  const windows = Array.from({ length: chunks }, (_, chunk): ChunkWindow => {
    const before = chunk <= cut.chunk;
    return {
      prompt: before ? sourcePrompt : s.prompt,
      plan: before ? source : scenePlan,
      planStart: start(chunk),
      contextEnd: chunk === cut.chunk + 1 ? inWindow + 1 : F,
      ...(chunk === cut.chunk ? { keep: cut.frames } : {}),
    };
  });
  const plan = { chunks, skip: 1 + (k - 1) * shape.framesPerLatent, perExtension: framesPerChunk(c), frames: s.frames };
  return { chunks: plan, scenePlan, windows, cutFrames: cut.frames };
}
