/**
 * Stage 1 of generate(): the caller's settings checked against the model's
 * manifest (zod, so every bad field is named), and the chunk plan that
 * follows from them.
 */
import { z } from "zod";

import { PipelineError } from "./errors";
import { temporalRatio, type Manifest } from "./manifest";
import { SCHEDULERS } from "./schedulers";
import { PROVIDERS } from "./sessions";
import type { GenerateOptions } from "./generate";

// 60 s at 8 fps: 17 + 40 * 12 frames. Chunks are sequential: a runaway --extend would hold a worker for hours.
export const MAX_EXTEND = 40;
export const FORMATS = ["mp4", "webm", "poster", "webp"] as const;

/** What the caller may pass, checked against the manifest's limits. */
function inputSchema(m: Manifest) {
  const [seedMin, seedMax] = m.limits.seed;
  const [stepsMin, stepsMax] = m.limits.steps;
  const [gMin, gMax] = m.limits.guidance;
  const kMax = Math.min(m.context_frames.max, m.latent.frames - 1);
  const latentSize = m.latent.channels * m.latent.frames * m.latent.height * m.latent.width;
  const text = z.string().max(m.limits.prompt_chars, `at most ${m.limits.prompt_chars} characters`);
  return z
    .object({
      prompt: text.refine((p) => p.trim().length > 0, "must not be empty"),
      negativePrompt: text.default(""),
      seed: z.number().int().min(seedMin).max(seedMax).optional(),
      steps: z.number().int().min(stepsMin).max(stepsMax).default(m.defaults.steps),
      guidance: z.number().min(gMin).max(gMax).default(m.defaults.guidance),
      frames: z.number().int().positive().optional(),
      extend: z.number().int().min(0).max(MAX_EXTEND).default(0),
      // A third of the window by default: enough frames to carry motion, most of the window still new.
      contextFrames: z
        .number()
        .int()
        .min(1)
        .max(Math.max(kMax, 1))
        .default(Math.max(1, Math.min(kMax, Math.floor(m.latent.frames / 3)))),
      continueFrom: z
        .instanceof(Float32Array)
        .refine((a) => a.length === latentSize, `must be one latent window of ${latentSize} values`)
        .optional(),
      scheduler: z.enum(SCHEDULERS).default(m.scheduler.type as (typeof SCHEDULERS)[number]),
      provider: z.enum(PROVIDERS).default("cpu"),
      out: z.string().endsWith(".mp4", "must be a .mp4 path").optional(),
      formats: z.array(z.enum(FORMATS)).min(1).default([...FORMATS]),
      previewEvery: z.number().int().min(0).default(2),
    })
    .superRefine((o, ctx) => {
      const needsContext = o.extend > 0 || o.continueFrom !== undefined || (o.frames ?? 0) > m.video.frames;
      if (needsContext && kMax < 1) {
        ctx.addIssue({ code: "custom", path: ["extend"], message: "this model takes no context frames, so clips cannot be extended" });
      }
    });
}

export type Settings = z.infer<ReturnType<typeof inputSchema>>;

export function validate(options: GenerateOptions, m: Manifest): Settings {
  // Callbacks, the signal, where the model lives and the resume state are generate()'s own business.
  const { onStepEnd: _cb, onCheckpoint: _ck, resumeFrom: _resume, checkpointEvery: _every, signal: _signal, modelDir: _dir, threads: _threads, ...rest } = options;
  const parsed = inputSchema(m).safeParse(rest);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join(".") || "input"}: ${i.message}`);
    throw new PipelineError("BAD_INPUT", `invalid generation settings:\n${lines.join("\n")}`, { details: parsed.error.issues });
  }
  return parsed.data;
}

/** How many chunks, and how many frames each contributes. */
export function planChunks(s: Pick<Settings, "contextFrames" | "continueFrom" | "extend" | "frames">, m: Manifest) {
  const r = temporalRatio(m);
  const k = s.contextFrames;
  const perExtension = (m.latent.frames - k) * r; // video frames of a chunk's new latent frames
  const first = s.continueFrom ? perExtension : m.video.frames;
  let chunks = 1 + s.extend;
  if (s.frames !== undefined && s.frames > first + (chunks - 1) * perExtension) {
    chunks = 1 + Math.ceil((s.frames - first) / perExtension);
    if (chunks > 1 + MAX_EXTEND) {
      throw new PipelineError("BAD_INPUT", `frames: ${s.frames} needs ${chunks} chunks, more than the ${1 + MAX_EXTEND} allowed`);
    }
  }
  const length = first + (chunks - 1) * perExtension;
  // The first 1 + (k-1) r frames of a conditioned chunk re-decode the context frames: dropped.
  return { chunks, skip: 1 + (k - 1) * r, perExtension, frames: Math.min(s.frames ?? length, length) };
}

