/**
 * A contact sheet: frames of one or more clips laid out as a grid on one
 * RGB image, one row per clip, for looking at many clips at a glance (the
 * README's pictures come from scripts/contact-sheet.ts).
 */

export interface SheetRow {
  frames: readonly Uint8Array[]; // RGB, width * height * 3 each
}

export interface Sheet {
  rgb: Uint8Array;
  width: number;
  height: number;
}

/** `count` frame indices spread evenly over `frames` frames, first and last included. */
export function evenlySpaced(frames: number, count: number): number[] {
  if (!(Number.isInteger(frames) && frames >= 1 && Number.isInteger(count) && count >= 1)) {
    throw new Error(`evenlySpaced needs whole frames >= 1 and count >= 1, got ${frames} and ${count}`);
  }
  if (count === 1 || frames === 1) return [0];
  return Array.from({ length: count }, (_, i) => Math.round((i * (frames - 1)) / (count - 1)));
}

/** The frame indices `everySeconds` apart at `fps`, from frame 0 up to the last frame. */
export function everySeconds(frames: number, fps: number, seconds: number): number[] {
  if (!(fps > 0 && seconds > 0)) throw new Error(`everySeconds needs fps > 0 and seconds > 0, got ${fps} and ${seconds}`);
  const out: number[] = [];
  for (let t = 0; Math.round(t * fps) < frames; t += seconds) out.push(Math.round(t * fps));
  return out;
}

/** Rows of equally sized tiles, `gap` pixels of `background` between and around them. */
export function tile(rows: readonly SheetRow[], width: number, height: number, gap = 2, background = 255): Sheet {
  const columns = Math.max(0, ...rows.map((r) => r.frames.length));
  if (rows.length === 0 || columns === 0) throw new Error("a contact sheet needs at least one frame");
  const W = columns * (width + gap) + gap;
  const H = rows.length * (height + gap) + gap;
  const rgb = new Uint8Array(W * H * 3).fill(background);
  rows.forEach((row, r) => {
    row.frames.forEach((frame, c) => {
      if (frame.length !== width * height * 3) {
        throw new Error(`row ${r} frame ${c} has ${frame.length} bytes, expected ${width}x${height}x3`);
      }
      const x0 = gap + c * (width + gap);
      const y0 = gap + r * (height + gap);
      for (let y = 0; y < height; y++) {
        rgb.set(frame.subarray(y * width * 3, (y + 1) * width * 3), ((y0 + y) * W + x0) * 3);
      }
    });
  });
  return { rgb, width: W, height: H };
}
