/**
 * Worker processes, on this host or any other: each announces itself on start (id, host,
 * execution provider, model), heartbeats while alive, counts the jobs it finished and its
 * measured seconds per denoising step (lib/db/jobs.ts completeJob), and is marked stopped on exit.
 */
import type { Worker } from "@prisma/client";

import { getDb, type Db } from "./client";

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

/** Workers that heartbeated within `withinMs` and have not stopped. */
export async function liveWorkers(input: { withinMs: number; now?: Date; db?: Db }): Promise<Worker[]> {
  const since = new Date((input.now ?? new Date()).getTime() - input.withinMs);
  return (input.db ?? getDb()).run((p) =>
    p.worker.findMany({ where: { heartbeatAt: { gte: since }, stoppedAt: null }, orderBy: { startedAt: "asc" } }),
  );
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
