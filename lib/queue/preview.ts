/**
 * Live previews: the pipeline's cheap latent preview (a few RGB frames at latent size, every
 * couple of steps) as the bytes the worker stores on the running job and the JSON the job's
 * event stream carries to its card, which draws it on a canvas.
 *
 * Bytes: u16 width, u16 height, u16 frames (little-endian), then frames * height * width RGB.
 */
import { z } from "zod";

export interface Preview {
  width: number;
  height: number;
  frames: number;
  rgb: Uint8Array; // frame-major, row-major, 3 bytes a pixel
}

/** What the API shows: the pixels in base64. */
export interface PreviewView {
  width: number;
  height: number;
  frames: number;
  rgb: string;
}

const MAX_SIDE = 1024;
const MAX_FRAMES = 256;

const previewShape = z
  .object({
    width: z.number().int().min(1).max(MAX_SIDE),
    height: z.number().int().min(1).max(MAX_SIDE),
    frames: z.number().int().min(1).max(MAX_FRAMES),
    rgb: z.instanceof(Uint8Array),
  })
  .refine((p) => p.rgb.length === p.width * p.height * p.frames * 3, "rgb must hold width * height * frames * 3 bytes");

/** The handler's preview as stored bytes; null for anything that is not a preview (it is optional). */
export function encodePreview(value: unknown): Uint8Array | null {
  const parsed = previewShape.safeParse(value);
  if (!parsed.success) return null;
  const p = parsed.data;
  const out = new Uint8Array(6 + p.rgb.length);
  const view = new DataView(out.buffer);
  view.setUint16(0, p.width, true);
  view.setUint16(2, p.height, true);
  view.setUint16(4, p.frames, true);
  out.set(p.rgb, 6);
  return out;
}

export function decodePreview(bytes: Uint8Array): Preview | null {
  if (bytes.length < 6) return null;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const width = view.getUint16(0, true);
  const height = view.getUint16(2, true);
  const frames = view.getUint16(4, true);
  const parsed = previewShape.safeParse({ width, height, frames, rgb: bytes.subarray(6) });
  return parsed.success ? parsed.data : null;
}

export function previewView(bytes: Uint8Array): PreviewView | null {
  const p = decodePreview(bytes);
  return p && { width: p.width, height: p.height, frames: p.frames, rgb: Buffer.from(p.rgb.buffer, p.rgb.byteOffset, p.rgb.byteLength).toString("base64") };
}
