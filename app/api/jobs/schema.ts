/** Request shapes of /api/jobs and /api/jobs/[id]. */
import { z } from "zod";

import { JOB_STATES } from "@/lib/db/jobs";
import { jobPlanFits, jobSettingsShape, type SettingsLimits } from "@/lib/pipeline/contract";

/**
 * POST /api/jobs: the job settings, bounded by the model's contract, plus how many variations
 * (seeds seed, seed+1, ...). `plan`: a scene plan (docs/scene-plan.md) checked against the
 * model and the clip's length, null for text alone, absent for "the worker plans the prompt".
 */
export const createJobBody = (limits: SettingsLimits) =>
  z
    .object({ ...jobSettingsShape(limits), variations: z.number().int().min(1).max(4).default(1) })
    .strict()
    .superRefine(jobPlanFits(limits));

/** The Idempotency-Key header: room is left for the "#<variation>" suffix. */
export const idempotencyKeyHeader = z.string().regex(/^[\x21-\x7e]{1,190}$/, "1 to 190 printable ASCII characters, no spaces");

/** GET /api/jobs */
export const listJobsQuery = z
  .object({
    state: z.enum(Object.values(JOB_STATES) as [string, ...string[]]).optional(),
    limit: z.coerce.number().int().min(1).max(100).default(50),
    cursor: z.string().max(200).optional(),
  })
  .strict();
