"use client";
/** The owner's controls on the video page: publish/unpublish, copy the share link, delete. */
import { useRouter } from "next/navigation";
import { useState } from "react";

import type { VideoView } from "@/lib/http/views";

import { api } from "./api";

export function VideoActions({ initial }: { initial: VideoView }) {
  const [video, setVideo] = useState(initial);
  const [message, setMessage] = useState<string | null>(null);
  const router = useRouter();

  async function setVisibility(visibility: "public" | "private") {
    try {
      const r = await api<{ video: VideoView }>(`/api/videos/${video.id}`, { method: "PATCH", body: JSON.stringify({ visibility }) });
      setVideo(r.video);
      setMessage(visibility === "public" ? "Published: anyone with the link can watch it." : "Unpublished: the share link no longer works.");
    } catch (err) {
      setMessage((err as Error).message);
    }
  }

  async function copyLink() {
    if (!video.shareUrl) return;
    await navigator.clipboard.writeText(new URL(video.shareUrl, location.origin).toString());
    setMessage("Share link copied.");
  }

  async function remove() {
    if (!confirm("Delete this clip? Its share link stops working.")) return;
    try {
      await api(`/api/videos/${video.id}`, { method: "DELETE" });
      router.push("/gallery");
    } catch (err) {
      setMessage((err as Error).message);
    }
  }

  return (
    <div className="actions">
      {video.visibility === "private" ? (
        <button type="button" onClick={() => setVisibility("public")}>
          Publish
        </button>
      ) : (
        <>
          <button type="button" onClick={() => setVisibility("private")}>
            Unpublish
          </button>
          <button type="button" onClick={copyLink}>
            Copy share link
          </button>
        </>
      )}
      <button type="button" className="danger" onClick={remove}>
        Delete
      </button>
      {message && <p role="status">{message}</p>}
    </div>
  );
}
