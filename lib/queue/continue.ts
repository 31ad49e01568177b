/**
 * "Continue from here" (issue 18): a job that makes a clip's frames up to a chosen frame again
 * (from the clip's settings, seed, prompt and plan, as lib/queue/extend.ts re-makes a clip),
 * then `seconds` more following a prompt (the clip's own by default). The frame snaps down to a
 * latent frame's end (lib/pipeline/cut.ts); the job's settings are the new clip's, and its
 * continueOf column what the worker needs to make the old frames (lib/pipeline/continue.ts).
 */
import { continueOfFromColumn, type ContinueOf } from "../db/continue-column";
import { AppError } from "../db/errors";
import type { Job } from "../db/jobs";
import { planFromColumn } from "../db/plan-column";
import type { Video } from "../db/videos";
import { MAX_EXTEND, type SettingsLimits } from "../pipeline/contract";
import { continuedChunks, cutProblem, snapCut, type Chunking } from "../pipeline/cut";
import { clipSettings, parseJobSettings, type JobSettings } from "./job-settings";

export interface ContinueRequest {
  frame: number; // 1-based: the last frame of the clip to keep
  seconds: number; // to add after it
  prompt?: string; // what the new frames follow; default the clip's
}

/** How the model chunks a clip at `fps`; null when it makes none at that fps. */
export function chunkingAt(fps: number, limits: SettingsLimits): Chunking | null {
  const perLatent = limits.framesPerLatent[String(fps)];
  return perLatent === undefined ? null : { ...limits.chunking, framesPerLatent: perLatent };
}

/** BAD_REQUEST naming the field, with the issue in `details` as a zod issue would be. */
const refuse = (field: string, message: string) =>
  new AppError("BAD_REQUEST", `${field}: ${message}`, { details: [{ code: "custom", path: [field], message }] });

/** The new clip's settings and what it continues; BAD_REQUEST naming the field for a continuation the model cannot make. */
export function continuation(video: Video, source: Pick<Job, "continueOf">, body: ContinueRequest, limits: SettingsLimits): { settings: JobSettings; continueOf: ContinueOf } {
  if (video.shots !== null) throw refuse("video", "continuing a storyboard from a frame is not supported yet");
  if (video.loop) throw refuse("video", "continuing a loop from a frame is not supported yet");
  // Its own frames come from another clip's: making them again would need that one's too.
  if (continueOfFromColumn(source.continueOf)) throw refuse("video", "continuing a continued clip is not supported yet");
  const plan = planFromColumn(video.plan);
  if (plan === undefined && limits.plan) throw refuse("video", "this clip's scene plan was not kept, so its frames cannot be made again");

  const c = chunkingAt(video.fps, limits);
  if (!c) throw refuse("video", `the model no longer makes clips at ${video.fps} fps`);
  const problem = cutProblem(body.frame, video.frames, c);
  if (problem) throw refuse("frame", problem);
  const cut = snapCut(body.frame, c);

  const more = Math.round(body.seconds * video.fps);
  if (more < 1) throw refuse("seconds", `at least one frame: ${1 / video.fps} s at ${video.fps} fps`);
  const frames = cut.frames + more;
  const most = limits.framesMax[String(video.fps)] ?? 0;
  const chunks = continuedChunks(cut, more, c);
  if (frames > most || chunks > 1 + MAX_EXTEND) {
    const s = (f: number) => `${(f - 1) / video.fps} s`;
    throw refuse("seconds", `the clip would be ${s(frames)} long, more than the model's ${s(most)} (${s(cut.frames)} are kept)`);
  }

  const settings = parseJobSettings(
    // extend: the chunks it takes, so that its cost and ETA count them (the pipeline chunks it by the cut).
    { ...clipSettings(video), prompt: body.prompt ?? video.prompt, frames, extend: chunks - 1 },
    limits,
  );
  return { settings, continueOf: { videoId: video.id, frame: cut.frames, prompt: video.prompt, plan: plan ?? null } };
}
