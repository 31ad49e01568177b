/**
 * The job queue: what the API routes and the workers call. The statements are in
 * lib/db/jobs.ts (the limits' and the positions' reads in lib/db/limits.ts and positions.ts);
 * this module adds the policy (validation, limits, lease and backoff lengths, ETAs), taken
 * from QUEUE_DEFAULTS unless a call says otherwise.
 *
 * Delivery is at least once (a worker that dies mid-job loses its lease and the job runs
 * again) and completion exactly once (fenced on the lease; one video per job).
 */
import { quotaConfig } from "../config";
import type { Db } from "../db/client";
import { AppError } from "../db/errors";
import * as jobs from "../db/jobs";
import type { ContinueOf } from "../db/continue-column";
import type { CompleteResult, FailResult, HeartbeatStatus, Job, Lease } from "../db/jobs";
import type { SubmitLimits } from "../db/limits";
import { queueSnapshot } from "../db/positions";
import { isQueuePaused, setQueuePaused } from "../db/queue-state";
import type { VideoOutput } from "../db/videos";
import { parseJobSettings } from "./job-settings";

export { JOB_STATES, type JobState } from "../db/jobs";
export { TERMINAL_STATES, isTerminal } from "./states";
export type { CompleteResult, FailResult, HeartbeatStatus, Job, Lease } from "../db/jobs";
export type { VideoOutput } from "../db/videos";

export const QUEUE_DEFAULTS = Object.freeze({
  leaseMs: 30_000, // a worker renews it every leaseMs / 2
  maxAttempts: 3,
  backoffMs: 5_000, // retry n waits backoffMs * 2^(n-1) ...
  maxBackoffMs: 10 * 60_000, // ... at most this
  maxActivePerCaller: quotaConfig().maxActivePerCaller, // queued + running (QUEUE_MAX_ACTIVE_PER_CALLER)
  submissionsPerHour: quotaConfig().submissionsPerHour, // QUEUE_SUBMISSIONS_PER_HOUR
  defaultSteps: 20, // for ETAs of jobs that leave steps to the model
  liveWorkerMs: 60_000, // a worker heartbeating within this counts as serving the queue
});

interface WithDb {
  db?: Db;
  now?: Date;
}

// ------------------------------------------------------------------ callers

export interface SubmitInput extends WithDb {
  callerId: string;
  idempotencyKey?: string; // same caller + same key -> same job (a double click makes one job)
  settings: unknown; // validated here: see ./settings.ts
  continueOf?: ContinueOf; // "Continue from here": checked by ./continue.ts
  limits?: Partial<SubmitLimits>; // see lib/queue/quotas.ts for a shared instance's
  maxAttempts?: number;
}

/** Queues a job, or returns the one already made for this idempotency key (`created: false`). */
export async function submit(input: SubmitInput): Promise<{ job: Job; created: boolean }> {
  if (!input.callerId) throw new AppError("UNAUTHORIZED", "no caller identity");
  if (input.idempotencyKey !== undefined && !/^[\x21-\x7e]{1,200}$/.test(input.idempotencyKey)) {
    throw new AppError("BAD_REQUEST", "idempotency key: 1 to 200 printable ASCII characters");
  }
  return jobs.insertJob({
    callerId: input.callerId,
    idempotencyKey: input.idempotencyKey,
    settings: parseJobSettings(input.settings),
    continueOf: input.continueOf,
    maxAttempts: input.maxAttempts ?? QUEUE_DEFAULTS.maxAttempts,
    limits: {
      ...input.limits,
      maxActive: input.limits?.maxActive ?? QUEUE_DEFAULTS.maxActivePerCaller,
      perHour: input.limits?.perHour ?? QUEUE_DEFAULTS.submissionsPerHour,
      costDefaultSteps: input.limits?.costDefaultSteps ?? QUEUE_DEFAULTS.defaultSteps,
    },
    now: input.now,
    db: input.db,
  });
}

/** Queued: canceled at once. Running: flagged; its worker aborts at the next step. */
export function cancel(input: { jobId: string; callerId?: string } & WithDb): Promise<Job> {
  return jobs.cancelJob(input);
}

/**
 * A caller's queued job goes ahead of every other queued job (`among: "all"`: the admin's,
 * and the local owner's), or only ahead of the caller's own queued jobs (`among: "own"`:
 * everyone else on a shared instance), so nobody jumps the queue past other people.
 */
export function moveToFront(input: { jobId: string; callerId?: string; among?: "all" | "own" } & WithDb): Promise<Job> {
  if (input.among === "own") {
    if (!input.callerId) throw new AppError("UNAUTHORIZED", "no caller identity");
    return jobs.moveJobAheadOfOwn({ ...input, callerId: input.callerId });
  }
  return jobs.moveJobToFront(input);
}

/** Stops claims (running jobs finish); resume() starts them again. */
export function pause(input: WithDb = {}): Promise<void> {
  return setQueuePaused({ paused: true, db: input.db });
}

export function resume(input: WithDb = {}): Promise<void> {
  return setQueuePaused({ paused: false, db: input.db });
}

export function isPaused(input: WithDb = {}): Promise<boolean> {
  return isQueuePaused({ db: input.db });
}

export interface Position {
  state: jobs.JobState;
  position: number | null; // 1 = next to be claimed; 0 = running; null = finished
  ahead: number; // queued jobs before it
  etaSeconds: number | null; // until it finishes; null until a step time has been measured
  secondsPerStep: number | null; // the fleet's typical speed (see fleetSpeed)
}

/**
 * The fleet's throughput from the live workers' own measured speeds (a GPU worker counts for
 * more than a CPU one); a worker not measured yet counts at the typical speed of the others,
 * or of recent jobs when none is measured. `secondsPerStep` is the typical worker's: the
 * harmonic mean, as faster workers run proportionally more of the jobs. null: nothing measured.
 */
export function fleetSpeed(
  workers: readonly { secondsPerStep: number | null }[],
  recentSecondsPerStep: number | null,
): { stepsPerSecond: number; secondsPerStep: number } | null {
  const measured = workers.map((w) => w.secondsPerStep).filter((s): s is number => s !== null && s > 0);
  const measuredRate = measured.reduce((a, s) => a + 1 / s, 0);
  const typical = measured.length ? measured.length / measuredRate : recentSecondsPerStep;
  if (typical === null || !(typical > 0)) return null;
  const n = Math.max(1, workers.length); // no live worker yet: as if one will come
  const stepsPerSecond = measuredRate + (n - measured.length) / typical;
  return { stepsPerSecond, secondsPerStep: n / stepsPerSecond };
}

/**
 * Where a job stands and when it should be done. Queued: the denoising steps ahead of it
 * (queued jobs before it and what running jobs have left) at the fleet's throughput, then its
 * own steps at the typical worker's speed. Running: its steps left at its worker's speed.
 */
export async function position(input: { jobId: string; defaultSteps?: number } & WithDb): Promise<Position> {
  const standings = await positions({ ...input, jobIds: [input.jobId] });
  return standings.get(input.jobId)!.position;
}

/**
 * position() for many jobs at once, in a fixed number of statements (a page of the job list,
 * a poll of the event streams), with each job as it was read for it: NOT_FOUND if one does not exist.
 */
export async function positions(input: { jobIds: string[]; defaultSteps?: number } & WithDb): Promise<Map<string, { job: Job; position: Position }>> {
  const defaultSteps = input.defaultSteps ?? QUEUE_DEFAULTS.defaultSteps;
  const s = await queueSnapshot({ jobIds: input.jobIds, defaultSteps, liveWithinMs: QUEUE_DEFAULTS.liveWorkerMs, now: input.now, db: input.db });
  const fleet = fleetSpeed(s.workers, s.recentSecondsPerStep);
  const sps = fleet?.secondsPerStep ?? null;
  const positionOf = ({ job, ahead, stepsAhead }: { job: Job; ahead: number; stepsAhead: number }): Position => {
    const ownSteps = (job.steps ?? defaultSteps) * (1 + job.extend);
    if (job.state === "running") {
      const left = Math.max((job.progressTotal > 0 ? job.progressTotal : ownSteps) - job.progressStep, 0);
      const mine = s.workers.find((w) => w.id === job.workerId)?.secondsPerStep ?? sps;
      return { state: job.state, position: 0, ahead: 0, etaSeconds: mine === null ? null : left * mine, secondsPerStep: sps };
    }
    if (job.state !== "queued") return { state: job.state, position: null, ahead: 0, etaSeconds: null, secondsPerStep: sps };
    const eta = fleet === null ? null : stepsAhead / fleet.stepsPerSecond + ownSteps * fleet.secondsPerStep;
    return { state: job.state, position: ahead + 1, ahead, etaSeconds: eta, secondsPerStep: sps };
  };
  return new Map([...s.jobs].map(([id, standing]) => [id, { job: standing.job, position: positionOf(standing) }]));
}

// ------------------------------------------------------------------ workers

/** The next runnable job, now running under this worker's lease; null if none (or paused). */
export function claim(input: { workerId: string; leaseMs?: number } & WithDb): Promise<Job | null> {
  return jobs.claimNextJob({ ...input, leaseMs: input.leaseMs ?? QUEUE_DEFAULTS.leaseMs });
}

/** Renews the lease and records progress (and the latest preview): "canceled" -> abort the run; "lost" -> drop it. */
export function heartbeat(
  input: Lease & { leaseMs?: number; progress?: { step: number; total: number }; preview?: Uint8Array } & WithDb,
): Promise<HeartbeatStatus> {
  return jobs.heartbeatJob({ ...input, leaseMs: input.leaseMs ?? QUEUE_DEFAULTS.leaseMs });
}

/** Stores a running job's denoising resume state (renewing the lease, like a heartbeat), for a later attempt to resume from. */
export function saveResumeState(input: Lease & { step: number; bytes: Uint8Array; leaseMs?: number } & WithDb): Promise<HeartbeatStatus> {
  return jobs.saveCheckpoint({ ...input, leaseMs: input.leaseMs ?? QUEUE_DEFAULTS.leaseMs });
}

/** The resume state an earlier attempt of a job left, if any. */
export function lastResumeState(input: { jobId: string } & WithDb): Promise<{ step: number; bytes: Uint8Array } | null> {
  return jobs.readCheckpoint(input);
}

/** Succeeded with its video, exactly once (see CompleteResult for the other outcomes). */
export function complete(input: Lease & { output: VideoOutput; progress?: { step: number; total: number } } & WithDb): Promise<CompleteResult> {
  return jobs.completeJob(input);
}

/** A failed run: queued again after a backoff while attempts remain (and `retryable`), else failed. */
export function fail(
  input: Lease & { error: unknown; retryable?: boolean; backoffMs?: number; maxBackoffMs?: number } & WithDb,
): Promise<FailResult> {
  return jobs.failJob({
    ...input,
    error: describeError(input.error),
    retryable: input.retryable ?? true,
    backoffMs: input.backoffMs ?? QUEUE_DEFAULTS.backoffMs,
    maxBackoffMs: input.maxBackoffMs ?? QUEUE_DEFAULTS.maxBackoffMs,
  });
}

/** Hands a running job back without counting the attempt (the worker is stopping). */
export function release(input: Lease & WithDb) {
  return jobs.releaseJob(input);
}

/** The supervisor: expired leases go back to the queue (or end failed when out of attempts). */
export function expireLeases(input: WithDb = {}) {
  return jobs.expireLeases(input);
}

export function describeError(err: unknown): string {
  if (err instanceof Error) {
    const code = (err as { code?: unknown }).code;
    return typeof code === "string" && !err.message.startsWith(code) ? `${code}: ${err.message}` : err.message;
  }
  return String(err);
}
