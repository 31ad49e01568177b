/**
 * The whole queue, for the admin (and a local studio's owner). GET: every caller's jobs
 * (queued and running unless ?state=), with their owner. POST { action: cancel | purge,
 * callerId?, states?, olderThanMinutes? }: bulk cancel or purge in one request; without a
 * filter, every queued and running job (lib/db/admin-jobs.ts).
 */
import { requireQueueManager } from "@/lib/auth/actor";
import { bulkJobs, listAllJobs } from "@/lib/db/admin-jobs";
import type { JobState } from "@/lib/db/jobs";
import { listUsers } from "@/lib/db/users";
import { json, readJson, readQuery, route } from "@/lib/http/respond";

import { bulkJobsBody, listAllJobsQuery } from "../../auth/schema";

export const dynamic = "force-dynamic";

export async function GET(req: Request): Promise<Response> {
  return route(req, async (ctx) => {
    const q = readQuery(req, listAllJobsQuery);
    requireQueueManager(await ctx.callerOrNull());
    const [jobs, users] = await Promise.all([
      listAllJobs({ callerId: q.callerId, states: q.state ? [q.state as JobState] : undefined, limit: q.limit }),
      listUsers(),
    ]);
    const names = new Map(users.map((u) => [u.id, u.username]));
    return json(200, {
      jobs: jobs.map((j) => ({
        id: j.id,
        callerId: j.callerId,
        owner: names.get(j.callerId) ?? null, // null: an anonymous browser
        state: j.state,
        prompt: j.prompt,
        steps: j.steps,
        extend: j.extend,
        priority: j.priority,
        progress: { step: j.progressStep, total: j.progressTotal },
        cancelRequested: j.cancelRequested,
        workerId: j.workerId,
        createdAt: j.createdAt.toISOString(),
      })),
    });
  });
}

export async function POST(req: Request): Promise<Response> {
  return route(req, async (ctx) => {
    const body = await readJson(req, bulkJobsBody);
    requireQueueManager(await ctx.callerOrNull(), "cancelling or purging jobs in bulk");
    const olderThan = body.olderThanMinutes === undefined ? undefined : new Date(Date.now() - body.olderThanMinutes * 60_000);
    const result = await bulkJobs({ action: body.action, callerId: body.callerId, states: body.states as JobState[] | undefined, olderThan });
    return json(200, result);
  });
}
