/**
 * "Extend": a clip continued by one more chunk (one DiT window conditioned on the last latent
 * frames before it, lib/pipeline/generate.ts). Generation is a function of its settings and
 * seed, so a job with the clip's settings and one chunk more makes the same frames first and
 * then the continuation: no latent of the old clip has to be kept. It costs the old chunks'
 * steps again, which keeps the feature honest and simple.
 */
import type { Job, Video } from "../db/jobs";
import { parseJobSettings, type JobSettingsInput } from "./job-settings";

/** How many chunks made a clip: its denoising steps over steps per chunk, else its settings. */
export function chunksOf(job: Pick<Job, "progressTotal" | "extend">, video: Pick<Video, "steps">): number {
  const measured = job.progressTotal / video.steps;
  return Number.isInteger(measured) && measured >= 1 ? measured : 1 + job.extend;
}

/** The settings of a job that continues `video` (made by `job`) by one chunk; BAD_REQUEST past the longest clip. */
export function extensionSettings(video: Video, job: Pick<Job, "progressTotal" | "extend">) {
  const input: JobSettingsInput = {
    prompt: video.prompt,
    negativePrompt: video.negativePrompt,
    seed: video.seed,
    steps: video.steps,
    guidance: video.guidance,
    scheduler: video.scheduler as JobSettingsInput["scheduler"], // checked against the contract below
    extend: chunksOf(job, video), // chunks after the first: all the old ones but the first, plus one
  };
  return parseJobSettings(input);
}
