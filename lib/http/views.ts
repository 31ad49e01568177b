/**
 * What the API shows of jobs and clips: no caller ids, worker ids, idempotency keys or file
 * paths; media as /media/<videoId>/<name> URLs (see ./media.ts).
 */
import type { Job } from "../db/jobs";
import { planFromColumn } from "../db/plan-column";
import { videosOfJobs, type Video } from "../db/videos";
import { shotsFromColumn } from "../db/shots-column";
import type { ScenePlan } from "../plan/schema";
import type { Shot } from "../storyboard/schema";
import { isTerminal, positions, type Position } from "../queue";
import type { PreviewView } from "../queue/preview";
import { MEDIA_FILES } from "./media";

export interface JobView {
  id: string;
  state: Job["state"];
  prompt: string;
  negativePrompt: string;
  seed: number | null;
  steps: number | null;
  guidance: number | null;
  frames: number | null;
  scheduler: string | null;
  fps: number | null; // null: the model's default
  aspect: string | null; // null: the model's default
  loop: boolean;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  attempt: number;
  cancelRequested: boolean;
  progress: { step: number; total: number };
  position: number | null; // 1 = next; 0 = running; null = finished
  ahead: number;
  etaSeconds: number | null;
  error: string | null;
  video: VideoView | null;
  /** What the job was given: a plan ("given": the caller's, or the remixed or extended clip's), "planner" (the worker plans the prompt), "none" (text alone). */
  planSource: "given" | "planner" | "none";
  /** The storyboard's shots (docs/storyboard.md), null for a clip of one prompt; `prompt` is then theirs joined. */
  shots: Shot[] | null;
  /** One job's view only: the plan the clip followed once made (null: text alone), before that the given one (null if none). */
  plan?: ScenePlan | null;
  preview?: PreviewView | null; // the latest latent preview while running (the event stream only)
}

export interface VideoView {
  id: string;
  jobId: string | null; // the owner's only
  slug: string;
  prompt: string;
  negativePrompt: string;
  seed: number;
  steps: number;
  guidance: number;
  scheduler: string;
  width: number;
  height: number;
  frames: number;
  fps: number;
  aspect: string; // the frame it was made in (model.json aspects): width:height
  loop: boolean; // made to lead back into its first frame: play on repeat
  modelId: string;
  timings: Record<string, number>;
  createdAt: string;
  visibility: "public" | "private";
  mine: boolean;
  media: { mp4: string; webm: string | null; poster: string | null; webp: string | null };
  shareUrl: string | null; // while published
  /** The storyboard's shots (docs/storyboard.md), null for a clip of one prompt; `prompt` is then theirs joined. */
  shots: Shot[] | null;
  /** One clip's view only: the scene plan it followed (null: text alone; left out for a clip made before plans were kept). */
  plan?: ScenePlan | null;
}

/** `withPlan`: a single clip's view carries its plan (up to ~130 KB for a minute); lists leave it out. */
export function videoView(v: Video, callerId: string | null, o: { withPlan?: boolean } = {}): VideoView {
  const url = (name: keyof typeof MEDIA_FILES) => (v[MEDIA_FILES[name]] ? `/media/${v.id}/${name}` : null);
  let timings: Record<string, number> = {};
  try {
    timings = JSON.parse(v.timings) as Record<string, number>;
  } catch {
    // a row written by hand: show no timings rather than fail the page
  }
  const mine = callerId !== null && v.callerId === callerId;
  return {
    id: v.id,
    jobId: mine ? v.jobId : null,
    slug: v.slug,
    prompt: v.prompt,
    negativePrompt: v.negativePrompt,
    seed: v.seed,
    steps: v.steps,
    guidance: v.guidance,
    scheduler: v.scheduler,
    width: v.width,
    height: v.height,
    frames: v.frames,
    fps: v.fps,
    aspect: v.aspect,
    loop: v.loop,
    modelId: v.modelId,
    timings,
    createdAt: v.createdAt.toISOString(),
    visibility: v.published ? "public" : "private",
    mine,
    media: { mp4: url("video.mp4")!, webm: url("video.webm"), poster: url("poster.png"), webp: url("preview.webp") },
    shareUrl: v.published ? `/v/${v.slug}` : null,
    shots: shotsFromColumn(v.shots) ?? null,
    ...(o.withPlan && v.plan !== null ? { plan: planFromColumn(v.plan) } : {}),
  };
}

/** Jobs as the API shows them: with queue position and ETA while live, the clip once done; `withPlan` for one job's view. */
export function jobViews(jobs: Job[], callerId: string, o: { withPlan?: boolean } = {}): Promise<JobView[]> {
  return callerJobViews(jobs.map((job) => ({ job, callerId })), o);
}

/**
 * The same for jobs each seen by its own caller (the event streams' poller), in a fixed
 * number of statements however many jobs: the live jobs' positions together, then the clips.
 */
export async function callerJobViews(entries: { job: Job; callerId: string }[], o: { withPlan?: boolean } = {}): Promise<JobView[]> {
  const live = entries.filter((e) => !isTerminal(e.job.state)).map((e) => e.job.id);
  const standings = live.length ? await positions({ jobIds: live }) : new Map<string, { job: Job; position: Position }>();
  const current = entries.map(({ job, callerId }) => {
    const s = standings.get(job.id);
    // The job moved on between the two reads (claimed, or finished): describe it from the
    // fresh read, or a "succeeded" would go out without its finish time and video (and an
    // event stream ends at that terminal state).
    return { job: s && s.position.state !== job.state ? s.job : job, pos: s?.position ?? null, callerId };
  });
  const videos = await videosOfJobs({ jobIds: current.filter((c) => c.job.state === "succeeded").map((c) => c.job.id) });
  return current.map(({ job, pos, callerId }) => {
    const v = videos.get(job.id);
    return jobView(job, pos, v && v.callerId === callerId ? v : undefined, callerId, o);
  });
}

function jobView(job: Job, pos: Position | null, video: Video | undefined, callerId: string, o: { withPlan?: boolean }): JobView {
  return {
    id: job.id,
    state: job.state,
    prompt: job.prompt,
    negativePrompt: job.negativePrompt,
    seed: job.seed,
    steps: job.steps,
    guidance: job.guidance,
    frames: job.frames,
    scheduler: job.scheduler,
    fps: job.fps,
    aspect: job.aspect,
    loop: job.loop,
    createdAt: job.createdAt.toISOString(),
    startedAt: job.startedAt?.toISOString() ?? null,
    finishedAt: job.finishedAt?.toISOString() ?? null,
    attempt: job.attempt,
    cancelRequested: job.cancelRequested,
    progress: { step: job.progressStep, total: job.progressTotal },
    position: pos?.position ?? null,
    ahead: pos?.ahead ?? 0,
    etaSeconds: pos?.etaSeconds === null || pos?.etaSeconds === undefined ? null : Math.round(pos.etaSeconds),
    error: job.state === "failed" ? job.error : null,
    video: video ? videoView(video, callerId) : null,
    planSource: job.plan === null ? "planner" : job.plan === "null" ? "none" : "given", // no parse of a list's plans
    shots: shotsFromColumn(job.shots) ?? null,
    ...(o.withPlan ? { plan: planFromColumn(video ? video.plan : job.plan) ?? null } : {}),
  };
}
