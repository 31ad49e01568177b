/**
 * How Job.shots and Video.shots keep a storyboard (docs/storyboard.md): JSON text of the
 * checked shots, NULL for a clip of one prompt. The prompt column then holds the shots'
 * prompts joined (storyboardPrompt), so gallery search finds a storyboard by any shot's words.
 */
import type { Shot } from "../storyboard/schema";

export const shotsColumn = (shots: readonly Shot[] | undefined): string | null => (shots === undefined ? null : JSON.stringify(shots));

export const shotsFromColumn = (text: string | null): Shot[] | undefined => (text === null ? undefined : (JSON.parse(text) as Shot[]));
