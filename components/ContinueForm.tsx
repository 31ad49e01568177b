"use client";
/**
 * "Continue from here" on the video page (issue 18): keep the clip up to a time (typed, or the
 * player's), add seconds more under a prompt (the clip's by default), then show the new clip
 * being made on the create page, as Extend does. The time snaps down to a latent frame's end
 * (lib/pipeline/cut.ts), and the form says where before it is sent.
 */
import { useRouter } from "next/navigation";
import { useRef, useState, type FormEvent } from "react";

import { snapCut, type Chunking } from "@/lib/pipeline/cut";

import { api } from "./api";

export interface ContinueFormProps {
  videoId: string;
  prompt: string;
  frames: number;
  fps: number;
  chunking: Chunking; // the model's, at the clip's fps
}

export function ContinueForm({ videoId, prompt: clipPrompt, frames, fps, chunking }: ContinueFormProps) {
  const router = useRouter();
  const end = (frames - 1) / fps;
  const [at, setAt] = useState(String(end));
  const [seconds, setSeconds] = useState("1");
  const [prompt, setPrompt] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const key = useRef<string | null>(null); // a double click, or a retry after a network error, makes one job

  // The 1-based frame shown at that time; the clip is kept up to it, snapped down.
  const time = Number(at);
  const frame = Number.isFinite(time) ? Math.max(1, Math.min(frames, Math.floor(time * fps + 1e-6) + 1)) : 1;
  const kept = snapCut(frame, chunking).frames;

  function playerTime() {
    // The page's one player (ClipPlayer); the form lives beside it, not inside it.
    const player = document.querySelector<HTMLVideoElement>("video.player");
    if (player) setAt(player.currentTime.toFixed(3));
  }

  async function submit(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    key.current ??= crypto.randomUUID();
    const body = { frame, seconds: Number(seconds), ...(prompt.trim() ? { prompt } : {}) };
    try {
      await api(`/api/videos/${videoId}/continue`, { method: "POST", headers: { "idempotency-key": key.current }, body: JSON.stringify(body) });
      router.push("/");
    } catch (err) {
      setError((err as Error).message);
      key.current = null; // another request once the form is changed
      setBusy(false);
    }
  }

  return (
    <details className="continue">
      <summary>Continue from here</summary>
      <form onSubmit={submit}>
        <label>
          From (seconds)
          <input type="number" min={0} max={end} step={1 / fps} value={at} onChange={(e) => setAt(e.target.value)} required aria-describedby="continue-kept" />
        </label>
        <button type="button" onClick={playerTime}>
          Use the player&apos;s time
        </button>
        <p id="continue-kept" className="hint">
          Keeps frames 1–{kept} (to {((kept - 1) / fps).toFixed(2)} s): a clip continues where a latent frame ends.
        </p>
        <label>
          Seconds to add
          <input type="number" min={1 / fps} step={1 / fps} value={seconds} onChange={(e) => setSeconds(e.target.value)} required />
        </label>
        <label>
          Prompt
          <input type="text" value={prompt} placeholder={clipPrompt} onChange={(e) => setPrompt(e.target.value)} />
        </label>
        <button type="submit" disabled={busy}>
          {busy ? "Queueing…" : "Continue"}
        </button>
        {error && (
          <span className="error" role="alert">
            {error}
          </span>
        )}
      </form>
    </details>
  );
}
