/** A clip: player, prompt and settings, timings, remix, downloads; the owner's controls. */
import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";

import { VideoActions } from "@/components/VideoActions";
import { isAppError } from "@/lib/db/errors";
import { isId } from "@/lib/db/ids";
import { getVideo } from "@/lib/db/videos";
import { pageCaller } from "@/lib/http/page";
import { videoView, type VideoView } from "@/lib/http/views";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Clip", robots: { index: false } };

async function load(id: string): Promise<VideoView> {
  if (!isId(id)) notFound();
  const callerId = await pageCaller();
  try {
    return videoView(await getVideo({ videoId: id, callerId: callerId ?? "" }), callerId);
  } catch (err) {
    if (isAppError(err, "NOT_FOUND")) notFound();
    throw err;
  }
}

export default async function VideoPage({ params }: { params: Promise<{ id: string }> }) {
  const v = await load((await params).id);
  return (
    <main className="wide">
      <video className="player" src={v.media.mp4} poster={v.media.poster ?? undefined} controls autoPlay loop muted playsInline width={v.width} height={v.height} />
      <h1 className="prompt">{v.prompt}</h1>
      <dl className="settings">
        {v.negativePrompt && (
          <>
            <dt>Negative prompt</dt>
            <dd>{v.negativePrompt}</dd>
          </>
        )}
        <dt>Seed</dt>
        <dd>{v.seed}</dd>
        <dt>Steps</dt>
        <dd>{v.steps}</dd>
        <dt>Guidance</dt>
        <dd>{v.guidance}</dd>
        <dt>Scheduler</dt>
        <dd>{v.scheduler}</dd>
        <dt>Size</dt>
        <dd>
          {v.width}×{v.height}, {v.frames} frames at {v.fps} fps
        </dd>
        <dt>Model</dt>
        <dd>{v.modelId}</dd>
        {Object.entries(v.timings).map(([k, ms]) => (
          <FragmentRow key={k} name={`Time: ${k}`} value={`${(ms / 1000).toFixed(2)} s`} />
        ))}
        <dt>Made</dt>
        <dd>{new Date(v.createdAt).toUTCString()}</dd>
      </dl>
      <p className="actions">
        <Link href={`/?remix=${v.id}`}>Remix</Link>
        <a href={v.media.mp4} download>
          Download MP4
        </a>
        {v.media.webm && (
          <a href={v.media.webm} download>
            Download WebM
          </a>
        )}
      </p>
      {v.mine && <VideoActions initial={v} />}
    </main>
  );
}

function FragmentRow({ name, value }: { name: string; value: string }) {
  return (
    <>
      <dt>{name}</dt>
      <dd>{value}</dd>
    </>
  );
}
