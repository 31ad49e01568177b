/**
 * Prompt -> clip. One `generate()` with the stages of docs/model-format.md:
 *   1 validate inputs against the manifest   2 tokenize (unknown words reported)
 *   3 encode prompt + negative prompt once    4 seeded noise
 *   5 scheduler timesteps                     6 denoising loop (CFG as one batch-2 DiT run per step)
 *   7 VAE decode to uint8 RGB                 8 mux with ffmpeg
 * The loop lives here, not in a network or a scheduler, as in diffusers.
 *
 * Longer clips are made of chunks of one DiT window each: every chunk after
 * the first is conditioned on the last `contextFrames` latent frames of the
 * one before (the model's masked-frame conditioning), and contributes only
 * the video frames of its new latent frames. A finished clip can be extended
 * later the same way by passing its `lastLatent` as `continueFrom`.
 *
 * Nothing touches the disk before stage 8, and mux() writes atomically, so an
 * abort or a failure leaves no partial files.
 *
 * Checkpoints (./resume.ts): every `checkpointEvery` steps the loop hands `onCheckpoint` its
 * state; a run given that state as `resumeFrom` skips the steps already taken and ends with
 * the same frames as a run that never stopped.
 */
import { randomInt } from "node:crypto";
import * as ort from "onnxruntime-node";

import { PipelineError, throwIfAborted } from "./errors";
import { mux, type MuxOutputs } from "./ffmpeg";
import { contextFrom, decodeFrames, keepContext, preview, repeat, type Preview } from "./latents";
import { NoiseStream } from "./noise";
import type { Precision } from "./manifest";
import { fingerprint, type DenoiseState } from "./resume";
import { createScheduler, type SCHEDULERS } from "./schedulers";
import { getRuntime, type ModelRuntime, type Provider } from "./sessions";
import { planChunks, validate, type FORMATS } from "./settings";
import { planRaster, resolvePlan } from "./plan-input";
import type { ScenePlan } from "../plan/schema";

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
  prompt: string;
  negativePrompt?: string; // the unconditional side of CFG; empty by default
  seed?: number; // random when omitted (and returned)
  steps?: number;
  guidance?: number; // 1 = no guidance (the unconditional half is skipped)
  /** Guidance only on steps whose timestep t is in [lo, hi]; the rest skip the unconditional half. Default: the manifest's, else [0, 1]. */
  guidanceInterval?: [number, number];
  precision?: Precision; // the DiT graph: fp32, or int8 where the model has one; default: the manifest's
  frames?: number; // output length; enough chunks are made for it
  seconds?: number; // output length in seconds, instead of frames (frames = seconds * fps + 1)
  extend?: number; // extra chunks after the first
  contextFrames?: number; // latent frames carried from chunk to chunk
  continueFrom?: Float32Array; // lastLatent of an earlier result, to extend that clip
  /** The scene plan the clip follows. Omitted: the prompt is planned (models that take plans); null: text alone. */
  plan?: ScenePlan | null;
  scheduler?: (typeof SCHEDULERS)[number];
  modelDir?: string;
  provider?: Provider;
  threads?: number;
  out?: string; // .mp4 path; the .webm, .png poster and .webp preview go beside it. Omit to skip muxing.
  formats?: readonly (typeof FORMATS)[number][];
  previewEvery?: number; // 0 = no previews
  onStepEnd?: (event: StepEndEvent) => void;
  resumeFrom?: DenoiseState; // continue an earlier run of the same settings from its checkpoint
  checkpointEvery?: number; // steps between onCheckpoint calls (counted over all chunks); default 5
  /** Awaited before the next step. The state's arrays are never changed afterwards, so they may be kept as they are. */
  onCheckpoint?: (state: DenoiseState, info: { step: number; total: number }) => void | Promise<void>;
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
  seed: number;
  steps: number;
  guidance: number;
  guidanceInterval: [number, number];
  guidedSteps: number; // steps that ran the unconditional half too, over all chunks
  precision: Precision;
  scheduler: string;
  provider: string;
  modelId: string;
  chunks: number;
  unknownWords: string[];
  negativeUnknownWords: string[];
  truncated: boolean; // the prompt had more words than the text encoder reads
  lastLatent: Float32Array; // (C, F, h, w) of the last chunk, for continueFrom
  plan: ScenePlan | null; // what the clip followed (null: text alone)
  resumedAtStep: number; // steps taken from resumeFrom (0: started from noise)
  timings: StageTimings; // ms
  stepMs: number[];
}

// ----------------------------------------------------------------- generate

export async function generate(options: GenerateOptions): Promise<GenerateResult> {
  const t0 = performance.now();
  const timings: StageTimings = { validate: 0, tokenize: 0, encode: 0, noise: 0, timesteps: 0, denoise: 0, decode: 0, mux: 0, total: 0 };
  let mark = t0;
  const lap = (stage: keyof StageTimings) => {
    const now = performance.now();
    timings[stage] += now - mark;
    mark = now;
  };
  const { signal, onStepEnd, onCheckpoint, resumeFrom } = options;
  const checkpointEvery = options.checkpointEvery ?? 5;
  if (!Number.isInteger(checkpointEvery) || checkpointEvery < 1) {
    throw new PipelineError("BAD_INPUT", `checkpointEvery must be a positive integer, got ${checkpointEvery}`);
  }

  // 1. Validate inputs against the manifest (loading the model, verified and cached, to read it).
  throwIfAborted(signal, "before start");
  const rt: ModelRuntime = await getRuntime(options.modelDir ?? DEFAULT_MODEL_DIR, {
    provider: options.provider ?? "cpu",
    threads: options.threads,
  });
  const m = rt.model.manifest;
  if (options.seconds !== undefined && options.frames !== undefined) throw new PipelineError("BAD_INPUT", "seconds: give frames or seconds, not both");
  const requestedFrames = options.seconds !== undefined ? Math.round(options.seconds * m.video.fps) + 1 : options.frames;
  const s = validate({ ...options, frames: requestedFrames }, m);
  // A resumed run keeps the seed its first attempt drew.
  const seed = s.seed ?? resumeFrom?.seed ?? randomInt(m.limits.seed[0], Math.min(m.limits.seed[1], 2 ** 48 - 1) + 1);
  const scenePlan = resolvePlan(options.plan, s, m, seed);
  const plan = planChunks({ ...s, frames: s.frames ?? scenePlan?.frames }, m);
  const print = fingerprint({
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
    // Only when not today's defaults, so that fp32 runs guided on every step keep their fingerprints.
    ...(s.precision !== "fp32" ? { precision: s.precision } : {}),
    ...(s.guidanceInterval[0] > 0 || s.guidanceInterval[1] < 1 ? { guidanceInterval: s.guidanceInterval } : {}),
  });
  if (resumeFrom) checkResumable(resumeFrom, print, plan.chunks, s.steps, m.latent);
  lap("validate");

  // 2. Tokenize; unknown words are reported, not fatal (the model just sees [UNK]).
  const cond = rt.tokenizer.encode(s.prompt);
  const uncond = rt.tokenizer.encode(s.negativePrompt);
  lap("tokenize");

  // 3. Encode the prompt and the negative prompt once, as one batch: row 0 conditional, row 1 unconditional.
  const useCfg = s.guidance !== 1;
  const B = useCfg ? 2 : 1;
  const L = m.text.max_length;
  const ids = new BigInt64Array(B * L);
  const mask = new Uint8Array(B * L);
  ids.set(cond.ids);
  mask.set(cond.mask);
  if (useCfg) {
    ids.set(uncond.ids, L);
    mask.set(uncond.mask, L);
  }
  const textMask = new ort.Tensor("bool", mask, [B, L]);
  const encoded = await rt.textEncoder.run({ ids: new ort.Tensor("int64", ids, [B, L]), mask: textMask });
  const textStates = encoded.text_states!;
  // The conditional row alone, for steps outside the guidance interval.
  const D = m.text.dim;
  const condStates = new ort.Tensor("float32", (textStates.data as Float32Array).slice(0, L * D), [1, L, D]);
  const condMask = new ort.Tensor("bool", mask.slice(0, L), [1, L]);
  const dit = s.precision === "int8" ? rt.ditInt8! : rt.dit; // validate() refused int8 for a model without the graph
  const [gLo, gHi] = s.guidanceInterval;
  let guidedSteps = 0;
  lap("encode");

  // 4 + 5 happen per chunk (fresh noise from one stream, fresh scheduler); 6 is the loop; 7 decodes each chunk.
  const { channels: C, frames: F, height: h, width: w } = m.latent;
  const size = C * F * h * w;
  const dims = [B, C, F, h, w];
  const noise = new NoiseStream(seed);
  const scheduler = createScheduler(s.scheduler, m.scheduler.shift);
  const total = s.steps * plan.chunks;
  const stepMs: number[] = [];
  const frames: Uint8Array[] = [];
  let prev: Float32Array | null = s.continueFrom ?? null;
  const chunkLatents: Float32Array[] = []; // each finished chunk's final latent, for checkpoints
  const resumedAtStep = resumeFrom ? resumeFrom.chunk * s.steps + resumeFrom.step : 0;
  let stepsDone = 0;
  let denoiseStart = 0;

  for (let chunk = 0; chunk < plan.chunks; chunk++) {
    // 4. Seeded noise, with the context frames (if any) put in place. A resumed run draws the
    // noise of the chunks it skips too, so that later chunks get the same noise as before.
    const { context, mask: cmask } = contextFrom(prev, s.contextFrames, m);
    let x = noise.normal(size);
    keepContext(x, context, cmask, m);
    lap("noise");

    // 5. Timesteps.
    scheduler.setTimesteps(s.steps);
    lap("timesteps");

    if (resumeFrom && chunk < resumeFrom.chunk) {
      // Done before the checkpoint: only its frames are needed, from its saved final latent.
      x = resumeFrom.chunkLatents[chunk]!;
      stepsDone += s.steps;
    } else if (resumeFrom && chunk === resumeFrom.chunk) {
      x = resumeFrom.latent;
      scheduler.restore(resumeFrom.scheduler);
      stepsDone += resumeFrom.step;
    }
    const contextT = new ort.Tensor("float32", repeat(context, B), dims);
    const cmaskT = new ort.Tensor("float32", repeat(cmask, B), [B, F]);
    // Both rows of the guidance batch follow the plan: guidance sharpens the text, the plan places.
    const planT = m.plan ? planRaster(scenePlan, chunk * plan.perExtension, B, m) : null;
    const condFeeds = useCfg
      ? {
          text_states: condStates,
          text_mask: condMask,
          context: new ort.Tensor("float32", context, [1, C, F, h, w]),
          context_mask: new ort.Tensor("float32", cmask, [1, F]),
          ...(m.plan ? { plan: planRaster(scenePlan, chunk * plan.perExtension, 1, m) } : {}),
        }
      : null;

    // 6. Denoising loop: one DiT run of batch B per step.
    denoiseStart = performance.now();
    const firstStep = stepsDone - chunk * s.steps;
    for (let i = firstStep; i < s.steps; i++) {
      const t = scheduler.timesteps[i]!;
      throwIfAborted(signal, `chunk ${chunk + 1}/${plan.chunks}, step ${i + 1}/${s.steps}`);
      const stepStart = performance.now();
      // Outside the guidance interval the step is the conditional half alone (batch 1, as guidance 1).
      const guided = useCfg && t >= gLo && t <= gHi;
      if (guided) guidedSteps++;
      const out = guided || !condFeeds
        ? await dit.run({
            latent: new ort.Tensor("float32", repeat(x, B), dims),
            timestep: new ort.Tensor("float32", new Float32Array(B).fill(t), [B]),
            text_states: textStates,
            text_mask: textMask,
            context: contextT,
            context_mask: cmaskT,
            ...(planT ? { plan: planT } : {}),
          })
        : await dit.run({ latent: new ort.Tensor("float32", x, [1, C, F, h, w]), timestep: new ort.Tensor("float32", Float32Array.of(t), [1]), ...condFeeds });
      const both = out.velocity!.data as Float32Array;
      // Classifier-free guidance: v = v_uncond + g (v_cond - v_uncond).
      const v = guided ? new Float32Array(size) : both;
      if (guided) for (let k = 0; k < size; k++) v[k] = both[size + k]! + s.guidance * (both[k]! - both[size + k]!);
      const before = x;
      x = scheduler.step(v, t, x);
      keepContext(x, context, cmask, m);
      stepsDone++;
      stepMs.push(performance.now() - stepStart);
      if (onStepEnd) {
        const last = i === s.steps - 1;
        const wantPreview = s.previewEvery > 0 && ((i + 1) % s.previewEvery === 0 || last);
        const mean = stepMs.reduce((a, b) => a + b, 0) / stepMs.length;
        onStepEnd({
          step: stepsDone,
          total,
          chunk,
          chunks: plan.chunks,
          elapsedMs: performance.now() - t0,
          etaMs: mean * (total - stepsDone),
          ...(wantPreview ? { preview: preview(before, v, t, m) } : {}),
        });
      }
      if (onCheckpoint && stepsDone % checkpointEvery === 0 && stepsDone < total) {
        const state: DenoiseState = { fingerprint: print, seed, chunk, step: i + 1, latent: x, scheduler: scheduler.state(), chunkLatents: [...chunkLatents] };
        await onCheckpoint(state, { step: stepsDone, total });
      }
    }
    timings.denoise += performance.now() - denoiseStart;
    mark = performance.now();

    // 7. Decode to uint8 RGB; a conditioned chunk's leading frames repeat its context and are dropped.
    throwIfAborted(signal, "before decode");
    const decoded = await rt.vaeDecoder.run({ latent: new ort.Tensor("float32", x, [1, C, F, h, w]) });
    const chunkFrames = decodeFrames(decoded.video!, m);
    frames.push(...(prev ? chunkFrames.slice(plan.skip) : chunkFrames));
    chunkLatents.push(x);
    prev = x;
    lap("decode");
  }
  frames.length = plan.frames;

  // 8. Mux (atomically; aborting kills ffmpeg and removes its temporaries).
  let outputs: MuxOutputs = {};
  if (s.out) {
    throwIfAborted(signal, "before mux");
    const base = s.out.slice(0, -".mp4".length);
    const targets: MuxOutputs = {};
    if (s.formats.includes("mp4")) targets.mp4 = s.out;
    if (s.formats.includes("webm")) targets.webm = `${base}.webm`;
    if (s.formats.includes("poster")) targets.poster = `${base}.png`;
    if (s.formats.includes("webp")) targets.webp = `${base}.webp`;
    outputs = await mux({
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
        ...(scenePlan ? { plan: scenePlan } : {}),
      },
      signal,
    });
    lap("mux");
  }
  timings.total = performance.now() - t0;

  return {
    outputs,
    frames,
    width: m.video.width,
    height: m.video.height,
    fps: m.video.fps,
    seed,
    steps: s.steps,
    guidance: s.guidance,
    guidanceInterval: s.guidanceInterval,
    guidedSteps,
    precision: s.precision,
    scheduler: s.scheduler,
    provider: rt.provider,
    modelId: m.model_id,
    chunks: plan.chunks,
    unknownWords: cond.unknown,
    negativeUnknownWords: uncond.unknown,
    truncated: cond.truncated,
    lastLatent: prev!,
    plan: scenePlan,
    resumedAtStep,
    timings,
    stepMs,
  };
}

/** A resume state must come from a run of these settings, and fit this model and plan. */
function checkResumable(r: DenoiseState, print: string, chunks: number, steps: number, latent: { channels: number; frames: number; height: number; width: number }) {
  const size = latent.channels * latent.frames * latent.height * latent.width;
  const problem =
    r.fingerprint !== print
      ? "it was made with other settings or another model"
      : r.chunk >= chunks || r.step < 1 || r.step > steps || r.scheduler.stepIndex !== r.step
        ? `step ${r.step} of chunk ${r.chunk + 1} does not fit ${chunks} chunk(s) of ${steps} steps`
        : r.chunkLatents.length !== r.chunk
          ? `it holds ${r.chunkLatents.length} finished chunk(s), chunk ${r.chunk + 1} needs ${r.chunk}`
          : [r.latent, r.scheduler.previous, ...r.chunkLatents].some((a) => a !== null && a.length !== size)
            ? `its latents do not hold ${size} values`
            : null;
  if (problem) throw new PipelineError("BAD_CHECKPOINT", `cannot resume from this checkpoint: ${problem}`);
}
