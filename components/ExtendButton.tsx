"use client";
/** "Extend" on the video page: queues the clip again with one more chunk, then shows it being made on the create page. */
import { useRouter } from "next/navigation";
import { useRef, useState } from "react";

import { api } from "./api";

export function ExtendButton({ videoId }: { videoId: string }) {
  const router = useRouter();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const key = useRef<string | null>(null); // a double click, or a retry after a network error, makes one job

  async function extend() {
    setBusy(true);
    setError(null);
    key.current ??= crypto.randomUUID();
    try {
      await api(`/api/videos/${videoId}/extend`, { method: "POST", headers: { "idempotency-key": key.current } });
      router.push("/");
    } catch (err) {
      setError((err as Error).message);
      setBusy(false);
    }
  }

  return (
    <>
      <button type="button" onClick={extend} disabled={busy} title="Make this clip again with one more stretch of video at the end">
        {busy ? "Queueing…" : "Extend"}
      </button>
      {error && (
        <span className="error" role="alert">
          {error}
        </span>
      )}
    </>
  );
}
