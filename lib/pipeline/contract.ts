/**
 * The generation settings contract: what a clip may be asked for, derived from the model's
 * manifest (its `limits`, `defaults`, window and context frames) and nothing else. The pipeline
 * (./settings.ts), the queue's submit check (lib/queue/settings.ts), the API's schema and its
 * OpenAPI document, and the Create page's inputs all take their bounds from here, so a job the
 * model would refuse is refused when it is submitted, with the field named.
 *
 * No onnxruntime here: the web server loads this module.
 */
import { z } from "zod";

import { PRECISIONS, temporalRatio, type Manifest, type Precision } from "./manifest";
import { SCHEDULERS, type SchedulerType } from "./schedulers";

// 60 s at 8 fps: 17 + 40 * 12 frames. Chunks are sequential: a runaway extend would hold a worker for hours.
export const MAX_EXTEND = 40;

/** The settings a job is made of, in the order they are shown and stored. */
export const SETTING_KEYS = ["prompt", "negativePrompt", "seed", "steps", "guidance", "frames", "extend", "scheduler"] as const;
export type SettingKey = (typeof SETTING_KEYS)[number];

/** Every bound of every setting, as plain data (the Create page gets it as a prop). */
export interface SettingsLimits {
  promptChars: number;
  seed: [number, number];
  steps: [number, number];
  guidance: [number, number];
  frames: [number, number];
  extend: [number, number];
  schedulers: readonly SchedulerType[];
  precisions: readonly Precision[]; // fp32, and int8 where the model has an int8 DiT (files.dit_int8)
  defaults: { steps: number; guidance: number; frames: number; scheduler: string; precision: Precision };
}

/** The most context latent frames a chunk can continue from (0: the model cannot extend). */
export function maxContextFrames(m: Manifest): number {
  return Math.min(m.context_frames.max, m.latent.frames - 1);
}

/** Context frames unless told otherwise: a third of the window, enough to carry motion, most of it still new. */
export function defaultContextFrames(m: Manifest): number {
  return Math.max(1, Math.min(maxContextFrames(m), Math.floor(m.latent.frames / 3)));
}

/** Video frames each chunk after the first adds, continuing from `contextFrames` latent frames. */
export function framesPerExtension(m: Manifest, contextFrames: number): number {
  return (m.latent.frames - contextFrames) * temporalRatio(m);
}

export function settingsLimits(m: Manifest): SettingsLimits {
  const canExtend = maxContextFrames(m) >= 1;
  const maxExtend = canExtend ? MAX_EXTEND : 0;
  return {
    promptChars: m.limits.prompt_chars,
    seed: [m.limits.seed[0], m.limits.seed[1]],
    steps: [m.limits.steps[0], m.limits.steps[1]],
    guidance: [m.limits.guidance[0], m.limits.guidance[1]],
    frames: [1, m.video.frames + maxExtend * framesPerExtension(m, defaultContextFrames(m))],
    extend: [0, maxExtend],
    schedulers: SCHEDULERS,
    precisions: PRECISIONS.filter((p) => p === "fp32" || m.files.dit_int8 !== undefined),
    defaults: {
      steps: m.defaults.steps,
      guidance: m.defaults.guidance,
      frames: m.video.frames,
      scheduler: m.defaults.scheduler ?? m.scheduler.type,
      precision: m.defaults.precision ?? "fp32",
    },
  };
}

// Text that ffmpeg's argument list (file metadata) and every page can carry: no NUL or other
// control characters but tab and newlines (spawn refuses an argument with NUL, so such a job
// would fail every attempt after a whole generation), no lone UTF-16 surrogates.
const CONTROL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

const text = (maxChars: number) =>
  z
    .string()
    .max(maxChars, `at most ${maxChars} characters`)
    .refine((p) => !CONTROL.test(p), "must not contain control characters")
    .refine((p) => !LONE_SURROGATE.test(p), "must be valid Unicode text");

const between = (s: z.ZodNumber, [lo, hi]: [number, number]) => s.min(lo, `at least ${lo}`).max(hi, `at most ${hi}`);

/** One zod field per setting, bounded by the limits; callers add `.optional()` or `.default()`. */
export function settingsFields(l: SettingsLimits) {
  return {
    prompt: text(l.promptChars).refine((p) => p.trim().length > 0, "must not be empty"),
    negativePrompt: text(l.promptChars),
    seed: between(z.number().int(), l.seed),
    steps: between(z.number().int(), l.steps),
    guidance: between(z.number(), l.guidance),
    frames: between(z.number().int(), l.frames),
    extend: between(z.number().int(), l.extend),
    scheduler: z.enum(l.schedulers as [SchedulerType, ...SchedulerType[]]),
    // Every precision is a known word; the ones this model lacks are refused with the reason.
    precision: z
      .enum(PRECISIONS)
      .refine(
        (p) => l.precisions.includes(p),
        `this model has no int8 DiT graph (files.dit_int8 in model.json): add one with \`scripts/py -m spacetime.quantize MODEL_DIR\`, or use ${l.precisions.join(" or ")}`,
      ),
  };
}

/**
 * What a submission may ask for: settings left out are the model's defaults when the job runs
 * (stored as null), so a job keeps following its model.
 */
export function jobSettingsSchema(l: SettingsLimits) {
  const f = settingsFields(l);
  return z
    .object({
      prompt: f.prompt,
      negativePrompt: f.negativePrompt.default(""),
      seed: f.seed.optional(),
      steps: f.steps.optional(),
      guidance: f.guidance.optional(),
      frames: f.frames.optional(),
      extend: f.extend.default(0),
      scheduler: f.scheduler.optional(),
    })
    .strict();
}

export type JobSettings = z.output<ReturnType<typeof jobSettingsSchema>>;
export type JobSettingsInput = z.input<ReturnType<typeof jobSettingsSchema>>;

/** The n-th seed after `seed`, wrapping inside the model's seed range (for variations). */
export function nthSeed(l: SettingsLimits, seed: number, n: number): number {
  const [lo, hi] = l.seed;
  return lo + ((seed - lo + n) % (hi - lo + 1));
}
