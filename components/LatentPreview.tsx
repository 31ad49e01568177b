"use client";
/**
 * The live latent preview of a running job: a few frames at latent size (e.g. 16x16), drawn
 * on a canvas that CSS scales up without smoothing, played in a loop at the clip's pace.
 */
import { useEffect, useRef } from "react";

import type { PreviewView } from "@/lib/queue/preview";

const FRAME_MS = 125;

export function LatentPreview({ preview }: { preview: PreviewView }) {
  const canvas = useRef<HTMLCanvasElement>(null);

  useEffect(() => {
    const ctx = canvas.current?.getContext("2d");
    if (!ctx) return;
    const { width, height, frames } = preview;
    const rgb = Uint8Array.from(atob(preview.rgb), (c) => c.charCodeAt(0));
    const images = Array.from({ length: frames }, (_, f) => {
      const image = ctx.createImageData(width, height);
      for (let p = 0; p < width * height; p++) {
        const src = (f * width * height + p) * 3;
        image.data.set([rgb[src]!, rgb[src + 1]!, rgb[src + 2]!, 255], p * 4);
      }
      return image;
    });
    let frame = 0;
    ctx.putImageData(images[0]!, 0, 0);
    const timer = setInterval(() => {
      frame = (frame + 1) % frames;
      ctx.putImageData(images[frame]!, 0, 0);
    }, FRAME_MS);
    return () => clearInterval(timer);
  }, [preview]);

  return <canvas ref={canvas} className="latent-preview" width={preview.width} height={preview.height} role="img" aria-label="Live preview of the clip being generated" />;
}
