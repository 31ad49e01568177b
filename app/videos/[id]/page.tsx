/** A clip: player, prompt and settings, timings, its storyboard and scene plan, remix, extend, downloads; the owner's controls. */
import type { Metadata } from "next";
import Link from "next/link";
import { headers } from "next/headers";
import { notFound } from "next/navigation";

import { ClipPlayer } from "@/components/ClipPlayer";
import { ExtendButton } from "@/components/ExtendButton";
import { PlanTable } from "@/components/PlanTable";
import { ShotList } from "@/components/ShotList";
import { VideoActions } from "@/components/VideoActions";
import { isAppError } from "@/lib/db/errors";
import { getVideo } from "@/lib/db/videos";
import { canCreate } from "@/lib/auth/actor";
import { pageActor, pageCaller } from "@/lib/http/page";
import { limitMisses } from "@/lib/http/rate-limit";
import { idParam } from "@/lib/http/respond";
import { videoView, type VideoView } from "@/lib/http/views";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Clip", robots: { index: false } };

async function load(id: string): Promise<VideoView> {
  const callerId = await pageCaller();
  try {
    const video = await limitMisses(await headers(), () => getVideo({ videoId: idParam(id, "video"), callerId: callerId ?? "" }));
    return videoView(video, callerId, { withPlan: true });
  } catch (err) {
    // Over the miss limit (lib/http/rate-limit.ts): the same 404 as a miss, since a page cannot say 429.
    if (isAppError(err, "NOT_FOUND") || isAppError(err, "RATE_LIMITED")) notFound();
    throw err;
  }
}

export default async function VideoPage({ params }: { params: Promise<{ id: string }> }) {
  const v = await load((await params).id);
  const mayCreate = canCreate(await pageActor()); // remix and extend make jobs: not for pending accounts
  return (
    <main className="wide">
      <ClipPlayer video={v} />
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
          {v.width}×{v.height}, {v.frames} frames at {v.fps} fps{v.loop ? ", a loop" : ""}
        </dd>
        <dt>Model</dt>
        <dd>{v.modelId}</dd>
        {Object.entries(v.timings).map(([k, ms]) => (
          <FragmentRow key={k} name={`Time: ${k}`} value={`${(ms / 1000).toFixed(2)} s`} />
        ))}
        <dt>Made</dt>
        <dd>{new Date(v.createdAt).toUTCString()}</dd>
        {v.plan === null && (
          <>
            <dt>Scene plan</dt>
            <dd>none: made from the text alone</dd>
          </>
        )}
      </dl>
      {v.shots && <ShotList shots={v.shots} />}
      {v.plan && <PlanTable plan={v.plan} frames={v.frames} downloadUrl={`/api/videos/${v.id}/plan`} />}
      <p className="actions">
        {mayCreate && <Link href={`/?remix=${v.id}`}>Remix</Link>}
        {/* A storyboard's length is its shots': it grows by a shot, not by a chunk. */}
        {mayCreate && !v.shots && <ExtendButton videoId={v.id} />}
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
