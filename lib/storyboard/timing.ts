/**
 * Where each shot lies in the clip's frames, and which shot a DiT window follows. Frames are
 * counted at the plan's fps (the DiT's own, docs/scene-plan.md); a shot starts at its
 * cumulative start time rounded to a frame, so rounding never adds up along the clip.
 */
import type { Shot } from "./schema";

export interface ShotSpan {
  start: number; // first frame of the shot
  frames: number; // frames up to the next shot's start (the last shot also has the clip's last frame)
}

/** The shots' spans and the clip's length: `seconds * fps + 1` frames in all, as a clip of that many seconds has. */
export function shotSpans(shots: readonly Pick<Shot, "seconds">[], fps: number): { spans: ShotSpan[]; frames: number } {
  let elapsed = 0;
  const starts = shots.map((s) => {
    const start = Math.round(elapsed * fps);
    elapsed += s.seconds;
    return start;
  });
  const frames = Math.round(elapsed * fps) + 1;
  const spans = starts.map((start, i) => ({ start, frames: (starts[i + 1] ?? frames) - start }));
  return { spans, frames };
}

/**
 * The shot a window of frames [from, to) mostly covers: the one whose span overlaps it most
 * (the earlier one on a tie, so a window that straddles a cut evenly keeps the shot it began in).
 */
export function shotCovering(spans: readonly ShotSpan[], from: number, to: number): number {
  let best = 0;
  let most = -1;
  spans.forEach((s, i) => {
    const overlap = Math.min(to, s.start + s.frames) - Math.max(from, s.start);
    if (overlap > most) [best, most] = [i, overlap];
  });
  return best;
}
