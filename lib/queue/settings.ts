/**
 * What a submission may ask for, checked before it is queued (zod, every bad field named).
 * These are coarse bounds; the model's manifest has the last word, checked by generate() when
 * the job runs (a job it rejects ends failed at once, without retries).
 */
import { z } from "zod";

import { AppError } from "../db/errors";
import type { JobSettings } from "../db/jobs";
import { SCHEDULERS } from "../pipeline/schedulers";

export const PROMPT_MAX_CHARS = 500;
export const MAX_EXTEND = 32; // as lib/pipeline/settings.ts (not imported: it loads onnxruntime)

// Text that ffmpeg's argument list (file metadata) and every page can carry: no NUL or other
// control characters but tab and newlines (spawn refuses an argument with NUL, so such a job
// would fail every attempt after a whole generation), no lone UTF-16 surrogates.
const CONTROL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const promptText = z
  .string()
  .max(PROMPT_MAX_CHARS, `at most ${PROMPT_MAX_CHARS} characters`)
  .refine((p) => !CONTROL.test(p), "must not contain control characters")
  .refine((p) => !LONE_SURROGATE.test(p), "must be valid Unicode text");

export const jobSettingsSchema = z
  .object({
    prompt: promptText.refine((p) => p.trim().length > 0, "must not be empty"),
    negativePrompt: promptText.default(""),
    seed: z.number().int().min(0).max(2 ** 48 - 1).optional(),
    steps: z.number().int().min(1).max(200).optional(),
    guidance: z.number().min(1).max(30).optional(),
    frames: z.number().int().min(1).max(10_000).optional(),
    extend: z.number().int().min(0).max(MAX_EXTEND).default(0),
    scheduler: z.enum(SCHEDULERS).optional(),
  })
  .strict();

export type JobSettingsInput = z.input<typeof jobSettingsSchema>;

export function parseJobSettings(input: unknown): JobSettings {
  const parsed = jobSettingsSchema.safeParse(input);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `${i.path.join(".") || "settings"}: ${i.message}`);
    throw new AppError("BAD_REQUEST", `invalid job settings: ${lines.join("; ")}`, { details: parsed.error.issues });
  }
  return parsed.data;
}
