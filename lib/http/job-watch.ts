/**
 * What the job event streams (GET /api/jobs/[id]/events) share: one poller per watched job,
 * however many streams watch it, fanned out to all of them, and a cap on the streams one
 * caller holds open in this process.
 *
 * The poller reads the job (as GET /api/jobs/[id] shows it, plus its latest latent preview
 * while running) every SPACETIME_SSE_POLL_MS (default 500 ms) while anyone watches, and hands
 * each new snapshot to every watcher; it stops at the job's terminal state or when the last
 * watcher leaves. A caller's live jobs are capped (lib/queue's maxActivePerCaller), so a
 * caller costs at most that many pollers, whatever the number of tabs or streams.
 */
import { setTimeout as sleep } from "node:timers/promises";

import { AppError } from "../db/errors";
import { getJob, readPreview } from "../db/jobs";
import { isTerminal } from "../queue";
import { previewView } from "../queue/preview";
import { jobViews, type JobView } from "./views";

export interface Snapshot {
  id: string; // names the snapshot: the stream's event id (Last-Event-ID)
  view: JobView;
}

export interface Watcher {
  snapshot(s: Snapshot): void;
  error(err: unknown): void;
}

interface Watch {
  watchers: Set<Watcher>;
  latest: Snapshot | null;
}

const watches = new Map<string, Watch>();
const openStreams = new Map<string, number>();

function pollMs(): number {
  const n = Number(process.env.SPACETIME_SSE_POLL_MS);
  return Number.isFinite(n) && n >= 10 ? n : 500;
}

export function maxStreamsPerCaller(): number {
  const n = Number(process.env.SPACETIME_MAX_STREAMS_PER_CALLER);
  return Number.isInteger(n) && n >= 1 ? n : 200;
}

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
 * Watches a job of the caller's: `w.snapshot` gets the newest snapshot at once if the job is
 * already watched, then every new one; `w.error` if the poller fails (the watch then ends).
 * Returns the function that stops watching.
 */
export function watchJob(jobId: string, callerId: string, w: Watcher): () => void {
  const key = `${callerId}/${jobId}`;
  let watch = watches.get(key);
  if (!watch) {
    const fresh: Watch = { watchers: new Set(), latest: null };
    watches.set(key, fresh);
    void poll(key, jobId, callerId, fresh);
    watch = fresh;
  } else if (watch.latest) {
    const latest = watch.latest;
    queueMicrotask(() => w.snapshot(latest));
  }
  watch.watchers.add(w);
  const current = watch;
  return () => {
    current.watchers.delete(w);
  };
}

async function poll(key: string, jobId: string, callerId: string, watch: Watch): Promise<void> {
  try {
    for (;;) {
      const [view] = await jobViews([await getJob({ jobId, callerId })], callerId);
      const id = snapshotId(view!);
      if (id !== watch.latest?.id) {
        if (view!.state === "running") {
          const bytes = await readPreview({ jobId, callerId });
          view!.preview = bytes && previewView(bytes);
        }
        watch.latest = { id, view: view! };
        for (const w of [...watch.watchers]) w.snapshot(watch.latest);
      }
      if (isTerminal(view!.state)) break;
      await sleep(pollMs());
      if (watch.watchers.size === 0) break;
    }
  } catch (err) {
    console.error(`[events ${jobId}]`, err);
    for (const w of [...watch.watchers]) w.error(err);
  } finally {
    if (watches.get(key) === watch) watches.delete(key);
  }
}
