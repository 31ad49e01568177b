/**
 * "Extend": a clip continued by one more chunk (one DiT window conditioned on the last latent
 * frames before it, lib/pipeline/generate.ts). Generation is a function of its settings, plan
 * and seed, so a job with the clip's settings and one chunk more makes the same frames first
 * and then the continuation: no latent of the old clip has to be kept. It costs the old chunks'
 * steps again, which keeps the feature honest and simple.
 *
 * The clip's scene plan goes with it, held over the added frames (lib/plan/extend.ts); a clip
 * made from text alone stays text alone, so its first frames come out the same.
 */
import { AppError } from "../db/errors";
import type { Job } from "../db/jobs";
import { planFromColumn } from "../db/plan-column";
import type { Video } from "../db/videos";
import { decodedFrames } from "../pipeline/contract";
import { extendPlan } from "../plan/extend";
import { clipSettings, modelSettingsLimits, parseJobSettings, type JobSettingsInput } from "./job-settings";

/** How many chunks made a clip: its denoising steps over steps per chunk, else its settings. */
export function chunksOf(job: Pick<Job, "progressTotal" | "extend">, video: Pick<Video, "steps">): number {
  const measured = job.progressTotal / video.steps;
  return Number.isInteger(measured) && measured >= 1 ? measured : 1 + job.extend;
}

/** The settings of a job that continues `video` (made by `job`) by one chunk; BAD_REQUEST past the longest clip. */
export function extensionSettings(video: Video, job: Pick<Job, "progressTotal" | "extend" | "continueOf">) {
  // Its first frames are another clip's (lib/queue/continue.ts): its settings alone would not make them again.
  if (job.continueOf !== null) throw new AppError("BAD_REQUEST", "video: extending a continued clip is not supported yet");
  const limits = modelSettingsLimits();
  const extend = chunksOf(job, video); // chunks after the first: all the old ones but the first, plus one
  const plan = planFromColumn(video.plan);
  const input: JobSettingsInput = {
    ...clipSettings(video),
    extend,
    // A model without plans refuses the plan below, naming it.
    ...(plan === undefined ? {} : { plan: plan && limits.plan ? extendPlan(plan, decodedFrames(limits.plan, 1 + extend)) : plan }),
  };
  return parseJobSettings(input, limits);
}
