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

export const jobSettingsSchema = z
  .object({
    prompt: z
      .string()
      .max(PROMPT_MAX_CHARS, `at most ${PROMPT_MAX_CHARS} characters`)
      .refine((p) => p.trim().length > 0, "must not be empty"),
    negativePrompt: z.string().max(PROMPT_MAX_CHARS, `at most ${PROMPT_MAX_CHARS} characters`).default(""),
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
