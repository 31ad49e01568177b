/**
 * Worker processes, on this host or any other: each announces itself on start (id, host,
 * execution provider, model), heartbeats while alive, counts the jobs it finished and its
 * measured seconds per denoising step (recorded by lib/db/jobs.ts completeJob), and is marked
 * stopped on exit.
 */
import { Prisma, type Worker } from "@prisma/client";

import { getDb, type Db, type Tx } from "./client";

export type { Worker } from "@prisma/client";

export interface WorkerInfo {
  id: string;
  host: string;
  pid: number;
  provider: string;
  model: string;
}

export async function registerWorker(input: WorkerInfo & { now?: Date; db?: Db }): Promise<Worker> {
  const now = input.now ?? new Date();
  const { db: _db, now: _now, ...info } = input;
  return (input.db ?? getDb()).run((p) =>
    p.worker.upsert({
      where: { id: info.id },
      create: { ...info, startedAt: now, heartbeatAt: now },
      update: { ...info, startedAt: now, heartbeatAt: now, stoppedAt: null },
    }),
  );
}

export async function heartbeatWorker(input: { workerId: string; now?: Date; db?: Db }): Promise<void> {
  const now = input.now ?? new Date();
  await (input.db ?? getDb()).run((p) => p.worker.updateMany({ where: { id: input.workerId }, data: { heartbeatAt: now } }));
}

export async function stopWorker(input: { workerId: string; now?: Date; db?: Db }): Promise<void> {
  const now = input.now ?? new Date();
  await (input.db ?? getDb()).run((p) => p.worker.updateMany({ where: { id: input.workerId }, data: { stoppedAt: now } }));
}

/** Workers that heartbeated within `withinMs` and have not stopped, by id (the queue's ETAs). */
export async function liveWorkers(input: { withinMs: number; now?: Date; db?: Db }): Promise<Worker[]> {
  const since = new Date((input.now ?? new Date()).getTime() - input.withinMs);
  return (input.db ?? getDb()).run((p) =>
    p.worker.findMany({ where: { heartbeatAt: { gte: since }, stoppedAt: null }, orderBy: { id: "asc" } }),
  );
}

/** A job the worker ran has succeeded, `secondsPerStep` measured (completeJob's transaction). */
export async function recordWorkerSpeed(tx: Tx, workerId: string, secondsPerStep: number | null, now: Date): Promise<void> {
  // A moving average: recent jobs count most, one odd job does not swing the ETA. (The CAST
  // gives PostgreSQL the parameter's type; SQLite reads DOUBLE PRECISION as REAL.)
  const measured = Prisma.sql`CAST(${secondsPerStep} AS DOUBLE PRECISION)`;
  const speed = secondsPerStep === null ? Prisma.sql`"secondsPerStep"` : Prisma.sql`coalesce(0.7 * "secondsPerStep" + 0.3 * ${measured}, ${measured})`;
  await tx.$executeRaw`
    UPDATE "Worker" SET
      "jobsDone" = "jobsDone" + 1,
      "heartbeatAt" = ${now},
      "secondsPerStep" = ${speed}
    WHERE "id" = ${workerId}`;
}

/** Workers seen within `withinMs` (stopped ones too), each with how many jobs it is running now. */
export async function recentWorkers(input: { withinMs: number; now?: Date; db?: Db }): Promise<(Worker & { running: number })[]> {
  const since = new Date((input.now ?? new Date()).getTime() - input.withinMs);
  return (input.db ?? getDb()).run(async (p) => {
    const workers = await p.worker.findMany({ where: { heartbeatAt: { gte: since } }, orderBy: [{ host: "asc" }, { id: "asc" }] });
    const running = await p.job.groupBy({ by: ["workerId"], where: { state: "running", workerId: { in: workers.map((w) => w.id) } }, _count: { _all: true } });
    const count = new Map(running.map((r) => [r.workerId, r._count._all]));
    return workers.map((w) => ({ ...w, running: count.get(w.id) ?? 0 }));
  });
}
