/**
 * POST /api/jobs: queue 1-4 jobs (202). Idempotency-Key: the same key from the same caller
 * returns the same job(s) instead of queueing again. GET /api/jobs: the caller's jobs,
 * newest first (optionally in one state), with position, ETA and progress, by cursor pages.
 * On a shared instance the caller needs an approved account (or SPACETIME_ANONYMOUS_JOBS),
 * and the quotas of lib/queue/quotas.ts apply (429 with the reason and Retry-After).
 * `plan` (docs/scene-plan.md): a scene plan to follow, null for text alone, absent for the
 * worker to plan the prompt; a plan the model cannot follow is a 400 naming its field.
 * `shots` (docs/storyboard.md): a storyboard instead of `prompt`, planned here with each job's
 * seed too, so that one the worker could not plan is a 400 naming `shots`.
 */
import { createHash, randomInt } from "node:crypto";

import { requireCreate } from "@/lib/auth/actor";
import type { JobState } from "@/lib/db/jobs";
import { PLAN_BODY_LIMIT_BYTES, json, readJson, readQuery, route, parseOrBadRequest } from "@/lib/http/respond";
import { jobViews } from "@/lib/http/views";
import { listJobs } from "@/lib/db/jobs";
import { nthSeed } from "@/lib/pipeline/contract";
import { cancel, submit, type Job } from "@/lib/queue";
import { limitsFor } from "@/lib/queue/quotas";
import { checkStoryboardFits } from "@/lib/queue/storyboard-fits";
import { modelSettingsLimits } from "@/lib/queue/job-settings";

import { createJobBody, idempotencyKeyHeader, listJobsQuery } from "./schema";

export const dynamic = "force-dynamic";

export async function POST(req: Request): Promise<Response> {
  return route(req, async (ctx) => {
    const limits = modelSettingsLimits();
    const { variations, ...settings } = await readJson(req, createJobBody(limits), { limitBytes: PLAN_BODY_LIMIT_BYTES });
    const rawKey = req.headers.get("idempotency-key");
    const key = rawKey === null ? undefined : parseOrBadRequest(idempotencyKeyHeader, rawKey, "Idempotency-Key header");
    requireCreate(await ctx.callerOrNull());
    const caller = await ctx.callerOrIssue();
    const { callerId } = caller;
    const quotas = limitsFor(caller);

    // Every job gets a definite seed, so it can be remixed; a retried request (same key) gets the same one.
    const [seedMin, seedMax] = limits.seed;
    const seed = settings.seed ?? seedMin + ((key ? seedFromKey(callerId, key) : randomInt(2 ** 32)) % (seedMax - seedMin + 1));
    for (let i = 0; i < variations; i++) checkStoryboardFits(settings, nthSeed(limits, seed, i), limits);
    const made: { job: Job; created: boolean }[] = [];
    try {
      for (let i = 0; i < variations; i++) {
        made.push(
          await submit({
            callerId,
            idempotencyKey: key === undefined ? undefined : variations > 1 ? `${key}#${i}` : key,
            settings: { ...settings, seed: nthSeed(limits, seed, i) },
            limits: quotas,
          }),
        );
      }
    } catch (err) {
      // All or nothing: a limit hit by the third variation takes back the first two.
      await Promise.all(made.filter((m) => m.created).map((m) => cancel({ jobId: m.job.id, callerId }).catch(() => undefined)));
      throw err;
    }
    const jobs = await jobViews(
      made.map((m) => m.job),
      callerId,
    );
    const replayed = made.every((m) => !m.created);
    return json(202, { jobs }, replayed ? { "idempotent-replayed": "true" } : {});
  });
}

export async function GET(req: Request): Promise<Response> {
  return route(req, async (ctx) => {
    const query = readQuery(req, listJobsQuery);
    requireCreate(await ctx.callerOrNull(), "having jobs");
    const { callerId } = await ctx.callerOrIssue();
    const page = await listJobs({ callerId, limit: query.limit, cursor: query.cursor || null, states: query.state ? [query.state as JobState] : undefined });
    return json(200, { jobs: await jobViews(page.jobs, callerId), nextCursor: page.nextCursor });
  });
}

function seedFromKey(callerId: string, key: string): number {
  return createHash("sha256").update(`${callerId}\n${key}`).digest().readUInt32BE(0);
}
