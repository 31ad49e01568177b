/** Request shapes of /api/videos and /api/videos/[id]. */
import { z } from "zod";

import { settingsFields, type SettingsLimits } from "@/lib/pipeline/contract";
import { planSchema } from "@/lib/plan/schema";

/** GET /api/videos: newest first; `cursor` from the previous page's nextCursor. */
export const listVideosQuery = z
  .object({
    cursor: z.string().max(200).optional(),
    q: z.string().max(200, "at most 200 characters").optional(),
    scope: z.enum(["all", "mine", "public"]).default("all"),
    limit: z.coerce.number().int().min(1).max(100).default(24),
  })
  .strict();

/** PATCH /api/videos/[id] */
export const updateVideoBody = z.object({ visibility: z.enum(["public", "private"]) }).strict();

/**
 * POST /api/videos/[id]/remix: the settings to change; the rest are the clip's. `plan`: a new
 * scene plan, or null for text alone; absent keeps the clip's plan. The merged settings are
 * checked as POST /api/jobs checks them (lib/queue/remix.ts).
 */
export const remixVideoBody = (limits: SettingsLimits) => {
  const f = settingsFields(limits);
  return z
    .object({
      prompt: f.prompt.optional(),
      negativePrompt: f.negativePrompt.optional(),
      seed: f.seed.optional(),
      steps: f.steps.optional(),
      guidance: f.guidance.optional(),
      frames: f.frames.optional(),
      scheduler: f.scheduler.optional(),
      fps: f.fps.optional(),
      aspect: f.aspect.optional(),
      loop: f.loop.optional(),
      plan: planSchema.nullable().optional(),
    })
    .strict();
};

/**
 * POST /api/videos/[id]/continue: keep the clip up to `frame` (1-based, snapped down to a latent
 * frame's end) and add `seconds` more following `prompt` (default the clip's). Whether the
 * clip and the model allow it is checked against both (lib/queue/continue.ts).
 */
export const continueVideoBody = (limits: SettingsLimits) =>
  z
    .object({
      frame: z.number().int("must be a whole frame number").min(1, "at least 1"),
      seconds: z.number().positive("must be more than 0"),
      prompt: settingsFields(limits).prompt.optional(),
    })
    .strict();
