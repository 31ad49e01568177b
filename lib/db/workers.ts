/** Worker processes: registered on start, heartbeated while alive, marked stopped on exit. */
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
