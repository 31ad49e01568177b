/**
 * "Continue from here" (issue 18): where a clip can be cut to be continued. A clip is continued
 * from whole latent frames (the next chunk's context frames are latents), so a chosen frame snaps
 * down to the last frame of the latent frame it lies in: latent frame 0 decodes to video frame 1,
 * each later one to `framesPerLatent` more. The decoder is causal in latents, and the chunk that
 * holds the cut is decoded whole as the clip's was, so the kept frames are the clip's own pixels.
 *
 * No onnxruntime here: the web server loads this module.
 */

/** How a model chunks a clip at one fps. */
export interface Chunking {
  latentFrames: number; // of a DiT window
  contextFrames: number; // latent frames a chunk continues from
  framesPerLatent: number; // output frames per latent frame after the first, at the clip's fps
}

export interface Cut {
  frames: number; // output frames kept: the chosen frame, snapped down
  latents: number; // latent frames kept, counted from the clip's first
  chunk: number; // 0-based: the chunk whose window holds the last kept latent frame
}

/** Chunk c > 0 makes latent frames F + (c-1)(F-k) .. F-1 + c(F-k) of the clip; chunk 0 the first F. */
export function snapCut(frame: number, c: Chunking): Cut {
  const latents = 1 + Math.floor((frame - 1) / c.framesPerLatent);
  const last = latents - 1;
  const chunk = last < c.latentFrames ? 0 : 1 + Math.floor((last - c.latentFrames) / (c.latentFrames - c.contextFrames));
  return { frames: 1 + last * c.framesPerLatent, latents, chunk };
}

/** The first frame a clip can be continued at: the next chunk needs `contextFrames` latent frames before the cut. */
export const firstCutFrame = (c: Chunking) => 1 + (c.contextFrames - 1) * c.framesPerLatent;

/** Output frames each chunk after the cut adds (its window less its context frames). */
export const framesPerChunk = (c: Chunking) => (c.latentFrames - c.contextFrames) * c.framesPerLatent;

/** Chunks a continued clip takes: the original's up to the cut, then enough for `more` new frames. */
export const continuedChunks = (cut: Cut, more: number, c: Chunking) => cut.chunk + 1 + Math.ceil(more / framesPerChunk(c));

/** Why a clip of `clipFrames` frames cannot be continued at `frame`, or null. */
export function cutProblem(frame: number, clipFrames: number, c: Chunking): string | null {
  if (frame > clipFrames) return `frame ${frame} is past the clip's end (it has ${clipFrames} frames)`;
  const first = firstCutFrame(c);
  if (frame < first) return `at least ${first}: the model continues from ${c.contextFrames} latent frame(s)`;
  return null;
}
