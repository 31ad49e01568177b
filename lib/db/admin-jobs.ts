/**
 * The admin's view of the whole queue: every caller's jobs, and bulk cancel or purge by
 * owner, state and age, each one statement (or one transaction) however many jobs match.
 */
import { Prisma, type Job as JobRow } from "@prisma/client";

import { getDb, type Db } from "./client";
import { toJob, type Job, type JobState } from "./jobs";

const dbOf = (o: { db?: Db }) => o.db ?? getDb();

export interface JobFilter {
  callerId?: string; // one owner (a user's id, or an anonymous caller's)
  states?: JobState[]; // default: queued and running
  olderThan?: Date; // created before this
}

function where(f: JobFilter, states: readonly string[]): Prisma.Sql {
  const parts = [Prisma.sql`"state" IN (${Prisma.join(states)})`];
  if (f.callerId !== undefined) parts.push(Prisma.sql`"callerId" = ${f.callerId}`);
  if (f.olderThan !== undefined) parts.push(Prisma.sql`"createdAt" < ${f.olderThan}`);
  return Prisma.join(parts, " AND ");
}

/** Every caller's jobs (queued and running by default), in claim order then newest. */
export async function listAllJobs(input: JobFilter & { limit?: number; db?: Db }): Promise<Job[]> {
  const states = input.states ?? ["queued", "running"];
  const rows = await dbOf(input).run((p) =>
    p.job.findMany({
      where: {
        state: { in: states },
        ...(input.callerId !== undefined ? { callerId: input.callerId } : {}),
        ...(input.olderThan ? { createdAt: { lt: input.olderThan } } : {}),
      },
      orderBy: [{ state: "desc" }, { priority: "asc" }, { createdAt: "asc" }, { id: "asc" }],
      take: input.limit ?? 200,
      omit: { checkpoint: true, preview: true },
    }),
  );
  return rows.map((r) => toJob({ ...r, checkpoint: null, preview: null } as JobRow));
}

export interface BulkResult {
  canceled: number; // queued jobs now canceled
  flagged: number; // running jobs told to stop at their next step
  deleted: number; // job rows removed (purge)
}

/**
 * Cancels every matching queued or running job (queued at once, running at its worker's next
 * step). Purge also deletes the jobs it canceled and the matching ones already over without a
 * clip (canceled or failed, when the filter's states name them), so they leave every list.
 * Clips and the jobs that made them are never deleted here; running jobs stop first.
 */
export async function bulkJobs(input: JobFilter & { action: "cancel" | "purge"; now?: Date; db?: Db }): Promise<BulkResult> {
  const now = input.now ?? new Date();
  const states = input.states ?? ["queued", "running"];
  const live = states.filter((s) => s === "queued" || s === "running");
  const over = states.filter((s) => s === "canceled" || s === "failed");
  return dbOf(input).write(async (tx) => {
    let ended: string[] = [];
    let flagged = 0;
    if (live.length) {
      const rows = await tx.$queryRaw<{ id: string; state: string }[]>`
        UPDATE "Job" SET
          "cancelRequested" = TRUE,
          "state" = CASE WHEN "state" = 'queued' THEN 'canceled' ELSE "state" END,
          "finishedAt" = CASE WHEN "state" = 'queued' THEN CAST(${now} AS TIMESTAMP) ELSE "finishedAt" END,
          "checkpoint" = CASE WHEN "state" = 'queued' THEN NULL ELSE "checkpoint" END,
          "checkpointStep" = CASE WHEN "state" = 'queued' THEN NULL ELSE "checkpointStep" END,
          "checkpointAt" = CASE WHEN "state" = 'queued' THEN NULL ELSE "checkpointAt" END
        WHERE ${where(input, live)}
        RETURNING "id", "state"`;
      ended = rows.filter((r) => r.state === "canceled").map((r) => r.id);
      flagged = rows.length - ended.length;
    }
    let deleted = 0;
    if (input.action === "purge") {
      const noClip = Prisma.sql`NOT EXISTS (SELECT 1 FROM "Video" v WHERE v."jobId" = "Job"."id")`;
      if (ended.length) deleted += await tx.$executeRaw`DELETE FROM "Job" WHERE "id" IN (${Prisma.join(ended)}) AND ${noClip}`;
      if (over.length) deleted += await tx.$executeRaw`DELETE FROM "Job" WHERE ${where(input, over)} AND ${noClip}`;
    }
    return { canceled: ended.length, flagged, deleted };
  });
}

/** How many jobs each owner has queued and running (the admin's users table). */
export async function activeJobsByCaller(input: { db?: Db } = {}): Promise<Map<string, { queued: number; running: number }>> {
  const rows = await dbOf(input).run((p) =>
    p.job.groupBy({ by: ["callerId", "state"], where: { state: { in: ["queued", "running"] } }, _count: { _all: true } }),
  );
  const out = new Map<string, { queued: number; running: number }>();
  for (const r of rows) {
    const e = out.get(r.callerId) ?? { queued: 0, running: 0 };
    if (r.state === "queued") e.queued = r._count._all;
    else e.running = r._count._all;
    out.set(r.callerId, e);
  }
  return out;
}

/** The media keys of every live clip (of one owner, or all), with their owner: for disk use. */
export async function liveMediaKeys(input: { callerId?: string; db?: Db } = {}): Promise<{ callerId: string; keys: string[] }[]> {
  const rows = await dbOf(input).run((p) =>
    p.video.findMany({
      where: { deletedAt: null, ...(input.callerId !== undefined ? { callerId: input.callerId } : {}) },
      select: { callerId: true, mp4Key: true, webmKey: true, posterKey: true, webpKey: true },
    }),
  );
  return rows.map((r) => ({ callerId: r.callerId, keys: [r.mp4Key, r.webmKey, r.posterKey, r.webpKey].filter((k): k is string => k !== null) }));
}
