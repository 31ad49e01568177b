/**
 * The storyboard contract (docs/storyboard.md): a clip made of shots, each with its own prompt
 * and length, as `shots: [{prompt, seconds, camera?}]`. The API's body, the queue's settings,
 * generate() and the Create page all take it from here. Every error's path names the field
 * (["shots", 1, "seconds"]), so the API's 400 says exactly which shot is wrong.
 *
 * No onnxruntime and no database here: the browser loads this module too.
 */
import { z } from "zod";

import { MAX_SECONDS } from "../plan/vocab";

/** The camera moves a shot may ask for (issue 18's list). */
export const CAMERA_MOVES = ["static", "pan-left", "pan-right", "pan-up", "pan-down", "follow", "zoom-in", "zoom-out"] as const;
export type CameraMove = (typeof CAMERA_MOVES)[number];

/** A clip of more shots than this is a list nobody can follow on the timeline. */
export const MAX_SHOTS = 20;

/** The separator of the shots' prompts in the clip's one prompt (gallery search, titles). */
export const SHOT_SEPARATOR = " / ";

// Whether the served model renders the move is checked once the shots are planned
// (lib/queue/storyboard-fits.ts), as the rest of what a model can draw is.
const camera = z.enum(CAMERA_MOVES).default("static");

/**
 * The shots, each prompt checked by `prompt` (the settings contract's prompt field, so a shot's
 * prompt obeys the model's limits as a clip's prompt does).
 */
export function shotsSchema(prompt: z.ZodType<string>) {
  return z
    .array(
      z
        .object({
          prompt,
          seconds: z.number().positive("a shot lasts more than 0 s").max(MAX_SECONDS, `at most ${MAX_SECONDS} s`),
          camera,
        })
        .strict(),
    )
    .min(1, "a storyboard needs at least one shot")
    .max(MAX_SHOTS, `at most ${MAX_SHOTS} shots`)
    .superRefine((shots, ctx) => {
      const total = totalSeconds(shots);
      if (total > MAX_SECONDS) ctx.addIssue({ code: "custom", message: `at most ${MAX_SECONDS} s in all, the shots last ${total} s` });
    });
}

export type Shot = z.output<ReturnType<typeof shotsSchema>>[number];
export type ShotInput = z.input<ReturnType<typeof shotsSchema>>[number];

export const totalSeconds = (shots: readonly Pick<Shot, "seconds">[]) => shots.reduce((t, s) => t + s.seconds, 0);

/** The clip's one prompt: what gallery search finds and titles show. */
export const storyboardPrompt = (shots: readonly Pick<Shot, "prompt">[]) => shots.map((s) => s.prompt.trim()).join(SHOT_SEPARATOR);
