/**
 * How Job.continueOf keeps the clip a job continues from a frame ("Continue from here",
 * issue 18): JSON text, NULL for any other job. It holds what the worker needs to make that
 * clip's frames again (its prompt and plan; the job's other settings are the clip's) and what
 * the clip page shows (which clip, from which frame).
 */
import type { ScenePlan } from "../plan/schema";

export interface ContinueOf {
  videoId: string; // the clip continued
  frame: number; // its frames kept: the chosen frame, snapped down (lib/pipeline/cut.ts)
  prompt: string; // what made it
  plan: ScenePlan | null; // what it followed (null: text alone)
}

export const continueOfColumn = (c: ContinueOf | undefined): string | null => (c === undefined ? null : JSON.stringify(c));

export const continueOfFromColumn = (text: string | null): ContinueOf | undefined => (text === null ? undefined : (JSON.parse(text) as ContinueOf));
