/**
 * The fleet: every worker seen in the last hour, on whatever host, with what it runs and how
 * fast, and the throughput the queue's ETAs are worked out from (./index.ts fleetSpeed).
 */
import type { Db } from "../db/client";
import { recentWorkers } from "../db/workers";
import { QUEUE_DEFAULTS, fleetSpeed } from "./index";

export type WorkerStatus = "working" | "idle" | "silent" | "stopped";

export interface FleetWorker {
  id: string;
  host: string;
  provider: string; // execution provider: cpu, cuda, webgpu
  model: string;
  status: WorkerStatus; // silent: no heartbeat for QUEUE_DEFAULTS.liveWorkerMs (crashed, or cut off)
  running: number;
  jobsDone: number;
  secondsPerStep: number | null;
  startedAt: string;
  heartbeatAt: string;
}

export interface Fleet {
  live: number; // working or idle
  stepsPerSecond: number | null; // of the live workers together; null until measured
  secondsPerStep: number | null; // the typical live worker's
  workers: FleetWorker[];
}

const SHOWN_FOR_MS = 60 * 60_000;

export async function fleet(input: { now?: Date; db?: Db } = {}): Promise<Fleet> {
  const now = input.now ?? new Date();
  const rows = await recentWorkers({ withinMs: SHOWN_FOR_MS, now, db: input.db });
  const workers: FleetWorker[] = rows.map((w) => ({
    id: w.id,
    host: w.host,
    provider: w.provider,
    model: w.model,
    status: w.stoppedAt ? "stopped" : now.getTime() - w.heartbeatAt.getTime() > QUEUE_DEFAULTS.liveWorkerMs ? "silent" : w.running > 0 ? "working" : "idle",
    running: w.running,
    jobsDone: w.jobsDone,
    secondsPerStep: w.secondsPerStep,
    startedAt: w.startedAt.toISOString(),
    heartbeatAt: w.heartbeatAt.toISOString(),
  }));
  const live = workers.filter((w) => w.status === "working" || w.status === "idle");
  // No recent-jobs fallback here: the fleet's speed is what its live workers have measured.
  const speed = live.length ? fleetSpeed(live, null) : null;
  return { live: live.length, stepsPerSecond: speed?.stepsPerSecond ?? null, secondsPerStep: speed?.secondsPerStep ?? null, workers };
}
