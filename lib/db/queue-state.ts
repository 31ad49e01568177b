/** Pausing the whole queue: claims stop, running jobs finish. One row, id 1; no row = running. */
import { getDb, type Db } from "./client";

export async function setQueuePaused(input: { paused: boolean; db?: Db }): Promise<void> {
  const db = input.db ?? getDb();
  await db.run((p) =>
    p.queueState.upsert({
      where: { id: 1 },
      create: { id: 1, paused: input.paused, updatedAt: new Date() },
      update: { paused: input.paused },
    }),
  );
}

export async function isQueuePaused(input: { db?: Db } = {}): Promise<boolean> {
  const db = input.db ?? getDb();
  const row = await db.run((p) => p.queueState.findUnique({ where: { id: 1 } }));
  return row?.paused ?? false;
}
