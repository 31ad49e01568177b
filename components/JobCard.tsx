"use client";
/**
 * One job: queue position, progress bar, ETA, the live latent preview, cancel, and the
 * finished clip playing in place.
 * Live updates come from /api/jobs/[id]/events (EventSource reconnects with Last-Event-ID
 * by itself; ./job-events.ts); the stream ends at the job's terminal state, and trouble with
 * it (the server's `event: error`, a dropped connection) shows on the card until it recovers.
 */
import Link from "next/link";
import { useEffect, useState } from "react";

import type { JobView } from "@/lib/http/views";
import { isTerminal } from "@/lib/queue/states";

import { api, formatEta } from "./api";
import { subscribeJobEvents } from "./job-events";
import { LatentPreview } from "./LatentPreview";

export function JobCard({ initial, onChange }: { initial: JobView; onChange?: (job: JobView) => void }) {
  const [job, setJob] = useState(initial);
  const [preview, setPreview] = useState<JobView["preview"]>(null); // kept between events that carry none
  const [error, setError] = useState<string | null>(null);
  const [trouble, setTrouble] = useState<string | null>(null); // the live stream's, while it lasts

  useEffect(() => {
    if (isTerminal(initial.state)) return;
    return subscribeJobEvents(new EventSource(`/api/jobs/${initial.id}/events`), {
      update(next) {
        setJob(next);
        if (next.preview) setPreview(next.preview);
        onChange?.(next);
        if (isTerminal(next.state)) notify(next);
      },
      trouble: setTrouble,
    });
    // One subscription per job id; onChange is the parent's and may change identity.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [initial.id, initial.state]);

  async function cancel() {
    setError(null);
    try {
      const { job: next } = await api<{ job: JobView }>(`/api/jobs/${job.id}`, { method: "DELETE" });
      setJob(next);
      onChange?.(next);
    } catch (err) {
      setError((err as Error).message);
    }
  }

  async function toFront() {
    setError(null);
    try {
      const { job: next } = await api<{ job: JobView }>(`/api/jobs/${job.id}/front`, { method: "POST" });
      setJob(next);
    } catch (err) {
      setError((err as Error).message);
    }
  }

  const pct = job.progress.total > 0 ? Math.round((100 * job.progress.step) / job.progress.total) : 0;
  return (
    <article className="card job" aria-live="polite">
      <p className="prompt">{job.prompt}</p>
      <p className="meta">
        {job.state === "queued" && <>#{job.position} in queue · done in {formatEta(job.etaSeconds)}</>}
        {job.state === "running" && (
          <>
            {job.cancelRequested ? "canceling…" : `step ${job.progress.step} of ${job.progress.total || job.steps || "?"}`} · {formatEta(job.etaSeconds)} left
          </>
        )}
        {job.state === "succeeded" && <>done · seed {job.seed}</>}
        {job.state === "failed" && <span className="error">failed: {job.error}</span>}
        {job.state === "canceled" && <>canceled</>}
      </p>
      {job.state === "running" && preview && <LatentPreview preview={preview} />}
      {(job.state === "running" || job.state === "queued") && (
        <>
          <progress max={100} value={job.state === "running" ? pct : undefined} aria-label="progress">
            {pct}%
          </progress>
          <span className="row">
            <button type="button" onClick={cancel} disabled={job.cancelRequested}>
              Cancel
            </button>
            {job.state === "queued" && job.position !== 1 && (
              <button type="button" onClick={toFront}>
                Move to front
              </button>
            )}
          </span>
        </>
      )}
      {job.video && (
        <>
          <video src={job.video.media.mp4} poster={job.video.media.poster ?? undefined} controls autoPlay loop muted playsInline width={job.video.width} height={job.video.height} />
          <Link href={`/videos/${job.video.id}`}>Open</Link>
        </>
      )}
      {trouble && !isTerminal(job.state) && (
        <p className="notice" role="status">
          {trouble}
        </p>
      )}
      {error && <p className="error">{error}</p>}
    </article>
  );
}

function notify(job: JobView) {
  if (typeof Notification === "undefined" || Notification.permission !== "granted" || !document.hidden) return;
  new Notification(job.state === "succeeded" ? "Your clip is ready" : `Your job ${job.state}`, { body: job.prompt });
}
