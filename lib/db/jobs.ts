/**
 * The job queue's statements. Every state change is one SQL statement or one write
 * transaction (client.ts), so it is atomic across processes:
 *
 *   queued --claim--> running --complete--> succeeded
 *     ^                 |  \--fail (attempts left: runAt = now + backoff)--> queued
 *     |                 |  \--fail (none left, or not retryable)----------> failed
 *     |                 |  \--release (worker shutting down)--------------> queued, attempt not counted
 *     |                 \--lease expired (supervisor)---------------------> queued, or failed if none left
 *     \--cancel (queued: at once) --> canceled <-- (running: flagged, the worker stops at its next step)
 *
 * A running job belongs to the (workerId, attempt) that claimed it: every worker-side
 * statement is fenced on both plus state = 'running', so a worker that lost its lease (and
 * whose job another worker re-claimed) can no longer heartbeat, complete or fail it.
 *
 * Policy (limits, backoff lengths, lease length) comes from lib/queue as arguments; times are
 * passed in as `now` so the queue can be driven deterministically in tests.
 */
import { Prisma, type Job as JobRow, type Video as VideoRow } from "@prisma/client";

import { SETTING_KEYS, type JobSettings } from "../pipeline/contract";
import type { ScenePlan } from "../plan/schema";

import { getDb, type Db, type Tx } from "./client";
import { AppError } from "./errors";
import { newId } from "./ids";

export type { JobSettings };

// Kept in step with lib/queue/states.ts (which re-exports these); the SQL below spells them out.
export const JOB_STATES = Object.freeze({
  QUEUED: "queued",
  RUNNING: "running",
  SUCCEEDED: "succeeded",
  FAILED: "failed",
  CANCELED: "canceled",
} as const);
export type JobState = (typeof JOB_STATES)[keyof typeof JOB_STATES];

/** A job as the app sees it: the seed as a number (it fits: at most 2^48), no checkpoint or preview bytes. */
export type Job = Omit<JobRow, "seed" | "checkpoint" | "preview" | "state"> & { seed: number | null; state: JobState };
export type Video = Omit<VideoRow, "seed"> & { seed: number };

export function toJob(row: JobRow): Job {
  const { checkpoint: _checkpoint, preview: _preview, seed, ...rest } = row;
  return { ...rest, state: row.state as JobState, seed: seed === null ? null : Number(seed) };
}

export function toVideo(row: VideoRow): Video {
  return { ...row, seed: Number(row.seed) };
}

/** A job's settings as its row keeps them: a setting left out is null, the model's default when it runs. */
function settingsColumns(s: JobSettings) {
  return {
    prompt: s.prompt,
    negativePrompt: s.negativePrompt,
    seed: s.seed === undefined ? null : BigInt(s.seed),
    steps: s.steps ?? null,
    guidance: s.guidance ?? null,
    frames: s.frames ?? null,
    extend: s.extend,
    scheduler: s.scheduler ?? null,
    plan: planColumn(s.plan),
  };
}

/**
 * Job.plan and Video.plan are JSON text: NULL for no plan given (a job: the worker plans the
 * prompt; a clip: made before plans were kept), "null" for text alone, else the ScenePlan.
 */
export const planColumn = (plan: ScenePlan | null | undefined): string | null => (plan === undefined ? null : JSON.stringify(plan));

export function planFromColumn(text: string | null): ScenePlan | null | undefined {
  return text === null ? undefined : (JSON.parse(text) as ScenePlan | null);
}

/** A job's settings back from its row (the contract's record: what its worker hands the pipeline). */
export function settingsOf(job: Job): JobSettings {
  const defined = SETTING_KEYS.filter((k) => job[k] !== null).map((k) => [k, job[k]]);
  const plan = planFromColumn(job.plan);
  return { ...Object.fromEntries(defined), ...(plan === undefined ? {} : { plan }) } as JobSettings;
}

/** Who holds a running job: the claim's worker and attempt. */
export interface Lease {
  jobId: string;
  workerId: string;
  attempt: number;
}

const fenced = (l: Lease) =>
  Prisma.sql`"id" = ${l.jobId} AND "workerId" = ${l.workerId} AND "attempt" = ${l.attempt} AND "state" = 'running'`;

const dbOf = (o: { db?: Db }) => o.db ?? getDb();

/** A time where SQL cannot tell a parameter's type from its column (inside CASE): PostgreSQL
 *  would take it as text. SQLite keeps the adapter's integer milliseconds (NUMERIC affinity). */
const timestamp = (d: Date) => Prisma.sql`CAST(${d} AS TIMESTAMP)`;

// ------------------------------------------------------------------ submit

/**
 * What a submission may not exceed. maxActive and perHour always apply; the rest only where
 * given (a shared instance's quotas, lib/queue/quotas.ts). Cost is denoising steps x chunks,
 * (steps ?? costDefaultSteps) * (1 + extend).
 */
export interface SubmitLimits {
  maxActive: number; // the caller's queued + running jobs
  perHour: number; // the caller's submissions in the last hour
  maxCostInFlight?: number; // the caller's queued + running cost
  maxCostPerHour?: number; // the cost the caller submitted in the last hour (canceled jobs count)
  maxQueued?: number; // every caller's queued jobs together: the global cap
  address?: { value: string; maxActive: number }; // anonymous: queued + running jobs from this client address
  costDefaultSteps?: number;
}

export interface InsertJobInput {
  callerId: string;
  idempotencyKey?: string;
  settings: JobSettings;
  maxAttempts: number;
  limits: SubmitLimits; // limits.address is also recorded on the job, for the anonymous cap
  now?: Date;
  db?: Db;
}

/** A job's cost in denoising steps x chunks, as the quotas count it. */
export const jobCost = (s: { steps?: number | null; extend: number }, defaultSteps: number) => (s.steps ?? defaultSteps) * (1 + s.extend);

/**
 * Creates a job, or returns the caller's job with the same idempotency key (`created: false`).
 * Limits are checked in the same write transaction as the insert, so concurrent submissions
 * cannot both slip under them.
 */
export async function insertJob(input: InsertJobInput): Promise<{ job: Job; created: boolean }> {
  const now = input.now ?? new Date();
  const { callerId, idempotencyKey, settings, limits } = input;
  return dbOf(input).write(async (tx) => {
    if (idempotencyKey !== undefined) {
      const existing = await tx.job.findUnique({ where: { callerId_idempotencyKey: { callerId, idempotencyKey } } });
      if (existing) {
        const job = toJob(existing);
        if (!sameSettings(job, settings)) {
          throw new AppError("CONFLICT", "this idempotency key was already used for a job with different settings");
        }
        return { job, created: false };
      }
    }

    const active = await tx.job.count({ where: { callerId, state: { in: ["queued", "running"] } } });
    if (active >= limits.maxActive) {
      throw new AppError(
        "RATE_LIMITED",
        `you have ${active} jobs queued or running, the most allowed at once is ${limits.maxActive}: wait for one to finish or cancel one`,
        { retryAfterSeconds: 30 },
      );
    }
    const hourAgo = new Date(now.getTime() - 3_600_000);
    const recent = await tx.job.findMany({
      where: { callerId, createdAt: { gt: hourAgo } },
      select: { createdAt: true },
      orderBy: { createdAt: "asc" },
      take: limits.perHour,
    });
    if (recent.length >= limits.perHour) {
      const retryAfterSeconds = Math.max(1, Math.ceil((recent[0]!.createdAt.getTime() + 3_600_000 - now.getTime()) / 1000));
      throw new AppError(
        "RATE_LIMITED",
        `you have submitted ${limits.perHour} jobs in the last hour, the most allowed: try again in ${formatWait(retryAfterSeconds)}`,
        { retryAfterSeconds },
      );
    }

    await checkQuotas(tx, { callerId, settings, limits, now });

    const row = await tx.job.create({
      data: {
        id: newId(),
        callerId,
        submitAddress: limits.address?.value ?? null,
        idempotencyKey: idempotencyKey ?? null,
        ...settingsColumns(settings),
        maxAttempts: input.maxAttempts,
        runAt: now,
        createdAt: now,
      },
    });
    return { job: toJob(row), created: true };
  });
}

/** The cost and global quotas, in the insert's transaction (see SubmitLimits). */
async function checkQuotas(tx: Tx, o: { callerId: string; settings: JobSettings; limits: SubmitLimits; now: Date }): Promise<void> {
  const { limits, callerId, now } = o;
  const d = limits.costDefaultSteps ?? 20;
  const cost = jobCost(o.settings, d);
  if (limits.address) {
    const fromAddress = await tx.job.count({ where: { submitAddress: limits.address.value, state: { in: ["queued", "running"] } } });
    if (fromAddress >= limits.address.maxActive) {
      throw new AppError(
        "RATE_LIMITED",
        `anonymous jobs from your address: ${fromAddress} queued or running, the most allowed is ${limits.address.maxActive}: wait for one to finish, or sign in`,
        { retryAfterSeconds: 60 },
      );
    }
  }
  if (limits.maxQueued !== undefined) {
    const queued = await tx.job.count({ where: { state: "queued" } });
    if (queued >= limits.maxQueued) {
      throw new AppError("RATE_LIMITED", `the queue is full (${queued} jobs waiting, the most this server takes): try again later`, { retryAfterSeconds: 60 });
    }
  }
  const costOf = (rows: { steps: number | null; extend: number }[]) => rows.reduce((a, r) => a + jobCost(r, d), 0);
  if (limits.maxCostInFlight !== undefined) {
    const active = await tx.job.findMany({ where: { callerId, state: { in: ["queued", "running"] } }, select: { steps: true, extend: true } });
    const inFlight = costOf(active);
    if (inFlight + cost > limits.maxCostInFlight) {
      throw new AppError(
        "RATE_LIMITED",
        `this job costs ${cost} steps x chunks and yours queued or running already cost ${inFlight}: the most allowed at once is ${limits.maxCostInFlight}` +
          (cost > limits.maxCostInFlight ? " (this job alone is over it: use fewer steps or chunks)" : ": wait for one to finish or cancel one"),
        { retryAfterSeconds: 30 },
      );
    }
  }
  if (limits.maxCostPerHour !== undefined) {
    const hourAgo = new Date(now.getTime() - 3_600_000);
    const recent = await tx.job.findMany({
      where: { callerId, createdAt: { gt: hourAgo } },
      select: { steps: true, extend: true, createdAt: true },
      orderBy: { createdAt: "asc" },
    });
    let spent = costOf(recent);
    if (spent + cost > limits.maxCostPerHour) {
      // When enough of the oldest submissions leave the hour for this one to fit.
      let at = now.getTime() + 3_600_000;
      for (const r of recent) {
        spent -= jobCost(r, d);
        if (spent + cost <= limits.maxCostPerHour) {
          at = r.createdAt.getTime() + 3_600_000;
          break;
        }
      }
      const retryAfterSeconds = Math.max(1, Math.ceil((at - now.getTime()) / 1000));
      throw new AppError(
        "RATE_LIMITED",
        `this job costs ${cost} steps x chunks; you have submitted ${costOf(recent)} in the last hour and the most allowed is ${limits.maxCostPerHour}: try again in ${formatWait(retryAfterSeconds)}`,
        { retryAfterSeconds },
      );
    }
  }
}

function sameSettings(job: Job, s: JobSettings): boolean {
  return SETTING_KEYS.every((k) => (job[k] ?? null) === (s[k] ?? null)) && job.plan === planColumn(s.plan);
}

function formatWait(seconds: number): string {
  return seconds < 120 ? `${seconds} s` : `${Math.ceil(seconds / 60)} min`;
}

// ------------------------------------------------------------------ reads

/** A job by id; with `callerId`, only that caller's (anyone else's is NOT_FOUND, not FORBIDDEN). */
export async function getJob(input: { jobId: string; callerId?: string; db?: Db }): Promise<Job> {
  const row = await dbOf(input).run((p) => p.job.findUnique({ where: { id: input.jobId } }));
  if (!row || (input.callerId !== undefined && row.callerId !== input.callerId)) {
    throw new AppError("NOT_FOUND", "no such job");
  }
  return toJob(row);
}

/**
 * A caller's jobs, newest first, by cursor (opaque, from the previous page), walking the
 * (callerId, createdAt) index. A caller has at most their submissions-per-hour limit of jobs
 * an hour, so filtering by state on the way stays cheap.
 */
export async function listJobs(input: {
  callerId: string;
  states?: JobState[];
  limit?: number;
  cursor?: string | null;
  db?: Db;
}): Promise<{ jobs: Job[]; nextCursor: string | null }> {
  const limit = input.limit ?? 50;
  const after = input.cursor ? decodeJobCursor(input.cursor) : null;
  const rows = await dbOf(input).run((p) =>
    p.job.findMany({
      where: {
        callerId: input.callerId,
        ...(input.states ? { state: { in: input.states } } : {}),
        ...(after ? { OR: [{ createdAt: { lt: after.createdAt } }, { createdAt: after.createdAt, id: { lt: after.id } }] } : {}),
      },
      orderBy: [{ createdAt: "desc" }, { id: "desc" }],
      take: limit + 1,
    }),
  );
  const jobs = rows.slice(0, limit).map(toJob);
  const last = jobs.at(-1);
  const nextCursor = rows.length > limit && last ? Buffer.from(`${last.createdAt.getTime()}.${last.id}`).toString("base64url") : null;
  return { jobs, nextCursor };
}

function decodeJobCursor(cursor: string): { createdAt: Date; id: string } {
  const match = /^(\d{1,15})\.([A-Za-z0-9_-]{1,64})$/.exec(Buffer.from(cursor, "base64url").toString("utf8"));
  if (!match) throw new AppError("BAD_REQUEST", "invalid cursor");
  return { createdAt: new Date(Number(match[1])), id: match[2]! };
}

// ------------------------------------------------------------------ worker side

/**
 * Claims the next runnable job in one statement: the first queued job (by priority, then age)
 * whose backoff has passed, unless the queue is paused. It becomes running with a fresh lease,
 * this worker, attempt + 1 and a start time, all together. null when there is none.
 *
 * SQLite has one writer at a time, so the statement is exclusive as it stands. On PostgreSQL
 * concurrent claims would pick the same first row and all but one find it taken; FOR UPDATE
 * SKIP LOCKED makes each pass over rows another claim has locked and take the next one.
 */
export async function claimNextJob(input: { workerId: string; leaseMs: number; now?: Date; db?: Db }): Promise<Job | null> {
  const now = input.now ?? new Date();
  const db = dbOf(input);
  const skipLocked = db.provider === "postgresql" ? Prisma.sql`FOR UPDATE SKIP LOCKED` : Prisma.empty;
  const rows = await db.run((p) =>
    p.$queryRaw<JobRow[]>`
      UPDATE "Job" SET
        "state" = 'running',
        "attempt" = "attempt" + 1,
        "workerId" = ${input.workerId},
        "leaseExpiresAt" = ${new Date(now.getTime() + input.leaseMs)},
        "heartbeatAt" = ${now},
        "startedAt" = ${now},
        "progressStep" = 0,
        "progressTotal" = 0
      WHERE "state" = 'queued' AND "id" = (
        SELECT "id" FROM "Job"
        WHERE "state" = 'queued' AND "runAt" <= ${now}
          AND NOT EXISTS (SELECT 1 FROM "QueueState" WHERE "paused" = TRUE)
        ORDER BY "priority", "createdAt", "id"
        LIMIT 1
        ${skipLocked}
      )
      RETURNING *`,
  );
  return rows[0] ? toJob(rows[0]) : null;
}

export type HeartbeatStatus = "ok" | "canceled" | "lost";

/**
 * Extends the lease and records progress. "canceled": the owner asked to cancel, stop now;
 * "lost": the lease is no longer this worker's (expired and re-claimed, or the job ended).
 */
export async function heartbeatJob(
  input: Lease & { leaseMs: number; progress?: { step: number; total: number }; preview?: Uint8Array; now?: Date; db?: Db },
): Promise<HeartbeatStatus> {
  const now = input.now ?? new Date();
  const step = input.progress?.step ?? null;
  const total = input.progress?.total ?? null;
  const preview = input.preview ?? null;
  const rows = await dbOf(input).run((p) =>
    p.$queryRaw<{ cancelRequested: boolean }[]>`
      UPDATE "Job" SET
        "leaseExpiresAt" = ${new Date(now.getTime() + input.leaseMs)},
        "heartbeatAt" = ${now},
        "progressStep" = coalesce(${step}, "progressStep"),
        "progressTotal" = coalesce(${total}, "progressTotal"),
        "preview" = coalesce(${preview}, "preview")
      WHERE ${fenced(input)}
      RETURNING "cancelRequested"`,
  );
  if (!rows[0]) return "lost";
  return rows[0].cancelRequested ? "canceled" : "ok";
}

/**
 * Replaces a running job's denoising checkpoint (fenced like a heartbeat, which it also is).
 * It survives a lost lease or a release, for the next attempt to resume from, and is cleared
 * when the job ends.
 */
export async function saveCheckpoint(
  input: Lease & { leaseMs: number; step: number; bytes: Uint8Array; now?: Date; db?: Db },
): Promise<HeartbeatStatus> {
  const now = input.now ?? new Date();
  const rows = await dbOf(input).run((p) =>
    p.$queryRaw<{ cancelRequested: boolean }[]>`
      UPDATE "Job" SET
        "checkpoint" = ${input.bytes},
        "checkpointStep" = ${input.step},
        "checkpointAt" = ${now},
        "leaseExpiresAt" = ${new Date(now.getTime() + input.leaseMs)},
        "heartbeatAt" = ${now}
      WHERE ${fenced(input)}
      RETURNING "cancelRequested"`,
  );
  if (!rows[0]) return "lost";
  return rows[0].cancelRequested ? "canceled" : "ok";
}

/** The checkpoint an earlier attempt left, for the worker that has just claimed the job. */
export async function readCheckpoint(input: { jobId: string; db?: Db }): Promise<{ step: number; bytes: Uint8Array } | null> {
  const row = await dbOf(input).run((p) =>
    p.job.findUnique({ where: { id: input.jobId }, select: { checkpoint: true, checkpointStep: true } }),
  );
  if (!row?.checkpoint || row.checkpointStep === null) return null;
  return { step: row.checkpointStep, bytes: new Uint8Array(row.checkpoint) };
}

/** A caller's running job's latest preview bytes (lib/queue/preview.ts), or null. */
export async function readPreview(input: { jobId: string; callerId: string; db?: Db }): Promise<Uint8Array | null> {
  const row = await dbOf(input).run((p) => p.job.findUnique({ where: { id: input.jobId }, select: { callerId: true, state: true, preview: true } }));
  if (!row || row.callerId !== input.callerId || row.state !== "running" || !row.preview) return null;
  return new Uint8Array(row.preview);
}

/** Set on every way a job ends: the checkpoint and preview of a finished job are dead weight. */
const CLEAR_RUN_STATE = Prisma.sql`"checkpoint" = NULL, "checkpointStep" = NULL, "checkpointAt" = NULL, "preview" = NULL`;

/** The same, where only some rows end (`ends`); the others keep their checkpoint for the next attempt. */
const clearRunStateWhen = (ends: Prisma.Sql) => Prisma.sql`
  "checkpoint" = CASE WHEN ${ends} THEN NULL ELSE "checkpoint" END,
  "checkpointStep" = CASE WHEN ${ends} THEN NULL ELSE "checkpointStep" END,
  "checkpointAt" = CASE WHEN ${ends} THEN NULL ELSE "checkpointAt" END,
  "preview" = NULL`;

/** What a finished run made; keys are relative to the media root. */
export interface VideoOutput extends VideoMetadata {
  videoId: string; // chosen by the worker before the run: its files are named after it
  mp4Key: string;
  webmKey?: string;
  posterKey?: string;
  webpKey?: string;
}

/** The clip's description and how it was made, as the handler reports it and the Video row keeps it. */
export interface VideoMetadata {
  width: number;
  height: number;
  frames: number;
  fps: number;
  seed: number;
  steps: number;
  guidance: number;
  scheduler: string;
  modelId: string;
  timings: Record<string, number>; // ms
  secondsPerStep: number | null; // measured denoising speed, for ETAs
  plan?: ScenePlan | null; // the scene plan the clip followed (null: text alone; absent: not known)
}

export type CompleteResult =
  | { status: "completed"; job: Job; video: Video }
  | { status: "already-completed"; job: Job; video: Video } // e.g. a retried call whose first try committed
  | { status: "canceled"; job: Job } // cancel was asked for while it ran: no video
  | { status: "lost" }; // not this worker's job any more: its files are not wanted

/**
 * Marks the job succeeded and records its video, in one transaction. Exactly once per job:
 * fenced on the lease, and Video.jobId is unique.
 */
export async function completeJob(
  input: Lease & { output: VideoOutput; progress?: { step: number; total: number }; now?: Date; db?: Db },
): Promise<CompleteResult> {
  const now = input.now ?? new Date();
  const o = input.output;
  const total = input.progress?.total ?? null; // the last progress, which throttled heartbeats may not have stored
  return dbOf(input).write(async (tx) => {
    const rows = await tx.$queryRaw<JobRow[]>`
      UPDATE "Job" SET
        "state" = CASE WHEN "cancelRequested" THEN 'canceled' ELSE 'succeeded' END,
        "finishedAt" = ${now},
        "leaseExpiresAt" = NULL,
        "progressTotal" = coalesce(${total}, "progressTotal"),
        "progressStep" = CASE WHEN "cancelRequested" THEN "progressStep" ELSE coalesce(${total}, "progressTotal") END,
        "secondsPerStep" = ${o.secondsPerStep},
        "error" = NULL,
        ${CLEAR_RUN_STATE}
      WHERE ${fenced(input)}
      RETURNING *`;
    const row = rows[0];
    if (!row) {
      const existing = await tx.job.findUnique({ where: { id: input.jobId }, include: { video: true } });
      if (existing?.state === "succeeded" && existing.video) {
        const { video, ...job } = existing;
        return { status: "already-completed", job: toJob(job), video: toVideo(video) };
      }
      return { status: "lost" };
    }
    if (row.state === "canceled") return { status: "canceled", job: toJob(row) };

    const video = await tx.video.create({
      data: {
        id: o.videoId,
        jobId: row.id,
        slug: newId(),
        callerId: row.callerId,
        prompt: row.prompt,
        negativePrompt: row.negativePrompt,
        steps: o.steps,
        guidance: o.guidance,
        scheduler: o.scheduler,
        mp4Key: o.mp4Key,
        webmKey: o.webmKey ?? null,
        posterKey: o.posterKey ?? null,
        webpKey: o.webpKey ?? null,
        width: o.width,
        height: o.height,
        frames: o.frames,
        fps: o.fps,
        seed: BigInt(o.seed),
        modelId: o.modelId,
        timings: JSON.stringify(o.timings),
        plan: planColumn(o.plan),
        createdAt: now,
      },
    });
    await recordWorkerSpeed(tx, input.workerId, o.secondsPerStep, now);
    return { status: "completed", job: toJob(row), video: toVideo(video) };
  });
}

async function recordWorkerSpeed(tx: Tx, workerId: string, secondsPerStep: number | null, now: Date) {
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

export type FailResult = { status: "retrying"; job: Job } | { status: "failed"; job: Job } | { status: "canceled"; job: Job } | { status: "lost" };

/**
 * A run failed. With attempts left (and a retryable error) the job is queued again, not
 * before now + min(backoffMs * 2^(attempt-1), maxBackoffMs); otherwise it ends failed with
 * the error kept. A job whose cancel was asked for ends canceled instead.
 */
export async function failJob(
  input: Lease & { error: string; retryable: boolean; backoffMs: number; maxBackoffMs: number; now?: Date; db?: Db },
): Promise<FailResult> {
  const now = input.now ?? new Date();
  const retry = input.retryable ? Prisma.sql`("attempt" < "maxAttempts" AND NOT "cancelRequested")` : Prisma.sql`FALSE`;
  // The statement is fenced on the attempt, so the backoff can be worked out here.
  const backoffMs = Math.min(input.backoffMs * 2 ** (input.attempt - 1), input.maxBackoffMs);
  const rows = await dbOf(input).run((p) =>
    p.$queryRaw<JobRow[]>`
      UPDATE "Job" SET
        "state" = CASE WHEN "cancelRequested" THEN 'canceled' WHEN ${retry} THEN 'queued' ELSE 'failed' END,
        "runAt" = CASE WHEN ${retry} THEN ${timestamp(new Date(now.getTime() + backoffMs))} ELSE "runAt" END,
        "finishedAt" = CASE WHEN ${retry} THEN NULL ELSE ${timestamp(now)} END,
        "error" = ${input.error.slice(0, 4000)},
        "leaseExpiresAt" = NULL,
        ${clearRunStateWhen(Prisma.sql`NOT ${retry}`)}
      WHERE ${fenced(input)}
      RETURNING *`,
  );
  const row = rows[0];
  if (!row) return { status: "lost" };
  const job = toJob(row);
  return job.state === "queued" ? { status: "retrying", job } : job.state === "canceled" ? { status: "canceled", job } : { status: "failed", job };
}

/**
 * Gives a running job back without counting the attempt: the worker is shutting down.
 * A job whose cancel was asked for ends canceled instead.
 */
export async function releaseJob(input: Lease & { now?: Date; db?: Db }): Promise<{ status: "released" | "canceled"; job: Job } | { status: "lost" }> {
  const now = input.now ?? new Date();
  const rows = await dbOf(input).run((p) =>
    p.$queryRaw<JobRow[]>`
      UPDATE "Job" SET
        "state" = CASE WHEN "cancelRequested" THEN 'canceled' ELSE 'queued' END,
        "attempt" = CASE WHEN "cancelRequested" THEN "attempt" ELSE "attempt" - 1 END,
        "finishedAt" = CASE WHEN "cancelRequested" THEN ${timestamp(now)} ELSE NULL END,
        "runAt" = ${now},
        "leaseExpiresAt" = NULL,
        "progressStep" = 0,
        ${clearRunStateWhen(Prisma.sql`"cancelRequested"`)}
      WHERE ${fenced(input)}
      RETURNING *`,
  );
  const row = rows[0];
  if (!row) return { status: "lost" };
  const job = toJob(row);
  return { status: job.state === "canceled" ? "canceled" : "released", job };
}

/**
 * The supervisor: running jobs whose lease has passed (their worker died or hung) go back to
 * the queue, or end failed when no attempts are left (canceled if that was asked for).
 * Any process may run it, as often as it likes.
 */
export async function expireLeases(input: { now?: Date; db?: Db } = {}): Promise<{ requeued: Job[]; ended: Job[] }> {
  const now = input.now ?? new Date();
  const rows = await dbOf(input).run((p) =>
    p.$queryRaw<JobRow[]>`
      UPDATE "Job" SET
        "state" = CASE WHEN "cancelRequested" THEN 'canceled' WHEN "attempt" < "maxAttempts" THEN 'queued' ELSE 'failed' END,
        "finishedAt" = CASE WHEN "cancelRequested" OR "attempt" >= "maxAttempts" THEN ${timestamp(now)} ELSE NULL END,
        "error" = 'the worker stopped renewing its lease (attempt ' || "attempt" || ' of ' || "maxAttempts" || ', worker ' || coalesce("workerId", '?') || ')',
        "runAt" = ${now},
        "leaseExpiresAt" = NULL,
        ${clearRunStateWhen(Prisma.sql`("cancelRequested" OR "attempt" >= "maxAttempts")`)}
      WHERE "state" = 'running' AND "leaseExpiresAt" < ${now}
      RETURNING *`,
  );
  const jobs = rows.map(toJob);
  return { requeued: jobs.filter((j) => j.state === "queued"), ended: jobs.filter((j) => j.state !== "queued") };
}

// ------------------------------------------------------------------ owner side

/** Cancels a caller's job: a queued one at once, a running one by flagging it for its worker. */
export async function cancelJob(input: { jobId: string; callerId?: string; now?: Date; db?: Db }): Promise<Job> {
  const now = input.now ?? new Date();
  const owner = input.callerId === undefined ? Prisma.sql`TRUE` : Prisma.sql`"callerId" = ${input.callerId}`;
  return dbOf(input).write(async (tx) => {
    const rows = await tx.$queryRaw<JobRow[]>`
      UPDATE "Job" SET
        "cancelRequested" = TRUE,
        "state" = CASE WHEN "state" = 'queued' THEN 'canceled' ELSE "state" END,
        "finishedAt" = CASE WHEN "state" = 'queued' THEN ${timestamp(now)} ELSE "finishedAt" END,
        ${clearRunStateWhen(Prisma.sql`"state" = 'queued'`)}
      WHERE "id" = ${input.jobId} AND ${owner} AND "state" IN ('queued', 'running')
      RETURNING *`;
    if (rows[0]) return toJob(rows[0]);
    const row = await tx.job.findUnique({ where: { id: input.jobId } });
    if (!row || (input.callerId !== undefined && row.callerId !== input.callerId)) throw new AppError("NOT_FOUND", "no such job");
    if (row.state === "canceled") return toJob(row);
    throw new AppError("CONFLICT", `the job has already ${row.state}; only queued or running jobs can be canceled`);
  });
}

/** Puts a queued job (the caller's; any, without `callerId`: the admin) ahead of every other queued job. */
export async function moveJobToFront(input: { jobId: string; callerId?: string; db?: Db }): Promise<Job> {
  const owner = input.callerId === undefined ? Prisma.sql`TRUE` : Prisma.sql`"callerId" = ${input.callerId}`;
  return dbOf(input).write(async (tx) => {
    const rows = await tx.$queryRaw<JobRow[]>`
      UPDATE "Job" SET "priority" = (SELECT min("priority") FROM "Job" WHERE "state" = 'queued') - 1
      WHERE "id" = ${input.jobId} AND ${owner} AND "state" = 'queued'
      RETURNING *`;
    if (rows[0]) return toJob(rows[0]);
    const row = await tx.job.findUnique({ where: { id: input.jobId } });
    if (!row || (input.callerId !== undefined && row.callerId !== input.callerId)) throw new AppError("NOT_FOUND", "no such job");
    throw new AppError("CONFLICT", `the job is ${row.state}; only queued jobs can be moved`);
  });
}

/**
 * Puts a caller's queued job ahead of the caller's own other queued jobs only: the places the
 * caller's jobs hold in the queue stay theirs, and only who is in which changes (the job takes
 * the first, the ones it passed move one place on), so nobody else's job moves at all.
 * Priorities are renumbered to distinct even values in queue order, ending at 0 (what new jobs
 * get, so they still join at the back), then the caller's jobs swap theirs; one statement in
 * one write transaction, over a queue the global cap keeps bounded.
 */
export async function moveJobAheadOfOwn(input: { jobId: string; callerId: string; db?: Db }): Promise<Job> {
  return dbOf(input).write(async (tx) => {
    const row = await tx.job.findUnique({ where: { id: input.jobId } });
    if (!row || row.callerId !== input.callerId) throw new AppError("NOT_FOUND", "no such job");
    if (row.state !== "queued") throw new AppError("CONFLICT", `the job is ${row.state}; only queued jobs can be moved`);
    const queue = await tx.job.findMany({
      where: { state: "queued" },
      orderBy: [{ priority: "asc" }, { createdAt: "asc" }, { id: "asc" }],
      select: { id: true, callerId: true },
    });
    const priority = new Map(queue.map((j, i) => [j.id, -2 * (queue.length - 1 - i)]));
    const own = queue.filter((j) => j.callerId === input.callerId).map((j) => j.id);
    const at = own.indexOf(row.id);
    if (at <= 0) return toJob(row); // already first among its owner's
    const slots = own.slice(0, at + 1).map((id) => priority.get(id)!);
    const moved = [row.id, ...own.slice(0, at)]; // the job, then the ones it passes, into the same slots
    moved.forEach((id, i) => priority.set(id, slots[i]!));
    const cases = Prisma.join(
      [...priority].map(([id, p]) => Prisma.sql`WHEN ${id} THEN CAST(${p} AS INTEGER)`),
      " ",
    );
    await tx.$executeRaw`
      UPDATE "Job" SET "priority" = CASE "id" ${cases} ELSE "priority" END
      WHERE "state" = 'queued' AND "id" IN (${Prisma.join([...priority.keys()])})`;
    return toJob((await tx.job.findUnique({ where: { id: row.id } }))!);
  });
}

// ------------------------------------------------------------------ position and speed

export interface QueueSnapshot {
  job: Job;
  ahead: number; // queued jobs that will be claimed before it
  stepsAhead: number; // their denoising steps, plus what running jobs have left
  workers: { id: string; secondsPerStep: number | null }[]; // live: heartbeated within `liveWithinMs`, not stopped
  recentSecondsPerStep: number | null; // mean over recent finished jobs, whoever ran them
}

/** What an ETA needs, read in one go. Unknown step counts are taken as `defaultSteps`. */
export async function queueSnapshot(input: { jobId: string; defaultSteps: number; liveWithinMs: number; now?: Date; db?: Db }): Promise<QueueSnapshot> {
  const now = input.now ?? new Date();
  const d = input.defaultSteps;
  return dbOf(input).run(async (p) => {
    const row = await p.job.findUnique({ where: { id: input.jobId } });
    if (!row) throw new AppError("NOT_FOUND", "no such job");
    const job = toJob(row);
    const [queued] = await p.$queryRaw<{ n: bigint; steps: number | bigint | null }[]>`
      SELECT count(*) AS "n", sum(coalesce("steps", ${d}) * (1 + "extend")) AS "steps" FROM "Job"
      WHERE "state" = 'queued' AND ${job.state === "queued" ? Prisma.sql`TRUE` : Prisma.sql`FALSE`} AND (
        "priority" < ${job.priority} OR ("priority" = ${job.priority} AND ("createdAt" < ${job.createdAt}
          OR ("createdAt" = ${job.createdAt} AND "id" < ${job.id}))))`;
    const [running] = await p.$queryRaw<{ steps: number | bigint | null }[]>`
      SELECT sum(CASE WHEN "left" > 0 THEN "left" ELSE 0 END) AS "steps" FROM (
        SELECT CASE WHEN "progressTotal" > 0 THEN "progressTotal" ELSE coalesce("steps", ${d}) * (1 + "extend") END - "progressStep" AS "left"
        FROM "Job" WHERE "state" = 'running' AND "id" <> ${job.id}) AS "running"`;
    const live = new Date(now.getTime() - input.liveWithinMs);
    const workers = await p.worker.findMany({
      where: { heartbeatAt: { gte: live }, stoppedAt: null },
      select: { id: true, secondsPerStep: true },
      orderBy: { id: "asc" },
    });
    const recent = await p.job.findMany({
      where: { state: "succeeded", secondsPerStep: { not: null } },
      orderBy: { finishedAt: "desc" },
      take: 20,
      select: { secondsPerStep: true },
    });
    return {
      job,
      ahead: Number(queued?.n ?? 0),
      stepsAhead: Number(queued?.steps ?? 0) + Number(running?.steps ?? 0),
      workers,
      recentSecondsPerStep: recent.length ? recent.reduce((a, r) => a + r.secondsPerStep!, 0) / recent.length : null,
    };
  });
}
