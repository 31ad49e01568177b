"use client";
/**
 * The gallery: posters that play on hover, newest first, infinite scroll, search and filters.
 * Status "finished" shows clips (mine / public / both); the other statuses show the caller's
 * own jobs in that state (queued, running, failed with the reason, canceled) from /api/jobs;
 * search and scope apply to clips.
 */
import Link from "next/link";
import { useCallback, useEffect, useRef, useState } from "react";

import type { JobView, VideoView } from "@/lib/http/views";

import { api } from "./api";

type Scope = "all" | "mine" | "public";
type Status = "finished" | "queued" | "running" | "failed" | "canceled";
const STATUSES: [Status, string][] = [
  ["finished", "Finished clips"],
  ["running", "Generating"],
  ["queued", "Queued"],
  ["failed", "Failed"],
  ["canceled", "Canceled"],
];

export function Gallery() {
  const [q, setQ] = useState("");
  const [scope, setScope] = useState<Scope>("all");
  const [status, setStatus] = useState<Status>("finished");
  const [videos, setVideos] = useState<VideoView[]>([]);
  const [jobs, setJobs] = useState<JobView[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [done, setDone] = useState(false);
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const generation = useRef(0); // a new search drops pages still loading for the old one
  const sentinel = useRef<HTMLDivElement>(null);

  const load = useCallback(
    async (reset: boolean) => {
      const gen = reset ? ++generation.current : generation.current;
      setLoading(true);
      setError(null);
      const finished = status === "finished";
      const params = new URLSearchParams(finished ? { scope, limit: "24" } : { state: status, limit: "24" });
      if (finished && q.trim()) params.set("q", q.trim());
      if (!reset && cursor) params.set("cursor", cursor);
      try {
        let nextCursor: string | null;
        if (finished) {
          const page = await api<{ videos: VideoView[]; nextCursor: string | null }>(`/api/videos?${params}`);
          if (gen !== generation.current) return;
          setVideos((old) => (reset ? page.videos : [...old, ...page.videos]));
          if (reset) setJobs([]);
          nextCursor = page.nextCursor;
        } else {
          const page = await api<{ jobs: JobView[]; nextCursor: string | null }>(`/api/jobs?${params}`);
          if (gen !== generation.current) return;
          setJobs((old) => (reset ? page.jobs : [...old, ...page.jobs]));
          if (reset) setVideos([]);
          nextCursor = page.nextCursor;
        }
        setCursor(nextCursor);
        setDone(nextCursor === null);
      } catch (err) {
        if (gen === generation.current) setError((err as Error).message);
      } finally {
        if (gen === generation.current) setLoading(false);
      }
    },
    [q, scope, status, cursor],
  );

  useEffect(() => {
    const timer = setTimeout(() => void load(true), 250);
    return () => clearTimeout(timer);
    // A new query or filter starts over; `load` itself changes with every page.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [q, scope, status]);

  useEffect(() => {
    const el = sentinel.current;
    if (!el || done) return;
    const io = new IntersectionObserver((entries) => {
      if (entries.some((e) => e.isIntersecting) && !loading) void load(false);
    });
    io.observe(el);
    return () => io.disconnect();
  }, [load, loading, done]);

  return (
    <>
      <div className="toolbar">
        <input
          type="search"
          aria-label="Search prompts"
          placeholder={status === "finished" ? "Search prompts" : "Search works on finished clips"}
          value={q}
          onChange={(e) => setQ(e.target.value)}
          maxLength={200}
          disabled={status !== "finished"}
        />
        <select aria-label="Show" value={scope} onChange={(e) => setScope(e.target.value as Scope)} disabled={status !== "finished"}>
          <option value="all">All I can see</option>
          <option value="mine">Mine</option>
          <option value="public">Public</option>
        </select>
        <select aria-label="Status" value={status} onChange={(e) => setStatus(e.target.value as Status)}>
          {STATUSES.map(([value, label]) => (
            <option key={value} value={value}>
              {label}
            </option>
          ))}
        </select>
      </div>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      <ul className="gallery">
        {videos.map((v) => (
          <li key={v.id}>
            <Link href={`/videos/${v.id}`} className="tile">
              <video
                src={v.media.mp4}
                poster={v.media.poster ?? undefined}
                // The clip's own frame (1:1, 16:9, 9:16): the card takes its shape, nothing cropped.
                width={v.width}
                height={v.height}
                style={{ aspectRatio: `${v.width} / ${v.height}` }}
                data-aspect={v.aspect}
                muted
                loop
                playsInline
                preload="none"
                onMouseEnter={(e) => void e.currentTarget.play().catch(() => {})}
                onMouseLeave={(e) => e.currentTarget.pause()}
                onFocus={(e) => void e.currentTarget.play().catch(() => {})}
              />
              <span className="caption">{v.prompt}</span>
              {v.visibility === "public" && <span className="badge">public</span>}
            </Link>
          </li>
        ))}
        {jobs.map((j) => (
          <li key={j.id}>
            <Link href="/" className="tile job-tile">
              <span className="caption">{j.prompt}</span>
              <span className="meta">
                {j.state}
                {j.state === "queued" && j.position !== null && ` · #${j.position} in queue`}
                {j.state === "running" && j.progress.total > 0 && ` · step ${j.progress.step} of ${j.progress.total}`}
                {" · "}
                {new Date(j.createdAt).toLocaleString()}
              </span>
              {j.error && <span className="error">{j.error}</span>}
            </Link>
          </li>
        ))}
      </ul>
      {!loading && videos.length === 0 && jobs.length === 0 && !error && <p className="note">{status === "finished" ? "No clips yet." : `No ${status} jobs.`}</p>}
      <div ref={sentinel} aria-hidden />
      {loading && <p className="note">Loading…</p>}
    </>
  );
}
