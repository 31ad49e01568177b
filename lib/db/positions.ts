/**
 * Where jobs stand in the queue, and the speeds an ETA is worked out from (lib/queue's
 * position()): read for a whole page of jobs at once, in a fixed number of statements however
 * many jobs the page holds.
 */
import { Prisma } from "@prisma/client";

import { getDb, type Db } from "./client";
import { AppError } from "./errors";
import { toJob, type Job } from "./jobs";
import { liveWorkers } from "./workers";

export interface JobStanding {
  job: Job; // as read now
  ahead: number; // queued jobs that will be claimed before it
  stepsAhead: number; // their denoising steps, plus what running jobs (other than it) have left
}

export interface QueueSnapshot {
  jobs: Map<string, JobStanding>; // by id
  workers: { id: string; secondsPerStep: number | null }[]; // live: heartbeated within `liveWithinMs`, not stopped
  recentSecondsPerStep: number | null; // mean over recent finished jobs, whoever ran them
}

/**
 * What the ETAs of these jobs need, in five statements: the jobs, the queued jobs ahead of
 * each queued one, what the running jobs have left, the live workers and the recent speed.
 * Unknown step counts are taken as `defaultSteps`. NOT_FOUND if a job does not exist.
 */
export async function queueSnapshot(input: { jobIds: string[]; defaultSteps: number; liveWithinMs: number; now?: Date; db?: Db }): Promise<QueueSnapshot> {
  const now = input.now ?? new Date();
  const db = input.db ?? getDb();
  const d = input.defaultSteps;
  const ids = [...new Set(input.jobIds)];
  const rows = ids.length === 0 ? [] : await db.run((p) => p.job.findMany({ where: { id: { in: ids } } }));
  if (rows.length < ids.length) throw new AppError("NOT_FOUND", "no such job");
  const jobs = rows.map(toJob);

  const queuedIds = jobs.filter((j) => j.state === "queued").map((j) => j.id);
  // For each queued job j, the queued jobs q a claim takes first (ORDER BY "priority", "createdAt", "id").
  const queued =
    queuedIds.length === 0
      ? []
      : await db.run((p) =>
          p.$queryRaw<{ id: string; n: number | bigint; steps: number | bigint | null }[]>`
            SELECT j."id" AS "id", count(*) AS "n", sum(coalesce(q."steps", ${d}) * (1 + q."extend")) AS "steps"
            FROM "Job" j JOIN "Job" q ON q."state" = 'queued' AND (
              q."priority" < j."priority" OR (q."priority" = j."priority" AND (q."createdAt" < j."createdAt"
                OR (q."createdAt" = j."createdAt" AND q."id" < j."id"))))
            WHERE j."id" IN (${Prisma.join(queuedIds)})
            GROUP BY j."id"`,
        );
  const ahead = new Map(queued.map((r) => [r.id, { n: Number(r.n), steps: Number(r.steps ?? 0) }]));
  const running = await db.run((p) =>
    p.$queryRaw<{ id: string; left: number | bigint }[]>`
      SELECT "id", CASE WHEN "progressTotal" > 0 THEN "progressTotal" ELSE coalesce("steps", ${d}) * (1 + "extend") END - "progressStep" AS "left"
      FROM "Job" WHERE "state" = 'running'`,
  );
  const runningLeft = (except: string) => running.reduce((a, r) => a + (r.id === except ? 0 : Math.max(Number(r.left), 0)), 0);

  const workers = await liveWorkers({ withinMs: input.liveWithinMs, now, db });
  const recent = await db.run((p) =>
    p.job.findMany({
      where: { state: "succeeded", secondsPerStep: { not: null } },
      orderBy: { finishedAt: "desc" },
      take: 20,
      select: { secondsPerStep: true },
    }),
  );
  return {
    jobs: new Map(
      jobs.map((job) => {
        const a = ahead.get(job.id) ?? { n: 0, steps: 0 };
        return [job.id, { job, ahead: a.n, stepsAhead: a.steps + runningLeft(job.id) }];
      }),
    ),
    workers: workers.map((w) => ({ id: w.id, secondsPerStep: w.secondsPerStep })),
    recentSecondsPerStep: recent.length ? recent.reduce((a, r) => a + r.secondsPerStep!, 0) / recent.length : null,
  };
}
