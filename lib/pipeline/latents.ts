/**
 * Operations on latents in the DiT's (C, F, h, w) layout, channel-major as
 * the ONNX graphs take them: context frames, the CFG batch, the cheap preview
 * and the decoder's frames.
 */
import type * as ort from "onnxruntime-node";

import { PipelineError } from "./errors";
import type { Manifest } from "./manifest";

export interface Preview {
  width: number; // latent width: a cheap image, upscaled by the UI
  height: number;
  frames: number; // latent frames, frame-major
  rgb: Uint8Array; // frames * height * width * 3
}

/** Cheap preview: the predicted clean latent x0 = x - t v through the manifest's linear latent -> RGB map. */
export function preview(x: Float32Array, v: Float32Array, t: number, m: Manifest): Preview {
  const { channels: C, frames: F, height: h, width: w } = m.latent;
  const hw = h * w;
  const { latent_to_rgb: M, bias } = m.preview;
  const rgb = new Uint8Array(F * hw * 3);
  for (let f = 0; f < F; f++)
    for (let p = 0; p < hw; p++)
      for (let j = 0; j < 3; j++) {
        let acc = bias[j]!;
        for (let c = 0; c < C; c++) {
          const i = (c * F + f) * hw + p;
          acc += (x[i]! - t * v[i]!) * M[c]![j]!;
        }
        rgb[(f * hw + p) * 3 + j] = Math.round(Math.min(1, Math.max(0, acc)) * 255);
      }
  return { width: w, height: h, frames: F, rgb };
}

/** Copies the k latent frames of `prev` before its frame `end` (its last k by default) into the first k of a context window; returns it and its mask. */
export function contextFrom(prev: Float32Array | null, k: number, m: Manifest, end = m.latent.frames) {
  const { channels: C, frames: F, height: h, width: w } = m.latent;
  const hw = h * w;
  const context = new Float32Array(C * F * hw);
  const mask = new Float32Array(F);
  if (prev) {
    for (let c = 0; c < C; c++) context.set(prev.subarray((c * F + end - k) * hw, (c * F + end) * hw), c * F * hw);
    mask.fill(1, 0, k);
  }
  return { context, mask };
}

/**
 * A loop's closing window: the first chunk's first k latent frames given as the window's last k
 * (beside its leading context), so that the clip leads back into its own start. In place.
 */
export function closeWith(context: Float32Array, mask: Float32Array, first: Float32Array, k: number, m: Manifest): void {
  const { channels: C, frames: F, height: h, width: w } = m.latent;
  const hw = h * w;
  for (let c = 0; c < C; c++) context.set(first.subarray(c * F * hw, (c * F + k) * hw), (c * F + F - k) * hw);
  mask.fill(1, F - k, F);
}

/** Where the mask is 1, the sample is the given context. */
export function keepContext(x: Float32Array, context: Float32Array, mask: Float32Array, m: Manifest): void {
  const { channels: C, frames: F, height: h, width: w } = m.latent;
  const hw = h * w;
  for (let f = 0; f < F; f++) {
    if (mask[f] !== 1) continue;
    for (let c = 0; c < C; c++) x.set(context.subarray((c * F + f) * hw, (c * F + f + 1) * hw), (c * F + f) * hw);
  }
}

/** [a] -> [a, a] when guidance needs the batch of two. */
export function repeat(a: Float32Array, times: number): Float32Array {
  const out = new Float32Array(a.length * times);
  for (let i = 0; i < times; i++) out.set(a, i * a.length);
  return out;
}

export function decodeFrames(video: ort.Tensor, m: Manifest): Uint8Array[] {
  const { frames: T, height: H, width: W } = m.video;
  const want = [1, T, H, W, 3];
  if (video.dims.join() !== want.join()) {
    throw new PipelineError("BAD_MANIFEST", `vae_decoder.onnx returned shape [${video.dims}], model.json implies [${want}]`);
  }
  const size = H * W * 3;
  let all: Uint8Array;
  if (video.type === "uint8") {
    all = video.data as Uint8Array; // the graph rounded (docs/model-format.md)
  } else if (video.type === "float32") {
    // A decoder exported before its graph did this: one pass over the whole clip into one buffer. v + 0.5
    // truncated is Math.round for v >= 0; NaN fails both tests and becomes 0, as Math.round's NaN did.
    const data = video.data as Float32Array;
    all = new Uint8Array(T * size);
    for (let i = 0; i < all.length; i++) {
      const v = data[i]! * 255 + 0.5;
      all[i] = v <= 0 ? 0 : v >= 255 ? 255 : v;
    }
  } else {
    throw new PipelineError("BAD_MANIFEST", `vae_decoder.onnx returned ${video.type} frames; docs/model-format.md says uint8 (or float32 in [0, 1])`);
  }
  return Array.from({ length: T }, (_, f) => all.subarray(f * size, (f + 1) * size));
}

