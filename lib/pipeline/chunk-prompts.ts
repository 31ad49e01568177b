/**
 * The text each chunk of a clip is conditioned on. A clip of one prompt has it on every chunk;
 * a storyboard's chunk has the prompt of the shot its new frames mostly cover (a chunk after
 * the first re-decodes its context frames, which belong to the chunk before), so the text
 * changes where the shots do while the plan and the context frames carry the picture across.
 */
import type { Shot } from "../storyboard/schema";
import { shotCovering, shotSpans } from "../storyboard/timing";

export interface ChunkWindows {
  chunks: number;
  window: number; // frames of a DiT window, at the plan's fps
  stride: number; // frames each chunk after the first starts later (and adds)
  fps: number; // the DiT's own fps, which the shots' seconds are counted at
}

/** One prompt per chunk. */
export function chunkPrompts(s: { prompt: string; shots?: readonly Pick<Shot, "prompt" | "seconds">[] }, w: ChunkWindows): string[] {
  const shots = s.shots;
  if (!shots) return Array<string>(w.chunks).fill(s.prompt);
  const { spans } = shotSpans(shots, w.fps);
  return Array.from({ length: w.chunks }, (_, c) => {
    const end = c * w.stride + w.window;
    const from = c === 0 ? 0 : end - w.stride; // a later chunk's own frames: the last `stride` of its window
    return shots[shotCovering(spans, from, end)]!.prompt;
  });
}
