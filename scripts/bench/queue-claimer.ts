/**
 * One claiming process of `npm run bench:queue`: opens DATABASE_URL, says "ready", waits for a
 * line on stdin (every claimer starts together), claims until the queue is empty, timing each
 * claim, and prints {ids, latenciesMs, startMs, endMs} as JSON.
 */
import { once } from "node:events";
import { performance } from "node:perf_hooks";

import { openDb } from "../../lib/db/client";
import { claim } from "../../lib/queue";

const workerId = process.argv[2] ?? `claimer-${process.pid}`;
const db = openDb({ busyTimeoutMs: 120_000, poolSize: 1 });
await db.run((p) => p.worker.count()); // connect (and load the client) before the start line
process.stdout.write("ready\n");
await once(process.stdin, "data");

const ids: string[] = [];
const latenciesMs: number[] = [];
const startMs = performance.timeOrigin + performance.now();
let endMs = startMs;
for (;;) {
  const t0 = performance.now();
  const job = await claim({ db, workerId, leaseMs: 3_600_000 });
  const t1 = performance.now();
  if (!job) break;
  ids.push(job.id);
  latenciesMs.push(t1 - t0);
  endMs = performance.timeOrigin + t1;
}
process.stdout.write(`${JSON.stringify({ ids, latenciesMs, startMs, endMs })}\n`);
await db.close();
