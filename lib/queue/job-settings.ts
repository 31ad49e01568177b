/**
 * What a submission may ask for, checked before it is queued: the settings contract
 * (lib/pipeline/contract.ts) of the model the workers run (SPACETIME_MODEL_DIR, default
 * models/dev; its model.json alone is read, once). A job the model would refuse is a 400 that
 * names the field, never a queued job that fails later.
 */
import path from "node:path";

import { modelConfig } from "../config";
import { AppError } from "../db/errors";
import { shotsFromColumn } from "../db/shots-column";
import type { Video } from "../db/videos";
import { jobSettingsSchema, settingsLimits, type JobSettings, type JobSettingsInput, type SettingsLimits } from "../pipeline/contract";
import { readManifest } from "../pipeline/manifest";

export type { JobSettings, JobSettingsInput, SettingsLimits } from "../pipeline/contract";

let cached: { dir: string; limits: SettingsLimits } | null = null;

/** The served model's settings limits; UNAVAILABLE (503) when its manifest cannot be read. */
export function modelSettingsLimits(): SettingsLimits {
  const dir = path.resolve(modelConfig().modelDir);
  if (cached?.dir !== dir) {
    try {
      cached = { dir, limits: settingsLimits(readManifest(dir)) };
    } catch (err) {
      throw new AppError("UNAVAILABLE", `the model's settings are unknown: ${(err as Error).message.split("\n")[0]} (set SPACETIME_MODEL_DIR)`, { cause: err });
    }
  }
  return cached.limits;
}

export function parseJobSettings(input: unknown, limits: SettingsLimits = modelSettingsLimits()): JobSettings {
  const parsed = jobSettingsSchema(limits).safeParse(input);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `${i.path.join(".") || "settings"}: ${i.message}`);
    throw new AppError("BAD_REQUEST", `invalid job settings: ${lines.join("; ")}`, { details: parsed.error.issues });
  }
  return parsed.data;
}

/** What made a clip, as a job's input: where an extension or a remix of it starts (checked by parseJobSettings). */
export function clipSettings(video: Video): JobSettingsInput {
  const shots = shotsFromColumn(video.shots);
  return {
    ...(shots ? { shots } : { prompt: video.prompt }), // a storyboard's prompt is its shots' joined
    negativePrompt: video.negativePrompt,
    seed: video.seed,
    steps: video.steps,
    guidance: video.guidance,
    scheduler: video.scheduler as JobSettingsInput["scheduler"], // checked against the contract with the rest
    // Extend and remix keep the clip's shape.
    fps: video.fps,
    aspect: video.aspect,
    loop: video.loop,
  };
}
