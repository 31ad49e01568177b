"use client";
/** The gallery: posters that play on hover, newest first, infinite scroll, search and filters. */
import Link from "next/link";
import { useCallback, useEffect, useRef, useState } from "react";

import type { VideoView } from "@/lib/http/views";

import { api } from "./api";

type Scope = "all" | "mine" | "public";

export function Gallery() {
  const [q, setQ] = useState("");
  const [scope, setScope] = useState<Scope>("all");
  const [videos, setVideos] = useState<VideoView[]>([]);
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
      const params = new URLSearchParams({ scope, limit: "24" });
      if (q.trim()) params.set("q", q.trim());
      if (!reset && cursor) params.set("cursor", cursor);
      try {
        const page = await api<{ videos: VideoView[]; nextCursor: string | null }>(`/api/videos?${params}`);
        if (gen !== generation.current) return;
        setVideos((old) => (reset ? page.videos : [...old, ...page.videos]));
        setCursor(page.nextCursor);
        setDone(page.nextCursor === null);
      } catch (err) {
        if (gen === generation.current) setError((err as Error).message);
      } finally {
        if (gen === generation.current) setLoading(false);
      }
    },
    [q, scope, cursor],
  );

  useEffect(() => {
    const timer = setTimeout(() => void load(true), 250);
    return () => clearTimeout(timer);
    // A new query or filter starts over; `load` itself changes with every page.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [q, scope]);

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
        <input type="search" aria-label="Search prompts" placeholder="Search prompts" value={q} onChange={(e) => setQ(e.target.value)} maxLength={200} />
        <select aria-label="Show" value={scope} onChange={(e) => setScope(e.target.value as Scope)}>
          <option value="all">All I can see</option>
          <option value="mine">Mine</option>
          <option value="public">Public</option>
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
      </ul>
      {!loading && videos.length === 0 && !error && <p className="note">No clips yet.</p>}
      <div ref={sentinel} aria-hidden />
      {loading && <p className="note">Loading…</p>}
    </>
  );
}
