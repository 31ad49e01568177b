/**
 * The reads of the job event streams' poller (lib/http/job-watch.ts): every watched job in
 * one statement, and a fingerprint of the live queue that changes whenever a queued job's
 * position can have (a job submitted, claimed, ended, canceled or moved to the front).
 */
import { Prisma } from "@prisma/client";

import { getDb, type Db } from "./client";
import { toJob, type Job } from "./jobs";

/** The jobs with these ids that exist, by id, each with its latest preview bytes read in the same statement. */
export async function jobsByIds(input: { jobIds: string[]; db?: Db }): Promise<Map<string, { job: Job; preview: Uint8Array | null }>> {
  if (input.jobIds.length === 0) return new Map();
  const rows = await (input.db ?? getDb()).run((p) => p.job.findMany({ where: { id: { in: input.jobIds } } }));
  return new Map(rows.map((r) => [r.id, { job: toJob(r), preview: r.preview ? new Uint8Array(r.preview) : null }]));
}

/** Changes when the order of the queue can have: queued and running jobs, their priorities and ages. */
export async function queueFingerprint(input: { db?: Db } = {}): Promise<string> {
  const [row] = await (input.db ?? getDb()).run((p) =>
    p.$queryRaw<Record<string, unknown>[]>(Prisma.sql`
      SELECT count(*) AS "live",
        sum(CASE WHEN "state" = 'running' THEN 1 ELSE 0 END) AS "running",
        sum("priority") AS "priorities",
        min("createdAt") AS "oldest",
        max("createdAt") AS "newest"
      FROM "Job" WHERE "state" IN ('queued', 'running')`),
  );
  return Object.values(row ?? {})
    .map((v) => (v instanceof Date ? v.getTime() : String(v)))
    .join("|");
}
