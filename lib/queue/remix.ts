/**
 * "Remix": a new job from a clip's settings, with some of them changed. The clip's scene plan
 * comes with it unless the remix says otherwise (`plan`: a new plan, or null for text alone),
 * so the same objects move the same way under another seed, prompt wording or step count.
 * Another fps keeps the clip's length in seconds; another aspect plans the prompt again for the
 * new frame (a plan is drawn in its frame), unless the remix brings a plan or says text alone.
 * A storyboard's remix keeps its shots (unless given a prompt) and is planned from
 * them again: its length and plan follow from its shots and seed.
 */
import { planFromColumn } from "../db/plan-column";
import type { Video } from "../db/videos";
import type { ScenePlan } from "../plan/schema";
import { clipSettings, parseJobSettings, type JobSettingsInput } from "./job-settings";

export type RemixChanges = Partial<Omit<JobSettingsInput, "plan" | "extend">> & { plan?: ScenePlan | null };

/** The settings of a remix of `video`; BAD_REQUEST naming the field when they do not fit the model (a kept plan included). */
export function remixSettings(video: Video, changes: RemixChanges) {
  const { prompt, shots, ...clip } = clipSettings(video);
  const storyboard = shots !== undefined && changes.prompt === undefined;
  const kept = storyboard ? undefined : planFromColumn(video.plan);
  const reframed = changes.aspect !== undefined && changes.aspect !== video.aspect;
  const plan = changes.plan !== undefined ? changes.plan : reframed && kept !== null ? undefined : kept;
  const fps = changes.fps ?? video.fps;
  const frames = Math.round(((video.frames - 1) * fps) / video.fps) + 1; // the same seconds
  const input: JobSettingsInput = {
    ...clip,
    ...(storyboard ? { shots } : { prompt: prompt ?? video.prompt, frames }),
    ...Object.fromEntries(Object.entries(changes).filter(([k, v]) => k !== "plan" && v !== undefined)),
    ...(plan === undefined ? {} : { plan }),
  };
  return parseJobSettings(input);
}
