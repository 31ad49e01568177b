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
 * passed in as `now` so the queue can be driven deterministically in tests. What the
 * transitions consult or write besides the job lives with its own data: the submit limits in
 * ./limits.ts, a finished job's clip in ./videos.ts, its worker's speed in ./workers.ts; the
 * reads of where jobs stand (positions, ETAs) are ./positions.ts.
 */
import { Prisma, type Job as JobRow } from "@prisma/client";

import { SETTING_KEYS, type JobSettings } from "../pipeline/contract";

import { getDb, type Db } from "./client";
import { decodeKeyset, keysetText, toCursor } from "./cursor";
import { AppError } from "./errors";
import { newId } from "./ids";
import { continueOfColumn, type ContinueOf } from "./continue-column";
import { planColumn, planFromColumn } from "./plan-column";
import { shotsColumn, shotsFromColumn } from "./shots-column";
import { storyboardPrompt } from "../storyboard/schema";
import { checkSubmitLimits, type SubmitLimits } from "./limits";
import { insertVideo, toVideo, type Video, type VideoOutput } from "./videos";
import { recordWorkerSpeed } from "./workers";

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

export function toJob(row: JobRow): Job {
  const { checkpoint: _checkpoint, preview: _preview, seed, ...rest } = row;
  return { ...rest, state: row.state as JobState, seed: seed === null ? null : Number(seed) };
}

/** A job's settings as its row keeps them: a setting left out is null, the model's default when it runs. */
function settingsColumns(s: JobSettings) {
  return {
    prompt: s.prompt ?? storyboardPrompt(s.shots ?? []), // the contract gives exactly one of the two
    negativePrompt: s.negativePrompt,
    seed: s.seed === undefined ? null : BigInt(s.seed),
    steps: s.steps ?? null,
    guidance: s.guidance ?? null,
    frames: s.frames ?? null,
    extend: s.extend,
    scheduler: s.scheduler ?? null,
    fps: s.fps ?? null,
    aspect: s.aspect ?? null,
    loop: s.loop,
    plan: planColumn(s.plan),
    shots: shotsColumn(s.shots),
  };
}

/** A job's settings back from its row (the contract's record: what its worker hands the pipeline). */
export function settingsOf(job: Job): JobSettings {
  const shots = shotsFromColumn(job.shots);
  // A storyboard's prompt column is its shots' prompts joined: the shots are the setting.
  const defined = SETTING_KEYS.filter((k) => job[k] !== null && !(shots && k === "prompt")).map((k) => [k, job[k]]);
  const plan = planFromColumn(job.plan);
  return { ...Object.fromEntries(defined), ...(plan === undefined ? {} : { plan }), ...(shots ? { shots } : {}) } as JobSettings;
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

const state = (s: JobState) => Prisma.raw(`'${s}'`);

/** A state as a job whose cancel was asked for ends instead: canceled. */
const canceledElse = (s: JobState) => Prisma.sql`CASE WHEN "cancelRequested" THEN 'canceled' ELSE ${state(s)} END`;

/** What a running job that does not end goes back to: the queue, unfinished. */
const QUEUED_AGAIN = { state: state("queued"), finishedAt: Prisma.sql`NULL` };

/**
 * The columns that every statement ending jobs sets in parallel. The rows where `when` holds
 * (every row, without it) end: they take the state `ends`, finish now and drop their
 * checkpoint, which a finished job no longer needs. The others take `otherwise` and keep
 * their checkpoint for the next attempt. The preview goes either way.
 */
function ending(
  o: { ends: Prisma.Sql; now: Date } & ({ when?: undefined } | { when: Prisma.Sql; otherwise: { state: Prisma.Sql; finishedAt: Prisma.Sql } }),
): Prisma.Sql {
  const { ends, now } = o;
  if (o.when === undefined) {
    return Prisma.sql`"state" = ${ends}, "finishedAt" = ${now}, "checkpoint" = NULL, "checkpointStep" = NULL, "checkpointAt" = NULL, "preview" = NULL`;
  }
  const { when, otherwise } = o;
  return Prisma.sql`
    "state" = CASE WHEN ${when} THEN ${ends} ELSE ${otherwise.state} END,
    "finishedAt" = CASE WHEN ${when} THEN ${timestamp(now)} ELSE ${otherwise.finishedAt} END,
    "checkpoint" = CASE WHEN ${when} THEN NULL ELSE "checkpoint" END,
    "checkpointStep" = CASE WHEN ${when} THEN NULL ELSE "checkpointStep" END,
    "checkpointAt" = CASE WHEN ${when} THEN NULL ELSE "checkpointAt" END,
    "preview" = NULL`;
}

/** A lease of `leaseMs` from now, as a claim takes it and a heartbeat renews it. */
const renewLease = (leaseMs: number, now: Date) => Prisma.sql`"leaseExpiresAt" = ${new Date(now.getTime() + leaseMs)}, "heartbeatAt" = ${now}`;

/** A heartbeat's answer from the row it updated (RETURNING "cancelRequested"), if it did. */
const heartbeatStatus = (rows: { cancelRequested: boolean }[]): HeartbeatStatus => (!rows[0] ? "lost" : rows[0].cancelRequested ? "canceled" : "ok");

// ------------------------------------------------------------------ submit

export interface InsertJobInput {
  callerId: string;
  idempotencyKey?: string;
  settings: JobSettings;
  continueOf?: ContinueOf; // the clip it continues from a frame (settings are the new clip's)
  maxAttempts: number;
  limits: SubmitLimits; // limits.address is also recorded on the job, for the anonymous cap
  now?: Date;
  db?: Db;
}

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
        if (!sameSettings(job, settings) || job.continueOf !== continueOfColumn(input.continueOf)) {
          throw new AppError("CONFLICT", "this idempotency key was already used for a job with different settings");
        }
        return { job, created: false };
      }
    }

    await checkSubmitLimits(tx, { callerId, settings, limits, now });

    const row = await tx.job.create({
      data: {
        id: newId(),
        callerId,
        submitAddress: limits.address?.value ?? null,
        idempotencyKey: idempotencyKey ?? null,
        ...settingsColumns(settings),
        continueOf: continueOfColumn(input.continueOf),
        maxAttempts: input.maxAttempts,
        runAt: now,
        createdAt: now,
      },
    });
    return { job: toJob(row), created: true };
  });
}

function sameSettings(job: Job, s: JobSettings): boolean {
  const { prompt, plan, shots } = settingsColumns(s); // the JSON and the prompt a storyboard derives, as stored
  return SETTING_KEYS.every((k) => k === "prompt" || (job[k] ?? null) === (s[k] ?? null)) && job.prompt === prompt && job.plan === plan && job.shots === shots;
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
  const after = input.cursor ? decodeKeyset(input.cursor) : null;
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
  const nextCursor = rows.length > limit && last ? toCursor(keysetText(last)) : null;
  return { jobs, nextCursor };
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
        ${renewLease(input.leaseMs, now)},
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
        ${renewLease(input.leaseMs, now)},
        "progressStep" = coalesce(${step}, "progressStep"),
        "progressTotal" = coalesce(${total}, "progressTotal"),
        "preview" = coalesce(${preview}, "preview")
      WHERE ${fenced(input)}
      RETURNING "cancelRequested"`,
  );
  return heartbeatStatus(rows);
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
        ${renewLease(input.leaseMs, now)}
      WHERE ${fenced(input)}
      RETURNING "cancelRequested"`,
  );
  return heartbeatStatus(rows);
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
        ${ending({ ends: canceledElse("succeeded"), now })},
        "leaseExpiresAt" = NULL,
        "progressTotal" = coalesce(${total}, "progressTotal"),
        "progressStep" = CASE WHEN "cancelRequested" THEN "progressStep" ELSE coalesce(${total}, "progressTotal") END,
        "secondsPerStep" = ${o.secondsPerStep},
        "error" = NULL
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

    const video = await insertVideo(tx, { job: row, output: o, now });
    await recordWorkerSpeed(tx, input.workerId, o.secondsPerStep, now);
    return { status: "completed", job: toJob(row), video };
  });
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
        ${ending({ when: Prisma.sql`NOT ${retry}`, ends: canceledElse("failed"), otherwise: QUEUED_AGAIN, now })},
        "runAt" = CASE WHEN ${retry} THEN ${timestamp(new Date(now.getTime() + backoffMs))} ELSE "runAt" END,
        "error" = ${input.error.slice(0, 4000)},
        "leaseExpiresAt" = NULL
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
        ${ending({ when: Prisma.sql`"cancelRequested"`, ends: state("canceled"), otherwise: QUEUED_AGAIN, now })},
        "attempt" = CASE WHEN "cancelRequested" THEN "attempt" ELSE "attempt" - 1 END,
        "runAt" = ${now},
        "leaseExpiresAt" = NULL,
        "progressStep" = 0
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
        ${ending({ when: Prisma.sql`("cancelRequested" OR "attempt" >= "maxAttempts")`, ends: canceledElse("failed"), otherwise: QUEUED_AGAIN, now })},
        "error" = 'the worker stopped renewing its lease (attempt ' || "attempt" || ' of ' || "maxAttempts" || ', worker ' || coalesce("workerId", '?') || ')',
        "runAt" = ${now},
        "leaseExpiresAt" = NULL
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
        ${ending({ when: Prisma.sql`"state" = 'queued'`, ends: state("canceled"), otherwise: { state: Prisma.sql`"state"`, finishedAt: Prisma.sql`"finishedAt"` }, now })}
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
