import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";

import { NoiseStream, Xoshiro128StarStar, gaussianNoise } from "../../lib/pipeline/noise";

const sha = (a: Float32Array) => createHash("sha256").update(new Uint8Array(a.buffer, a.byteOffset, a.byteLength)).digest("hex");

describe("seeded noise", () => {
  it("xoshiro128** matches the reference C implementation", () => {
    // Outputs of https://prng.di.unimi.it/xoshiro128starstar.c compiled with gcc.
    const a = new Xoshiro128StarStar([1, 2, 3, 4]);
    expect(Array.from({ length: 8 }, () => a.nextUint32())).toEqual([
      11520, 0, 5927040, 70819200, 2031721883, 1637235492, 1287239034, 3734860849,
    ]);
    const b = new Xoshiro128StarStar([0x9e3779b9, 0xdeadbeef, 7, 0]);
    expect(Array.from({ length: 4 }, () => b.nextUint32())).toEqual([1162347276, 2592382889, 264095317, 4126004654]);
  });

  it("same seed -> identical bytes; different seeds differ", () => {
    expect(sha(gaussianNoise(42, 4096))).toBe(sha(gaussianNoise(42, 4096)));
    expect(sha(gaussianNoise(42, 4096))).not.toBe(sha(gaussianNoise(43, 4096)));
    expect(sha(gaussianNoise(0, 16))).not.toBe(sha(gaussianNoise(4294967295, 16)));
  });

  it("a stream drawn in chunks equals one draw of the whole (even chunks)", () => {
    const s = new NoiseStream(7);
    const parts = [s.normal(100), s.normal(28)];
    expect(Array.from(gaussianNoise(7, 128))).toEqual([...parts[0]!, ...parts[1]!]);
  });

  it("is standard normal", () => {
    const z = gaussianNoise(1234, 200_000);
    let mean = 0;
    for (const v of z) mean += v;
    mean /= z.length;
    let variance = 0;
    let beyond2 = 0;
    for (const v of z) {
      variance += (v - mean) ** 2;
      if (Math.abs(v) > 2) beyond2++;
    }
    variance /= z.length;
    expect(Math.abs(mean)).toBeLessThan(0.01);
    expect(Math.abs(variance - 1)).toBeLessThan(0.01);
    expect(beyond2 / z.length).toBeCloseTo(0.0455, 2); // P(|z| > 2) of a standard normal
  });

  it("pins the stream so a change to it is deliberate", () => {
    // Changing the generator changes every seed's video: update this only on purpose.
    expect(Array.from(gaussianNoise(0, 4), (v) => Number(v.toFixed(6)))).toMatchInlineSnapshot(`
      [
        -0.042926,
        0.488167,
        -1.373458,
        -2.623294,
      ]
    `);
  });

  it("rejects seeds outside [0, 2^32)", () => {
    expect(() => gaussianNoise(-1, 2)).toThrow(/seed/);
    expect(() => gaussianNoise(2 ** 32, 2)).toThrow(/seed/);
    expect(() => gaussianNoise(1.5, 2)).toThrow(/seed/);
  });
});
