// decodeFrames: a decoder's uint8 frames as they come (docs/model-format.md), and an older
// directory's float32 frames in [0, 1] rounded the same way as the graph rounds.
import * as ort from "onnxruntime-node";
import { describe, expect, it } from "vitest";

import { decodeFrames } from "../../lib/pipeline/latents";
import type { Manifest } from "../../lib/pipeline/manifest";

const m = { video: { frames: 2, height: 1, width: 2, fps: 8 } } as Manifest;
const shape = [1, 2, 1, 2, 3];

describe("decodeFrames", () => {
  it("takes a uint8 clip as it is, one view per frame", () => {
    const bytes = Uint8Array.from({ length: 12 }, (_, i) => i * 20);
    const frames = decodeFrames(new ort.Tensor("uint8", bytes, shape), m);
    expect(frames.map((f) => [...f])).toEqual([[0, 20, 40, 60, 80, 100], [120, 140, 160, 180, 200, 220]]);
    expect(frames[1]!.buffer).toBe(bytes.buffer); // no copy
  });

  it("rounds a float32 clip half up, clamps it, and makes NaN 0, as the graph's Cast(Clip(255 v + 0.5))", () => {
    const v = Float32Array.from([0, 1, -0.2, 1.7, 0.5 / 255, 0.49 / 255, NaN, 0.5, 127.5 / 255, 1 / 255, 254.6 / 255, 0.25]);
    const [a, b] = decodeFrames(new ort.Tensor("float32", v, shape), m);
    expect([...a!, ...b!]).toEqual([0, 255, 0, 255, 1, 0, 0, 128, 128, 1, 255, 64]);
  });

  it("refuses frames of another shape or type, naming what it got", () => {
    expect(() => decodeFrames(new ort.Tensor("uint8", new Uint8Array(6), [1, 1, 1, 2, 3]), m)).toThrow(/returned shape \[1,1,1,2,3\]/);
    expect(() => decodeFrames(new ort.Tensor("int32", new Int32Array(12), shape), m)).toThrow(/returned int32 frames/);
  });
});
