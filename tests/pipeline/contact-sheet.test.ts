// The contact sheet's layout: which frames are picked, and where each lands.
import { describe, expect, it } from "vitest";

import { evenlySpaced, everySeconds, tile } from "../../lib/pipeline/contact-sheet";

const solid = (w: number, h: number, v: number) => new Uint8Array(w * h * 3).fill(v);
const pixel = (s: { rgb: Uint8Array; width: number }, x: number, y: number) => s.rgb[(y * s.width + x) * 3];

describe("contact sheet", () => {
  it("spreads picks over the clip, first and last included", () => {
    expect(evenlySpaced(17, 5)).toEqual([0, 4, 8, 12, 16]);
    expect(evenlySpaced(17, 1)).toEqual([0]);
    expect(() => evenlySpaced(0, 3)).toThrow(/frames >= 1/);
  });

  it("picks one frame every E seconds, up to the clip's end", () => {
    expect(everySeconds(481, 8, 5)).toEqual([0, 40, 80, 120, 160, 200, 240, 280, 320, 360, 400, 440, 480]);
    expect(everySeconds(17, 8, 5)).toEqual([0]);
  });

  it("puts row r, column c at its place with gaps around", () => {
    const rows = [{ frames: [solid(4, 3, 10), solid(4, 3, 20)] }, { frames: [solid(4, 3, 30)] }];
    const s = tile(rows, 4, 3, 2, 255);
    expect([s.width, s.height]).toEqual([2 * 6 + 2, 2 * 5 + 2]);
    expect(pixel(s, 0, 0)).toBe(255); // gap
    expect(pixel(s, 2, 2)).toBe(10); // row 0, column 0
    expect(pixel(s, 5, 4)).toBe(10);
    expect(pixel(s, 6, 2)).toBe(255); // gap between columns
    expect(pixel(s, 8, 2)).toBe(20); // row 0, column 1
    expect(pixel(s, 2, 7)).toBe(30); // row 1, column 0
    expect(pixel(s, 8, 7)).toBe(255); // row 1 has no column 1
  });

  it("refuses a frame of the wrong size", () => {
    expect(() => tile([{ frames: [solid(4, 4, 0)] }], 4, 3)).toThrow(/row 0 frame 0 has 48 bytes/);
  });
});
