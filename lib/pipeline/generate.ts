/**
 * Prompt -> clip. One `generate()` running the stages of docs/model-format.md, each a
 * function below with typed inputs and outputs (diffusers' pipeline order):
 *   1 checkInputs: settings against the manifest   2 tokenize (unknown words reported)
 *   3 encodePrompt: each prompt + negative, once    4 prepareLatents: seeded noise
 *   5 scheduler timesteps                          6 denoising loop (guidedVelocity: CFG as one
 *   7 decodeChunk: VAE to uint8 RGB                  batch-2 DiT run per step inside the
 *   8 muxClip: ffmpeg                                guidance interval, the conditional half
 *                                                    alone outside it; onStepEnd)
 * The loop lives here, not in a network or a scheduler, as in diffusers.
 *
 * Longer clips are made of chunks of one DiT window each: every chunk after
 * the first is conditioned on the last `contextFrames` latent frames of the
 * one before (the model's masked-frame conditioning), and contributes only
 * the video frames of its new latent frames. A finished clip can be extended
 * later the same way by passing its `lastLatent` as `continueFrom`.
 *
 * A storyboard (`shots`) is one such clip: one plan over all its shots (lib/storyboard/plan.ts),
 * the context frames chained through every chunk as for one prompt, and each chunk conditioned
 * on the text of the shot it mostly covers (./chunk-prompts.ts), each distinct text encoded once.
 *
 * Nothing touches the disk before stage 8, and mux() writes atomically, so an
 * abort or a failure leaves no partial files.
 *
 * Resume states (./resume.ts): every `resumeStateEvery` steps the loop hands `onResumeState` its
 * state; a run given that state as `resumeFrom` skips the steps already taken and ends with
 * the same frames as a run that never stopped.
 */
import { randomInt } from "node:crypto";
import * as ort from "onnxruntime-node";

import { PipelineError, throwIfAborted } from "./errors";
import { mux, type MuxOutputs } from "./ffmpeg";
import { closeWith, contextFrom, decodeFrames, keepContext, preview, repeat, type Preview } from "./latents";
import { NoiseStream } from "./noise";
import { settingsHash, type DenoiseState } from "./resume";
import { createScheduler, type SCHEDULERS, type Scheduler } from "./schedulers";
import { getRuntime, type ModelRuntime, type Provider } from "./sessions";
import { checkSettings, planChunks, type ChunkPlan, type FORMATS, type Settings } from "./settings";
import type { Encoded } from "./tokenizer";
import { temporalRatio, type Manifest, type PlanGuidance, type Precision } from "./manifest";
import { planRaster, resolvePlan } from "./plan-input";
import { extendPlan } from "../plan/extend";
import { loopPlan } from "../plan/loop";
import type { ScenePlan } from "../plan/schema";
import { framesPerExtension } from "./contract";
import { clipShape, ditView, outputView, type ClipShape } from "./shapes";
import { chunkPrompts } from "./chunk-prompts";
import { continuedRun, type ChunkWindow, type ContinuedRun } from "./continue";
import type { ShotInput } from "../storyboard/schema";

export type { Preview } from "./latents";
export type { DenoiseState } from "./resume";
export const DEFAULT_MODEL_DIR = "models/dev";

export interface StepEndEvent {
  step: number; // 1-based, counted over all chunks
  total: number;
  chunk: number; // 0-based
  chunks: number;
  elapsedMs: number; // since generate() was called
  etaMs: number; // remaining denoising steps at the mean step time so far
  preview?: Preview; // every `previewEvery` steps and on each chunk's last step
}

export interface GenerateOptions {
  /** The clip's prompt; or `shots`, a storyboard (lib/storyboard/schema.ts), whose lengths make the clip's. */
  prompt?: string;
  shots?: ShotInput[];
  negativePrompt?: string; // the unconditional side of CFG; empty by default
  seed?: number; // random when omitted (and returned)
  steps?: number;
  guidance?: number; // 1 = no guidance (the unconditional half is skipped)
  frames?: number; // output length; enough chunks are made for it
  seconds?: number; // output length in seconds, instead of frames (frames = seconds * fps + 1)
  extend?: number; // extra chunks after the first
  loop?: boolean; // the clip leads seamlessly back into its first frame (whole chunks; at least two)
  contextFrames?: number; // latent frames carried from chunk to chunk
  continueFrom?: Float32Array; // lastLatent of an earlier result, to extend that clip
  /**
   * "Continue from here": the clip these settings make with `prompt` and `plan` (what it followed)
   * in place of this run's, kept up to its frame `frame` (snapped down to a latent frame's end,
   * ./cut.ts), then continued by this run's prompt up to `frames` in all (./continue.ts).
   */
  continueOf?: { frame: number; prompt: string; plan: ScenePlan | null };
  /** The scene plan the clip follows. Omitted: the prompt is planned (models that take plans); null: text alone. */
  plan?: ScenePlan | null;
  scheduler?: (typeof SCHEDULERS)[number];
  fps?: number; // output fps, a key of model.json outputs (its decoder); default: the manifest's
  aspect?: string; // the DiT's frame, a key of model.json aspects; default: the manifest's
  /** Guidance only on steps whose timestep t is in [lo, hi]; the rest skip the unconditional half. Default: the manifest's, else [0, 1]. */
  guidanceInterval?: [number, number];
  /**
   * Planned clips: what guidance's unconditional row lacks of the plan, so that guidance
   * strengthens it as well as the text: "camera" its camera channels, "all" (or true) the whole
   * plan, "off" (or false) nothing, both rows following it. Default: the manifest's, else "off".
   */
  planGuidance?: boolean | PlanGuidance;
  precision?: Precision; // the DiT graph: fp32, or int8 where the model has one; default: the manifest's
  modelDir?: string;
  provider?: Provider;
  threads?: number;
  out?: string; // .mp4 path; the .webm, .png poster and .webp preview go beside it. Omit to skip muxing.
  formats?: readonly (typeof FORMATS)[number][];
  previewEvery?: number; // 0 = no previews
  onStepEnd?: (event: StepEndEvent) => void;
  resumeFrom?: DenoiseState; // continue an earlier run of the same settings from its resume state
  resumeStateEvery?: number; // steps between onResumeState calls (counted over all chunks); default 5
  /** Awaited before the next step. The state's arrays are never changed afterwards, so they may be kept as they are. */
  onResumeState?: (state: DenoiseState, info: { step: number; total: number }) => void | Promise<void>;
  signal?: AbortSignal;
}

export interface StageTimings {
  validate: number; // includes loading the model and creating sessions on first use
  tokenize: number;
  encode: number;
  noise: number;
  timesteps: number;
  denoise: number;
  decode: number;
  mux: number;
  total: number;
}

export interface GenerateResult {
  outputs: MuxOutputs;
  frames: Uint8Array[]; // RGB, width * height * 3 each
  width: number;
  height: number;
  fps: number;
  aspect: string;
  loop: boolean;
  seed: number;
  steps: number;
  guidance: number;
  scheduler: string;
  guidanceInterval: [number, number];
  planGuidance: PlanGuidance; // what of the plan guidance strengthened ("off" without a plan)
  guidedSteps: number; // steps that ran the unconditional half too, over all chunks
  precision: Precision;
  provider: string;
  modelId: string;
  chunks: number;
  unknownWords: string[];
  negativeUnknownWords: string[];
  truncated: boolean; // the prompt had more words than the text encoder reads
  lastLatent: Float32Array; // (C, F, h, w) of the last chunk, for continueFrom
  cutFrames: number | null; // with continueOf: the frames kept from the clip continued
  plan: ScenePlan | null; // what the clip followed (null: text alone)
  resumedAtStep: number; // steps taken from resumeFrom (0: started from noise)
  timings: StageTimings; // ms
  stepMs: number[];
}

// ----------------------------------------------------------------- generate

export async function generate(options: GenerateOptions): Promise<GenerateResult> {
  const clock = stageClock();
  const { signal, onStepEnd, onResumeState, resumeFrom } = options;

  // 1. Check inputs against the manifest (loading the model, verified and cached, to read it).
  const { rt, s, seed, scenePlan, plan, hash, resumeStateEvery, shape, loop, continued } = await checkInputs(options);
  // The DiT side (latent, context, plan raster) at the aspect's size; the output side from the fps's decoder.
  const m = ditView(rt.model.manifest, shape);
  const out = outputView(rt.model.manifest, shape);
  const planStride = framesPerExtension(m, s.contextFrames); // DiT frames per chunk after the first
  clock.lap("validate");

  // 2. Tokenize each chunk's prompt; unknown words are reported, not fatal (the model just sees [UNK]).
  const windows =
    continued?.windows ??
    chunkPrompts(s, { chunks: plan.chunks, window: m.video.frames, stride: planStride, fps: m.video.fps }).map(
      (prompt, c): ChunkWindow => ({ prompt, plan: scenePlan, planStart: c * planStride, contextEnd: m.latent.frames }),
    );
  const distinct = [...new Set(windows.map((w) => w.prompt))];
  const conds = distinct.map((p) => rt.tokenizer.encode(p));
  const uncond = rt.tokenizer.encode(s.negativePrompt);
  clock.lap("tokenize");

  // 3. Encode each distinct prompt once, with the negative prompt, as one batch.
  const encoded = new Map<string, EncodedPrompt>();
  for (const [i, p] of distinct.entries()) encoded.set(p, await encodePrompt(rt, conds[i]!, uncond, s.guidance));
  clock.lap("encode");

  // 4 + 5 happen per chunk (fresh noise from one stream, fresh scheduler); 6 is the loop; 7 decodes each chunk.
  const noise = new NoiseStream(seed);
  const scheduler = createScheduler(s.scheduler, m.scheduler.shift);
  const total = s.steps * plan.chunks;
  const dit = s.precision === "int8" ? rt.ditInt8! : rt.dit; // checkSettings refused int8 for a model without the graph
  const [gLo, gHi] = s.guidanceInterval;
  let guidedSteps = 0;
  const stepMs: number[] = [];
  const frames: Uint8Array[] = [];
  let prev: Float32Array | null = s.continueFrom ?? null;
  const chunkLatents: Float32Array[] = []; // each finished chunk's final latent, for resume states
  let stepsDone = 0;

  for (let chunk = 0; chunk < plan.chunks; chunk++) {
    // 4. Latents: seeded noise with the context frames (if any) put in place.
    const w = windows[chunk]!;
    const window = prepareLatents(noise, prev, s.contextFrames, w.contextEnd, m);
    const closing = s.loop && chunk === plan.chunks - 1;
    if (closing) {
      // The loop's last chunk ends on the clip's own first latent frames, given like its leading context.
      closeWith(window.context, window.mask, chunkLatents[0]!, loop!.latentFrames, m);
      keepContext(window.x, window.context, window.mask, m);
    }
    clock.lap("noise");

    // 5. Timesteps.
    scheduler.setTimesteps(s.steps);
    clock.lap("timesteps");

    const start = resumePoint(resumeFrom, chunk, s.steps, scheduler);
    let x = start?.latent ?? window.x;
    stepsDone += start?.stepsTaken ?? 0;
    const text = encoded.get(w.prompt)!;
    const inputs = chunkInputs(window, text.batch, w.plan, w.planStart, m, s.planGuidance);

    // 6. Denoising loop: one DiT run per step, of the guidance batch inside the guidance interval.
    const denoiseStart = performance.now();
    for (let i = stepsDone - chunk * s.steps; i < s.steps; i++) {
      const t = scheduler.timesteps[i]!;
      throwIfAborted(signal, `chunk ${chunk + 1}/${plan.chunks}, step ${i + 1}/${s.steps}`);
      const stepStart = performance.now();
      const guided = text.batch === 2 && t >= gLo && t <= gHi;
      if (guided) guidedSteps++;
      const v = await guidedVelocity(dit, text, inputs, x, t, guided ? s.guidance : null);
      const before = x;
      x = scheduler.step(v, t, x);
      keepContext(x, window.context, window.mask, m);
      stepsDone++;
      stepMs.push(performance.now() - stepStart);
      if (onStepEnd) {
        const last = i === s.steps - 1;
        const wantPreview = s.previewEvery > 0 && ((i + 1) % s.previewEvery === 0 || last);
        onStepEnd({
          step: stepsDone,
          total,
          chunk,
          chunks: plan.chunks,
          elapsedMs: clock.elapsed(),
          etaMs: mean(stepMs) * (total - stepsDone),
          ...(wantPreview ? { preview: preview(before, v, t, m) } : {}),
        });
      }
      if (onResumeState && stepsDone % resumeStateEvery === 0 && stepsDone < total) {
        const state: DenoiseState = { settingsHash: hash, seed, chunk, step: i + 1, latent: x, scheduler: scheduler.state(), chunkLatents: [...chunkLatents] };
        await onResumeState(state, { step: stepsDone, total });
      }
    }
    clock.add("denoise", denoiseStart);

    // 7. Decode to uint8 RGB; a conditioned chunk's leading frames repeat its context and are dropped.
    throwIfAborted(signal, "before decode");
    const chunkFrames = await decodeChunk(rt, x, shape, out);
    frames.push(...(prev ? chunkFrames.slice(plan.skip) : chunkFrames));
    if (w.keep !== undefined) frames.length = w.keep;
    chunkLatents.push(x);
    prev = x;
    clock.lap("decode");
  }
  frames.length = plan.frames;

  // 8. Output: mux (atomically; aborting kills ffmpeg and removes its temporaries).
  let outputs: MuxOutputs = {};
  if (s.out) {
    throwIfAborted(signal, "before mux");
    outputs = await muxClip(s, s.out, seed, scenePlan, frames, out, signal);
    clock.lap("mux");
  }

  return {
    outputs,
    frames,
    width: shape.width,
    height: shape.height,
    fps: shape.fps,
    aspect: shape.aspect,
    loop: s.loop,
    seed,
    steps: s.steps,
    guidance: s.guidance,
    scheduler: s.scheduler,
    guidanceInterval: s.guidanceInterval,
    planGuidance: scenePlan ? s.planGuidance : "off",
    guidedSteps,
    precision: s.precision,
    provider: rt.provider,
    modelId: m.model_id,
    chunks: plan.chunks,
    unknownWords: [...new Set(conds.flatMap((c) => c.unknown))],
    negativeUnknownWords: uncond.unknown,
    truncated: conds.some((c) => c.truncated),
    lastLatent: prev!,
    cutFrames: continued?.cutFrames ?? null,
    plan: scenePlan,
    resumedAtStep: resumeFrom ? resumeFrom.chunk * s.steps + resumeFrom.step : 0,
    timings: clock.done(),
    stepMs,
  };
}

// ------------------------------------------------------------------- stages

/** Stage 1's output: the settings checked against the model, and what follows from them. */
interface CheckedInputs {
  rt: ModelRuntime;
  s: Settings;
  seed: number; // given, kept from the resumed run, or drawn
  scenePlan: ScenePlan | null;
  plan: ChunkPlan;
  hash: string; // settingsHash(): what a resume state must carry to resume this run
  resumeStateEvery: number;
  shape: ClipShape; // the fps's decoder and the aspect's frame
  loop: LoopClosing | null;
  continued: ContinuedRun | null; // with continueOf: its chunks' windows
}

/** How a loop closes: its last chunk is given the clip's first latent frames as its last ones. */
interface LoopClosing {
  latentFrames: number; // of the first chunk, given at the end of the last
}

/** The plan over a loop's whole chunks, its last frames its first (lib/plan/loop.ts), in the DiT's frames. */
function loopedPlan(plan: ScenePlan, chunks: number, closingLatents: number, dm: Manifest, contextFrames: number): ScenePlan {
  const perChunk = framesPerExtension(dm, contextFrames);
  const closing = closingLatents * temporalRatio(dm);
  return loopPlan(extendPlan(plan, dm.video.frames + (chunks - 1) * perChunk), closing, perChunk - closing);
}

/**
 * A loop's closing frames: two latent frames (the first frame and the motion out of it) where the
 * window has room beside its leading context, else one. Null when there is no room at all.
 */
function loopClosing(m: Manifest, contextFrames: number): LoopClosing | null {
  const room = m.latent.frames - 1 - contextFrames; // at least one latent frame must be made
  return room < 1 ? null : { latentFrames: Math.min(2, room) };
}

async function checkInputs(options: GenerateOptions): Promise<CheckedInputs> {
  const { signal, resumeFrom } = options;
  const resumeStateEvery = options.resumeStateEvery ?? 5;
  if (!Number.isInteger(resumeStateEvery) || resumeStateEvery < 1) {
    throw new PipelineError("BAD_INPUT", `resumeStateEvery must be a positive integer, got ${resumeStateEvery}`);
  }
  throwIfAborted(signal, "before start");
  const rt = await getRuntime(options.modelDir ?? DEFAULT_MODEL_DIR, {
    provider: options.provider ?? "cpu",
    threads: options.threads,
  });
  const m = rt.model.manifest;
  if (options.seconds !== undefined && options.frames !== undefined) throw new PipelineError("BAD_INPUT", "seconds: give frames or seconds, not both");
  const fps = options.fps ?? m.defaults.fps ?? m.video.fps;
  const requestedFrames = options.seconds !== undefined ? Math.round(options.seconds * fps) + 1 : options.frames;
  const s = checkSettings({ ...options, frames: requestedFrames }, m);
  const shape = clipShape(m, s.fps, s.aspect);
  const loop = s.loop ? loopClosing(m, s.contextFrames) : null;
  if (s.loop && !loop) throw new PipelineError("BAD_INPUT", `loop: ${s.contextFrames} context frames leave no room in the window to close a loop`);
  const dm = ditView(m, shape);
  const om = outputView(m, shape);
  // Plans count the DiT's own frames (video.fps); the clip's length is in output frames.
  const ditR = (m.video.frames - 1) / Math.max(1, m.latent.frames - 1);
  const toDit = (f: number) => 1 + Math.ceil(((f - 1) * ditR) / shape.framesPerLatent);
  const toOut = (f: number) => 1 + Math.floor(((f - 1) * shape.framesPerLatent) / ditR);
  // A resumed run keeps the seed its first attempt drew.
  const seed = s.seed ?? resumeFrom?.seed ?? randomInt(m.limits.seed[0], Math.min(m.limits.seed[1], 2 ** 48 - 1) + 1);
  // A loop is made with its closing frames after its end (cut after decoding), in two chunks at least.
  // The decoder writes a latent frame as the framesPerLatent frames that lead up to it, so the first
  // closing latent frame's leading frames are the way back into frame 0, and stay: what is cut is the
  // frame that is frame 0 again, and the later closing latent frames' frames.
  const closingOut = loop ? (loop.latentFrames - 1) * shape.framesPerLatent + 1 : 0;
  const chunked = loop ? { ...s, extend: Math.max(1, s.extend), frames: s.frames === undefined ? undefined : s.frames + closingOut } : s;
  // A given plan must cover the frames asked for; the closing frames are the loop's own.
  if (s.continueOf && options.plan !== undefined) throw new PipelineError("BAD_INPUT", "plan: a clip continued from a frame follows the clip's plan, continued (pass none)");
  const continued = s.continueOf ? continuedRun({ ...s, continueOf: s.continueOf, frames: s.frames! }, seed, dm, shape, toDit) : null;
  const resolved = continued ? continued.scenePlan : resolvePlan(options.plan, { ...chunked, frames: s.frames === undefined ? undefined : toDit(s.frames) }, dm, seed);
  const chunks = continued?.chunks ?? planChunks({ ...chunked, frames: chunked.frames ?? (resolved ? toOut(resolved.frames) : undefined) }, om);
  // A loop fills whole chunks: the clip ends where its closing frames begin.
  const plan = loop ? { ...chunks, frames: om.video.frames + (chunks.chunks - 1) * chunks.perExtension - closingOut } : chunks;
  const scenePlan = loop && resolved ? loopedPlan(resolved, chunks.chunks, loop.latentFrames, dm, s.contextFrames) : resolved;
  const hash = settingsHash({
    modelId: m.model_id,
    prompt: s.prompt,
    negativePrompt: s.negativePrompt,
    seed,
    steps: s.steps,
    guidance: s.guidance,
    scheduler: s.scheduler,
    chunks: plan.chunks,
    contextFrames: s.contextFrames,
    continueFrom: s.continueFrom,
    ...(scenePlan ? { plan: scenePlan } : {}),
    ...(s.shots ? { shots: s.shots } : {}),
    // Only when not today's defaults, so that fp32 runs guided on every step keep their hashes.
    ...(s.precision !== "fp32" ? { precision: s.precision } : {}),
    ...(s.guidanceInterval[0] > 0 || s.guidanceInterval[1] < 1 ? { guidanceInterval: s.guidanceInterval } : {}),
    // "all" as true, as before there was a "camera", so that those runs keep their hashes.
    ...(s.planGuidance !== "off" && scenePlan ? { planGuidance: s.planGuidance === "all" ? true : s.planGuidance } : {}),
    // Only when not an old directory's one shape, so that 8-fps square runs keep their hashes.
    ...(s.fps !== m.video.fps || s.aspect !== "1:1" ? { fps: s.fps, aspect: s.aspect } : {}),
    ...(s.loop ? { loop: true } : {}),
    ...(s.continueOf ? { continueOf: s.continueOf } : {}),
  });
  if (resumeFrom) checkResumable(resumeFrom, hash, plan.chunks, s.steps, shape.latent);
  return { rt, s, seed, scenePlan, plan, hash, resumeStateEvery, shape, loop, continued };
}

/** Stage 3's output: the encoded text, row 0 conditional and (with guidance) row 1 unconditional. */
interface EncodedPrompt {
  batch: number; // 2 with guidance, 1 without
  states: ort.Tensor;
  mask: ort.Tensor;
  /** With guidance, the conditional row alone, for steps outside the guidance interval. */
  cond: { states: ort.Tensor; mask: ort.Tensor } | null;
}

async function encodePrompt(rt: ModelRuntime, cond: Encoded, uncond: Encoded, guidance: number): Promise<EncodedPrompt> {
  const batch = guidance !== 1 ? 2 : 1;
  const L = rt.model.manifest.text.max_length;
  const ids = new BigInt64Array(batch * L);
  const mask = new Uint8Array(batch * L);
  ids.set(cond.ids);
  mask.set(cond.mask);
  if (batch === 2) {
    ids.set(uncond.ids, L);
    mask.set(uncond.mask, L);
  }
  const textMask = new ort.Tensor("bool", mask, [batch, L]);
  const encoded = await rt.textEncoder.run({ ids: new ort.Tensor("int64", ids, [batch, L]), mask: textMask });
  const states = encoded.text_states!;
  const D = rt.model.manifest.text.dim;
  const condRow =
    batch === 2
      ? { states: new ort.Tensor("float32", (states.data as Float32Array).slice(0, L * D), [1, L, D]), mask: new ort.Tensor("bool", mask.slice(0, L), [1, L]) }
      : null;
  return { batch, states, mask: textMask, cond: condRow };
}

/** Stage 4's output: a chunk's starting sample and the context frames it keeps. */
interface ChunkLatents {
  x: Float32Array; // (C, F, h, w) noise, context frames in place
  context: Float32Array; // (C, F, h, w), the previous chunk's last frames first
  mask: Float32Array; // (F,) 1 on context frames
}

/**
 * Seeded noise with the context frames (if any: `prev`'s before its latent frame `contextEnd`) put
 * in place. A resumed run draws the noise of the chunks it skips too, so that later chunks get
 * the same noise as before.
 */
function prepareLatents(noise: NoiseStream, prev: Float32Array | null, contextFrames: number, contextEnd: number, m: Manifest): ChunkLatents {
  const { channels: C, frames: F, height: h, width: w } = m.latent;
  const { context, mask } = contextFrom(prev, contextFrames, m, contextEnd);
  const x = noise.normal(C * F * h * w);
  keepContext(x, context, mask, m);
  return { x, context, mask };
}

/**
 * Where a resumed run takes over in this chunk: a chunk done before the resume state needs only
 * its saved final latent (for its frames); the state's chunk continues from its latent and
 * scheduler state. Null: denoise this chunk from its noise.
 */
function resumePoint(r: DenoiseState | undefined, chunk: number, steps: number, scheduler: Scheduler): { latent: Float32Array; stepsTaken: number } | null {
  if (!r || chunk > r.chunk) return null;
  if (chunk < r.chunk) return { latent: r.chunkLatents[chunk]!, stepsTaken: steps };
  scheduler.restore(r.scheduler);
  return { latent: r.latent, stepsTaken: r.step };
}

/** The DiT inputs that stay the same over a chunk's steps, for one batch size. */
interface BatchInputs {
  dims: number[]; // [B, C, F, h, w]
  context: ort.Tensor;
  contextMask: ort.Tensor;
  plan: ort.Tensor | null; // the scene plan's raster, for models that take one
}

/** The guidance batch's inputs, and with guidance the conditional row's alone (steps outside the interval). */
interface ChunkInputs {
  batch: BatchInputs;
  cond: BatchInputs | null;
}

function chunkInputs(window: ChunkLatents, batch: number, scenePlan: ScenePlan | null, startFrame: number, m: Manifest, planGuidance: PlanGuidance): ChunkInputs {
  const { channels: C, frames: F, height: h, width: w } = m.latent;
  const of = (B: number): BatchInputs => ({
    dims: [B, C, F, h, w],
    context: new ort.Tensor("float32", repeat(window.context, B), [B, C, F, h, w]),
    contextMask: new ort.Tensor("float32", repeat(window.mask, B), [B, F]),
    // Row 0 follows the plan; the unconditional row lacks what planGuidance says (planRaster).
    plan: m.plan ? planRaster(scenePlan, startFrame, B, m, planGuidance) : null,
  });
  return { batch: of(batch), cond: batch === 2 ? of(1) : null };
}

/**
 * One DiT run. With `guidance` (a step inside the guidance interval), the guidance batch
 * combined by classifier-free guidance: v = v_uncond + g (v_cond - v_uncond); with null, the
 * conditional row alone (batch 1, as guidance 1 would run).
 */
async function guidedVelocity(dit: ort.InferenceSession, text: EncodedPrompt, inputs: ChunkInputs, x: Float32Array, t: number, guidance: number | null): Promise<Float32Array> {
  const guided = guidance !== null && text.batch === 2;
  const B = guided ? 2 : 1;
  const rows = guided || !text.cond ? { states: text.states, mask: text.mask } : text.cond;
  const batch = guided || !inputs.cond ? inputs.batch : inputs.cond;
  const out = await dit.run({
    latent: new ort.Tensor("float32", repeat(x, B), batch.dims),
    timestep: new ort.Tensor("float32", new Float32Array(B).fill(t), [B]),
    text_states: rows.states,
    text_mask: rows.mask,
    context: batch.context,
    context_mask: batch.contextMask,
    ...(batch.plan ? { plan: batch.plan } : {}),
  });
  const both = out.velocity!.data as Float32Array;
  if (!guided) return both;
  const size = x.length;
  const v = new Float32Array(size);
  for (let k = 0; k < size; k++) v[k] = both[size + k]! + guidance * (both[k]! - both[size + k]!);
  return v;
}

/** Stage 7: a chunk's final latent through the VAE decoder, as uint8 RGB frames. */
async function decodeChunk(rt: ModelRuntime, x: Float32Array, shape: ClipShape, out: Manifest): Promise<Uint8Array[]> {
  const { channels: C, frames: F, height: h, width: w } = shape.latent;
  const decoded = await rt.decoders[shape.decoder]!.run({ latent: new ort.Tensor("float32", x, [1, C, F, h, w]) });
  return decodeFrames(decoded.video!, out);
}

/** Stage 8: the frames muxed into the formats asked for, beside `out` (a .mp4 path). */
function muxClip(s: Settings, out: string, seed: number, scenePlan: ScenePlan | null, frames: Uint8Array[], m: Manifest, signal: AbortSignal | undefined): Promise<MuxOutputs> {
  const base = out.slice(0, -".mp4".length);
  const targets: MuxOutputs = {};
  if (s.formats.includes("mp4")) targets.mp4 = out;
  if (s.formats.includes("webm")) targets.webm = `${base}.webm`;
  if (s.formats.includes("poster")) targets.poster = `${base}.png`;
  if (s.formats.includes("webp")) targets.webp = `${base}.webp`;
  return mux({
    frames,
    width: m.video.width,
    height: m.video.height,
    fps: m.video.fps,
    outputs: targets,
    metadata: {
      prompt: s.prompt,
      negativePrompt: s.negativePrompt,
      seed,
      steps: s.steps,
      guidance: s.guidance,
      modelId: m.model_id,
      scheduler: s.scheduler,
      aspect: s.aspect,
      ...(s.loop ? { loop: true } : {}),
      ...(scenePlan ? { plan: scenePlan } : {}),
      ...(s.shots ? { shots: s.shots } : {}),
    },
    signal,
  });
}

// ------------------------------------------------------------------ helpers

/** Per-stage wall time: lap(stage) books the time since the last mark to that stage. */
function stageClock() {
  const t0 = performance.now();
  const timings: StageTimings = { validate: 0, tokenize: 0, encode: 0, noise: 0, timesteps: 0, denoise: 0, decode: 0, mux: 0, total: 0 };
  let mark = t0;
  return {
    lap(stage: keyof StageTimings) {
      const now = performance.now();
      timings[stage] += now - mark;
      mark = now;
    },
    /** Books the time since `since` to the stage (the loop times itself, callbacks and all). */
    add(stage: keyof StageTimings, since: number) {
      mark = performance.now();
      timings[stage] += mark - since;
    },
    elapsed: () => performance.now() - t0,
    done(): StageTimings {
      timings.total = performance.now() - t0;
      return timings;
    },
  };
}

const mean = (a: number[]) => a.reduce((x, y) => x + y, 0) / a.length;

/** A resume state must come from a run of these settings, and fit this model and plan. */
function checkResumable(r: DenoiseState, hash: string, chunks: number, steps: number, latent: { channels: number; frames: number; height: number; width: number }) {
  const size = latent.channels * latent.frames * latent.height * latent.width;
  const problem =
    r.settingsHash !== hash
      ? "it was made with other settings or another model"
      : r.chunk >= chunks || r.step < 1 || r.step > steps || r.scheduler.stepIndex !== r.step
        ? `step ${r.step} of chunk ${r.chunk + 1} does not fit ${chunks} chunk(s) of ${steps} steps`
        : r.chunkLatents.length !== r.chunk
          ? `it holds ${r.chunkLatents.length} finished chunk(s), chunk ${r.chunk + 1} needs ${r.chunk}`
          : [r.latent, r.scheduler.previous, ...r.chunkLatents].some((a) => a !== null && a.length !== size)
            ? `its latents do not hold ${size} values`
            : null;
  if (problem) throw new PipelineError("BAD_RESUME_STATE", `cannot resume from this state: ${problem}`);
}
