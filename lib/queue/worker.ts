/**
 * The worker loop: claim -> handle (abortable) -> complete / fail, backing off when the
 * queue is empty and when the database errors; the supervisor (expired leases) runs from
 * here too, so any live worker recovers a dead one's job.
 *
 * A failure of the worker rather than of the job (its model files, provider or ffmpeg, a media
 * folder it cannot write: handlers.ts's isWorkerFault) releases the job without spending an
 * attempt, and the worker makes no claim for faultBackoffMs (doubling while faults repeat), so
 * a broken worker does not fail the queue's jobs one after another.
 *
 * While a job runs, its lease is renewed every leaseMs / 2 and at progress (at most every
 * progressEveryMs); a renewal that finds the job canceled or no longer ours aborts the run,
 * so a cancel takes effect within a step. stop() aborts the running job and hands it back
 * to the queue without counting the attempt, then returns.
 *
 * Resume states: the handler hands over its denoising state every few steps; it is stored on
 * the job (fenced on the lease), and the next attempt after a crash, a lost lease or a
 * shutdown gets it back to resume from. The latest preview rides on the heartbeats.
 *
 * Files: each run writes under <media>/<jobId>/ with names from a fresh video id (see
 * ./run-files.ts), and a finished run's files are put into the media store (lib/storage: the same
 * folder for the local store, so nothing moves; S3 for workers on other machines) before the
 * job completes. The worker removes its run's files and objects whenever the run does not end
 * as the job's video, and clears the job's on claim, so nothing of a dead run survives.
 */
import { hostname } from "node:os";

import type { Db } from "../db/client";
import { newId } from "../db/ids";
import type { Job, Lease } from "../db/jobs";
import { registerWorker, heartbeatWorker, stopWorker } from "../db/workers";
import { isRetryable, isWorkerFault, type JobHandler, type JobOutput, type ProgressEvent } from "./handlers";
import { QUEUE_DEFAULTS, claim, complete, expireLeases, fail, heartbeat, lastResumeState, release, describeError, saveResumeState } from "./index";
import { clearJobDir, makeRootPrivate, mediaKey, mediaRoot, prepareRun, removeRunFiles, sweepMedia, sweepStore } from "./run-files";
import { encodePreview } from "./preview";
import { mediaStore, type MediaStore } from "../storage";
import { LocalMediaStore } from "../storage/local";

export interface WorkerOptions {
  handler: JobHandler;
  db?: Db;
  id?: string; // default host-pid-random
  leaseMs?: number;
  mediaRoot?: string; // where runs are written (MEDIA_ROOT)
  store?: MediaStore; // where finished files go; default from MEDIA_STORE (lib/storage), a local one being mediaRoot
  idleMs?: { min: number; max: number }; // polling backoff when the queue is empty (and after errors)
  faultBackoffMs?: { min: number; max: number }; // rest after a fault of this worker (model, provider, ffmpeg, disk), doubling while they repeat
  supervisorEveryMs?: number; // how often to expire stale leases; default leaseMs / 2
  progressEveryMs?: number; // least time between progress writes; default 250
  provider?: string; // recorded in the Worker row
  model?: string;
  log?: (line: string) => void;
  onProgress?: (job: Job, event: ProgressEvent) => void; // e.g. to forward live previews
}

export interface QueueWorker {
  readonly id: string;
  /** Registers the worker, sweeps orphan files, and runs the loop until stop(). */
  start(): Promise<void>;
  /** Claims and handles at most one job; false if there was none. (Tests drive the worker with this.) */
  runOnce(): Promise<boolean>;
  /** Aborts the running job, returns it to the queue, and waits for the loop to end. */
  stop(): Promise<void>;
}

type AbortWhy = "shutdown" | "canceled" | "lost";

/** A claimed job's run: its lease, and the video id its files are named after. */
interface Run {
  job: Job;
  lease: Lease;
  videoId: string;
  outBase: string; // <media>/<jobId>/<videoId>, without extension
}

interface StoredFile {
  file: string;
  key: string;
}

/** How a run went so far: its output (null: aborted or failed, `failure` says why) and the files it put in the store. */
interface Outcome {
  output: JobOutput | null;
  stored: StoredFile[];
  failure: unknown;
}

export function createWorker(options: WorkerOptions): QueueWorker {
  const id = options.id ?? `${hostname()}-${process.pid}-${newId().slice(0, 6)}`;
  const db = options.db;
  const leaseMs = options.leaseMs ?? QUEUE_DEFAULTS.leaseMs;
  const root = options.mediaRoot ?? mediaRoot();
  const store = options.store ?? defaultStore(root);
  // The local store in the run folder itself: its objects are the run files, handled as such.
  const storeIsRoot = store.kind === "local" && store.where === root;
  const idle = options.idleMs ?? { min: 250, max: 5_000 };
  const faultBackoff = options.faultBackoffMs ?? { min: 5_000, max: 5 * 60_000 };
  const supervisorEveryMs = options.supervisorEveryMs ?? leaseMs / 2;
  const progressEveryMs = options.progressEveryMs ?? 250;
  const log = options.log ?? ((line: string) => console.log(`[worker ${id}] ${line}`));

  let stopping = false;
  let current: { abort(why: AbortWhy): void } | null = null;
  let wake: (() => void) | null = null;
  let loop: Promise<void> | null = null;
  let lastSupervisor = 0;
  let announcing: ReturnType<typeof setInterval> | null = null;
  let faults = 0; // this worker's own faults in a row; it rests longer after each
  let claimsResumeAt = 0; // no claims before this (a fault's rest); the supervisor still runs

  /** The job was not its fault: it goes back without spending an attempt, and the worker rests. */
  async function releaseForFault(job: Job, lease: Lease, err: unknown) {
    faults++;
    const restMs = Math.min(faultBackoff.min * 2 ** (faults - 1), faultBackoff.max);
    claimsResumeAt = Date.now() + restMs;
    const r = await release({ ...lease, db });
    const outcome = r.status === "released" ? "returned to the queue, attempt not counted" : r.status;
    log(`job ${job.id}: this worker cannot run it (${describeError(err)}) -> ${outcome}; no claims for ${restMs} ms`);
  }

  /** Sleeps up to ms, cut short by stop(). */
  const rest = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        wake = null;
        resolve();
      }
      wake = done;
    });

  async function supervise(now: number) {
    if (now - lastSupervisor < supervisorEveryMs) return;
    lastSupervisor = now;
    const { requeued, ended } = await expireLeases({ db });
    for (const job of requeued) log(`job ${job.id}: lease expired, queued again (attempt ${job.attempt} of ${job.maxAttempts})`);
    for (const job of ended) {
      log(`job ${job.id}: lease expired, ${job.state}`);
      await clearJob(job.id); // ended without a video; nobody will claim it again
    }
  }

  /** Everything of a job: its run folder, and its objects in the store. */
  async function clearJob(jobId: string) {
    await clearJobDir(root, jobId);
    if (!storeIsRoot) await store.remove(await store.listJob(jobId));
  }

  /**
   * One claimed job, in order: prepare its run folder -> make the run abortable -> heartbeat
   * while the handler runs -> put the finished files into the store -> complete the job; a run
   * that does not end as the job's video is dropped instead (files removed, job released or
   * failed).
   */
  async function handle(job: Job): Promise<void> {
    const run = await prepare(job);
    if (!run) return;
    const abort = abortable();
    const beats = heartbeats(run, abort.abort);
    const ran = await runHandler(run, abort.signal, beats);
    const put = ran.output ? await putFiles(run, ran.output) : ran;
    if (put.output) {
      await completeRun(run, put.output, beats.progress(), put.stored);
      return;
    }
    await dropRun(run, abort.why(), put.failure);
  }

  /** Clears what a dead earlier run left and makes this run's folder; null when this worker cannot (the job went back). */
  async function prepare(job: Job): Promise<Run | null> {
    const lease: Lease = { jobId: job.id, workerId: id, attempt: job.attempt };
    log(`job ${job.id}: claimed (attempt ${job.attempt} of ${job.maxAttempts})`);
    const videoId = newId();
    try {
      await clearJob(job.id); // what a dead earlier run left behind
      return { job, lease, videoId, outBase: await prepareRun(root, job.id, videoId) };
    } catch (err) {
      // A full disk or an unwritable media folder is this worker's trouble, not the job's: it
      // goes back at once (rather than sitting "running" until its lease runs out).
      await releaseForFault(job, lease, new Error(`cannot prepare its media folder: ${describeError(err)}`));
      return null;
    }
  }

  /** The run's abort: the first reason wins; stop() and the heartbeats call it. */
  function abortable() {
    const controller = new AbortController();
    let why: AbortWhy | null = null;
    const abort = (reason: AbortWhy) => {
      if (why) return;
      why = reason;
      controller.abort(new Error(`job ${reason === "lost" ? "lease lost" : reason}`));
    };
    current = { abort };
    if (stopping) abort("shutdown"); // stop() came while this job was being claimed
    return { abort, signal: controller.signal, why: () => why };
  }

  /**
   * The lease renewed every leaseMs / 2 and at progress (at most every progressEveryMs),
   * carrying the latest progress and preview; a renewal that finds the job canceled or no
   * longer ours aborts the run.
   */
  function heartbeats(run: Run, abort: (why: AbortWhy) => void) {
    let progress: { step: number; total: number } | undefined;
    let preview: Uint8Array | undefined; // the newest one not yet stored
    let beating: Promise<void> | null = null;
    let lastBeat = Date.now();
    const beat = () => {
      if (beating) return;
      lastBeat = Date.now();
      const sending = preview;
      preview = undefined;
      beating = heartbeat({ ...run.lease, leaseMs, progress, preview: sending, db })
        .then((status) => {
          if (status !== "ok") abort(status);
        })
        .catch((err: unknown) => log(`job ${run.job.id}: heartbeat failed: ${describeError(err)}`)) // the next one may succeed; the lease has slack
        .finally(() => {
          beating = null;
        });
    };
    const timer = setInterval(beat, leaseMs / 2);
    return {
      progress: () => progress,
      onProgress(event: ProgressEvent) {
        progress = { step: event.step, total: event.total };
        preview = encodePreview(event.preview) ?? preview;
        options.onProgress?.(run.job, event);
        if (Date.now() - lastBeat >= progressEveryMs) beat();
      },
      /** Stores a resume state, which renews the lease too. */
      async saveResumeState(step: number, bytes: Uint8Array) {
        const status = await saveResumeState({ ...run.lease, leaseMs, step, bytes, db });
        if (status !== "ok") abort(status);
      },
      /** No more beats; resolves once the one in flight (if any) has landed. */
      async stop() {
        clearInterval(timer);
        await beating;
      },
    };
  }

  /** The handler, given the resume state an earlier attempt left; its output, or why it has none. */
  async function runHandler(run: Run, signal: AbortSignal, beats: ReturnType<typeof heartbeats>): Promise<Outcome> {
    const { job, outBase } = run;
    try {
      const resume = await lastResumeState({ jobId: job.id, db });
      const output = await options.handler({
        job,
        signal,
        outBase,
        resume,
        progress: beats.onProgress,
        saveResumeState: beats.saveResumeState,
        log: (line) => log(`job ${job.id}: ${line}`),
      });
      return { output, stored: [], failure: null };
    } catch (err) {
      return { output: null, stored: [], failure: err };
    } finally {
      await beats.stop();
      current = null;
    }
  }

  /** A finished run's files into the store first, so a completed job's clip is servable at once; a failure to is retried like any failed run. */
  async function putFiles(run: Run, output: JobOutput): Promise<Outcome> {
    const stored = runFiles(output, root);
    try {
      for (const f of stored) await store.put(f.key, f.file);
      return { output, stored, failure: null };
    } catch (err) {
      await dropObjects(stored).catch((e: unknown) => log(`job ${run.job.id}: removing its stored files: ${describeError(e)}`));
      return { output: null, stored: [], failure: err };
    }
  }

  /** Finished, even if an abort came too late to stop it: complete() decides (a cancel still wins). */
  async function completeRun(run: Run, output: JobOutput, progress: { step: number; total: number } | undefined, stored: StoredFile[]) {
    const { job, lease, videoId } = run;
    faults = 0;
    const result = await complete({ ...lease, output: toVideoOutput(output, root, videoId), progress, db });
    if (result.status === "completed") {
      const resumed = output.resumedAtStep > 0 ? ` (resumed at step ${output.resumedAtStep})` : "";
      log(`job ${job.id}: succeeded, video ${result.video.id}${resumed}`);
    } else if (result.status === "already-completed" && result.video.id === videoId) {
      log(`job ${job.id}: already recorded as succeeded`);
    } else {
      log(`job ${job.id}: finished but ${result.status}; its files are removed`);
      await removeRunFiles(root, job.id, videoId);
      await dropObjects(stored);
    }
  }

  /** An aborted or failed run leaves nothing behind; the job goes back, or fails, as the abort or the failure says. */
  async function dropRun(run: Run, why: AbortWhy | null, failure: unknown) {
    const { job, lease, videoId } = run;
    await removeRunFiles(root, job.id, videoId);
    if (why === "lost") {
      log(`job ${job.id}: lease lost; dropped`);
    } else if (why === "shutdown") {
      const r = await release({ ...lease, db });
      log(`job ${job.id}: ${r.status === "released" ? "returned to the queue" : r.status} (worker stopping)`);
    } else if (why === null && isWorkerFault(failure)) {
      await releaseForFault(job, lease, failure);
    } else {
      const canceled = why === "canceled";
      const r = await fail({ ...lease, error: canceled ? "canceled by its owner" : failure, retryable: !canceled && isRetryable(failure), db });
      const detail = r.status === "retrying" ? `, retry at ${r.job.runAt.toISOString()}` : "";
      log(`job ${job.id}: ${canceled ? "canceled" : `attempt failed: ${describeError(failure)}`} -> ${r.status}${detail}`);
    }
  }

  /** A run's objects in the store (nothing to do where the store is the run folder itself). */
  const dropObjects = (stored: StoredFile[]) => (storeIsRoot ? Promise.resolve() : store.remove(stored.map((f) => f.key)));

  async function runOnce(): Promise<boolean> {
    const job = await claim({ workerId: id, leaseMs, db });
    if (!job) return false;
    await handle(job);
    return true;
  }

  async function run(): Promise<void> {
    let wait = idle.min;
    while (!stopping) {
      try {
        const now = Date.now();
        await supervise(now);
        if (stopping) break;
        if (now < claimsResumeAt) {
          await rest(Math.min(claimsResumeAt - now, supervisorEveryMs));
          continue;
        }
        if (await runOnce()) {
          wait = idle.min;
          continue;
        }
      } catch (err) {
        log(`error: ${describeError(err)}; backing off ${wait} ms`);
      }
      await rest(Math.min(wait, supervisorEveryMs)); // the supervisor runs on time even when idle
      wait = Math.min(wait * 2, idle.max);
    }
  }

  return {
    id,
    runOnce,
    async start() {
      await makeRootPrivate(root);
      await registerWorker({ id, host: hostname(), pid: process.pid, provider: options.provider ?? "cpu", model: options.model ?? "", db });
      const swept = [...(await sweepMedia({ root, db })), ...(storeIsRoot ? [] : await sweepStore({ store, db }))];
      if (swept.length) log(`removed ${swept.length} orphan media path(s)`);
      log(`started (lease ${leaseMs} ms, runs in ${root}, media store ${store.where})`);
      // The fleet sees this worker alive while it runs a long job too, not only between jobs.
      announcing = setInterval(() => {
        heartbeatWorker({ workerId: id, db }).catch((err: unknown) => log(`worker heartbeat failed: ${describeError(err)}`));
      }, leaseMs / 2);
      loop = run();
      await loop;
    },
    async stop() {
      stopping = true;
      if (announcing) clearInterval(announcing);
      current?.abort("shutdown");
      wake?.();
      await loop;
      await stopWorker({ workerId: id, db }).catch((err: unknown) => log(`could not record the stop: ${describeError(err)}`));
      log("stopped");
    },
  };
}

/** MEDIA_STORE's store; a local one is this worker's own run folder (whatever mediaRoot says). */
function defaultStore(root: string): MediaStore {
  const fromEnv = mediaStore();
  return fromEnv.kind === "local" ? new LocalMediaStore(root) : fromEnv;
}

/** A finished run's files and their store keys. */
function runFiles(o: JobOutput, root: string): StoredFile[] {
  return [o.files.mp4, o.files.webm, o.files.poster, o.files.webp]
    .filter((f): f is string => f !== undefined)
    .map((file) => ({ file, key: mediaKey(root, file) }));
}

function toVideoOutput(o: JobOutput, root: string, videoId: string) {
  const key = (file: string | undefined) => (file ? mediaKey(root, file) : undefined);
  return {
    videoId,
    mp4Key: mediaKey(root, o.files.mp4),
    webmKey: key(o.files.webm),
    posterKey: key(o.files.poster),
    webpKey: key(o.files.webp),
    width: o.width,
    height: o.height,
    frames: o.frames,
    fps: o.fps,
    aspect: o.aspect,
    loop: o.loop,
    seed: o.seed,
    steps: o.steps,
    guidance: o.guidance,
    scheduler: o.scheduler,
    modelId: o.modelId,
    timings: o.timings,
    secondsPerStep: o.secondsPerStep,
    plan: o.plan,
  };
}
