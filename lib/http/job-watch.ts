/**
 * What the job event streams (GET /api/jobs/[id]/events) share: one poller for every job
 * watched in this process, however many streams watch each, and a cap on the streams one
 * caller holds open.
 *
 * Every SPACETIME_SSE_POLL_MS (default 500 ms) while anything is watched, the poller reads all
 * watched jobs in one statement and, while one of them is queued, a stamp (change key) of the queue
 * in another; a job's view (as
 * GET /api/jobs/[id] shows it, plus its latest latent preview while running) is built again
 * only when its row changed, or, for a queued job, when the queue did (its position may have),
 * all of a poll's changed views together in a fixed number of statements (./views.ts).
 * Each new snapshot is serialized once and handed to every stream of that job. A watch ends
 * at the job's terminal state or when its last stream leaves.
 */
import { setTimeout as sleep } from "node:timers/promises";

import { webConfig } from "../config";
import { AppError } from "../db/errors";
import type { Job } from "../db/jobs";
import { jobsByIds, queueFingerprint } from "../db/watch";
import { isTerminal } from "../queue";
import { previewView } from "../queue/preview";
import { callerJobViews, jobViews, type JobView } from "./views";

export interface Snapshot {
  id: string; // names the snapshot: the stream's event id (Last-Event-ID)
  view: JobView;
  data: string; // the view as JSON, made once for all streams
}

export interface Watcher {
  snapshot(s: Snapshot): void;
  error(err: unknown): void;
}

interface Watch {
  jobId: string;
  callerId: string;
  watchers: Set<Watcher>;
  latest: Snapshot | null;
  seen: string | null; // the row and queue stamps (change keys) the latest snapshot was built from
  ready: Promise<void>; // its first snapshot, from the job as the first stream's request read it
}

const watches = new Map<string, Watch>();
const openStreams = new Map<string, number>();
let polling = false;

const pollMs = () => webConfig().ssePollMs;

export const maxStreamsPerCaller = () => webConfig().maxStreamsPerCaller;

export function snapshotId(v: JobView): string {
  return [v.state, v.progress.step, v.progress.total, v.position ?? "-", v.cancelRequested ? "c" : "", v.video?.id ?? ""].join(".");
}

/**
 * Holds one of the caller's stream slots: RATE_LIMITED (429) past maxStreamsPerCaller().
 * The returned function gives it back (once, however often it is called).
 */
export function openStream(callerId: string): () => void {
  const open = openStreams.get(callerId) ?? 0;
  const max = maxStreamsPerCaller();
  if (open >= max) {
    throw new AppError("RATE_LIMITED", `you have ${open} event streams open, the most allowed at once is ${max}: close some tabs`, { retryAfterSeconds: 10 });
  }
  openStreams.set(callerId, open + 1);
  let held = true;
  return () => {
    if (!held) return;
    held = false;
    const left = (openStreams.get(callerId) ?? 1) - 1;
    if (left > 0) openStreams.set(callerId, left);
    else openStreams.delete(callerId);
  };
}

/**
 * Watches a job of the caller's (`job`, as the request read it): `w.snapshot` gets the newest
 * snapshot at once if the job is already watched, then every new one; `w.error` if the job can
 * no longer be read (the watch then ends). Returns the function that stops watching.
 */
export function watchJob(job: Job, callerId: string, w: Watcher): () => void {
  const jobId = job.id;
  const key = `${callerId}/${jobId}`;
  let watch = watches.get(key);
  if (!watch) {
    const fresh: Watch = { jobId, callerId, watchers: new Set(), latest: null, seen: null, ready: Promise.resolve() };
    // The first snapshot at once, not after an interval, and of the job as the request found it.
    fresh.ready = refresh(fresh, job, null, "first").catch((err: unknown) => end(fresh, err));
    watches.set(key, fresh);
    watch = fresh;
  } else if (watch.latest) {
    const latest = watch.latest;
    queueMicrotask(() => w.snapshot(latest));
  }
  watch.watchers.add(w);
  if (!polling) {
    polling = true;
    void poll();
  }
  const current = watch;
  return () => {
    current.watchers.delete(w);
    if (current.watchers.size === 0 && watches.get(key) === current) watches.delete(key);
  };
}

function end(watch: Watch, err?: unknown) {
  const key = `${watch.callerId}/${watch.jobId}`;
  if (watches.get(key) === watch) watches.delete(key);
  if (err !== undefined) for (const w of [...watch.watchers]) w.error(err);
}

const rowStamp = (j: Job) => [j.state, j.progressStep, j.progressTotal, j.cancelRequested, j.attempt, j.priority, j.finishedAt?.getTime() ?? ""].join(".");

async function poll(): Promise<void> {
  try {
    while (watches.size > 0) {
      const batch = [...watches.values()];
      try {
        await Promise.all(batch.map((w) => w.ready)); // new watches' first snapshots go first
        const jobs = await jobsByIds({ jobIds: [...new Set(batch.map((w) => w.jobId))] });
        const anyQueued = [...jobs.values()].some(({ job }) => job.state === "queued");
        const queue = anyQueued ? await queueFingerprint() : "";
        const changed: { watch: Watch; job: Job; preview: Uint8Array | null; seen: string }[] = [];
        for (const watch of batch) {
          const { job, preview } = jobs.get(watch.jobId) ?? {};
          if (!job || job.callerId !== watch.callerId) {
            end(watch, new AppError("NOT_FOUND", "no such job"));
            continue;
          }
          // A queued job's position follows the queue; anything else shows only its own row.
          const seen = job.state === "queued" ? `${rowStamp(job)}/${queue}` : rowStamp(job);
          if (seen !== watch.seen) changed.push({ watch, job, preview: preview ?? null, seen });
        }
        const views = await callerJobViews(changed.map(({ watch, job }) => ({ job, callerId: watch.callerId })));
        changed.forEach(({ watch, job, preview, seen }, i) => publish(watch, job, preview, seen, views[i]!));
        for (const watch of batch) if (watch.latest && isTerminal(watch.latest.view.state)) end(watch);
      } catch (err) {
        console.error("[events]", err);
        for (const watch of batch) end(watch, err);
      }
      await sleep(pollMs());
    }
  } finally {
    polling = false;
  }
}

/** A new snapshot from a job's row and the preview read with it (shown while the view is of the running job). */
async function refresh(watch: Watch, job: Job, preview: Uint8Array | null, seen: string): Promise<void> {
  const [view] = await jobViews([job], watch.callerId);
  publish(watch, job, preview, seen, view!);
}

/** Hands `view`, made from `job` (and `preview`), to the watch's streams unless they have it already. */
function publish(watch: Watch, job: Job, preview: Uint8Array | null, seen: string, view: JobView): void {
  const id = snapshotId(view);
  watch.seen = seen;
  if (id === watch.latest?.id) return;
  if (view.state === "running") view.preview = preview && job.state === "running" ? previewView(preview) : null;
  watch.latest = { id, view, data: JSON.stringify(view) };
  for (const w of [...watch.watchers]) w.snapshot(watch.latest);
}
