/** A clip: player, prompt and settings, timings, its storyboard and scene plan, remix, extend, continue, downloads; the owner's controls. */
import type { Metadata } from "next";
import Link from "next/link";
import { headers } from "next/headers";
import { notFound } from "next/navigation";

import { ClipPlayer } from "@/components/ClipPlayer";
import { ContinueForm } from "@/components/ContinueForm";
import { ExtendButton } from "@/components/ExtendButton";
import { PlanTable } from "@/components/PlanTable";
import { ShotList } from "@/components/ShotList";
import { VideoActions } from "@/components/VideoActions";
import { continueOfFromColumn, type ContinueOf } from "@/lib/db/continue-column";
import { isAppError } from "@/lib/db/errors";
import { getJob } from "@/lib/db/jobs";
import { getVideo } from "@/lib/db/videos";
import { canCreate } from "@/lib/auth/actor";
import { pageActor, pageCaller } from "@/lib/http/page";
import { limitMisses } from "@/lib/http/rate-limit";
import { idParam } from "@/lib/http/respond";
import { videoView, type VideoView } from "@/lib/http/views";
import type { Chunking } from "@/lib/pipeline/cut";
import { chunkingAt } from "@/lib/queue/continue";
import { modelSettingsLimits } from "@/lib/queue/job-settings";

export const dynamic = "force-dynamic";
export const metadata: Metadata = { title: "Clip", robots: { index: false } };

/** The clip, and the clip it continues from a frame (if it does). */
async function load(id: string): Promise<{ v: VideoView; continued: ContinueOf | undefined }> {
  const callerId = await pageCaller();
  try {
    const video = await limitMisses(await headers(), () => getVideo({ videoId: idParam(id, "video"), callerId: callerId ?? "" }));
    const continued = continueOfFromColumn((await getJob({ jobId: video.jobId })).continueOf);
    return { v: videoView(video, callerId, { withPlan: true }), continued };
  } catch (err) {
    // Over the miss limit (lib/http/rate-limit.ts): the same 404 as a miss, since a page cannot say 429.
    if (isAppError(err, "NOT_FOUND") || isAppError(err, "RATE_LIMITED")) notFound();
    throw err;
  }
}

export default async function VideoPage({ params }: { params: Promise<{ id: string }> }) {
  const { v, continued } = await load((await params).id);
  const mayCreate = canCreate(await pageActor()); // remix, extend and continue make jobs: not for pending accounts
  // What the API refuses (lib/queue/continue.ts) gets no form: storyboards, loops, continued clips, another model's fps.
  const chunking = mayCreate && !v.shots && !v.loop && !continued ? continueChunking(v.fps) : null;
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
        {continued && (
          <>
            <dt>Continued from</dt>
            <dd>
              <Link href={`/videos/${continued.videoId}`}>that clip</Link> at {((continued.frame - 1) / v.fps).toFixed(2)} s (its first {continued.frame} frames)
            </dd>
          </>
        )}
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
        {/* A storyboard's length is its shots': it grows by a shot, not by a chunk. A continued clip cannot be made again from its settings alone. */}
        {mayCreate && !v.shots && !continued && <ExtendButton videoId={v.id} />}
        <a href={v.media.mp4} download>
          Download MP4
        </a>
        {v.media.webm && (
          <a href={v.media.webm} download>
            Download WebM
          </a>
        )}
      </p>
      {chunking && <ContinueForm videoId={v.id} prompt={v.prompt} frames={v.frames} fps={v.fps} chunking={chunking} />}
      {v.mine && <VideoActions initial={v} />}
    </main>
  );
}

/** The model's chunking at the clip's fps, for the form; null when the model's settings cannot be read (the page still shows the clip). */
function continueChunking(fps: number): Chunking | null {
  try {
    return chunkingAt(fps, modelSettingsLimits());
  } catch (err) {
    if (isAppError(err, "UNAVAILABLE")) return null;
    throw err;
  }
}

function FragmentRow({ name, value }: { name: string; value: string }) {
  return (
    <>
      <dt>{name}</dt>
      <dd>{value}</dd>
    </>
  );
}
