/**
 * Seeded Gaussian noise: the same seed gives the same bytes on every run.
 *
 * Generator: xoshiro128** 1.1 (Blackman & Vigna 2018; reference C at
 * https://prng.di.unimi.it/xoshiro128starstar.c): 128-bit state, period
 * 2^128 - 1, passes BigCrush, and needs only 32-bit integer operations, which
 * JavaScript does exactly (Math.imul, >>>). Its four state words are filled
 * from the 32-bit seed by SplitMix32 (the mixer of Java's SplittableRandom,
 * 32-bit variant), so neighbouring seeds give unrelated streams and the state
 * is never all zero.
 *
 * Gaussians: Box–Muller on pairs of uint32 draws a, b:
 *   u1 = (a + 1) / 2^32 in (0, 1],  u2 = b / 2^32 in [0, 1),
 *   r = sqrt(-2 ln u1),  z0 = r cos(2 pi u2),  z1 = r sin(2 pi u2),
 * each rounded to float32, z0 first. 32-bit uniforms bound |z| by 6.66, far
 * beyond anything a float32 latent notices. Math.log/cos/sin are V8's fdlibm
 * ports, so the bytes depend only on the Node version, not on the CPU.
 *
 * A NoiseStream is consumed in order: an extended clip draws chunk after chunk
 * from one stream, so the whole clip is a function of the seed alone.
 */
const TWO_POW_32 = 4294967296;

/** SplitMix32: a 32-bit seed -> a sequence of well-mixed 32-bit words. */
function splitmix32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x9e3779b9) >>> 0;
    let z = state;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return (z ^ (z >>> 16)) >>> 0;
  };
}

const rotl = (x: number, k: number) => ((x << k) | (x >>> (32 - k))) >>> 0;

export class Xoshiro128StarStar {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;

  /** From four explicit state words (not all zero), as the reference C takes them. */
  constructor(state: readonly [number, number, number, number]) {
    [this.s0, this.s1, this.s2, this.s3] = state.map((w) => w >>> 0) as [number, number, number, number];
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) throw new Error("xoshiro128** state must not be all zero");
  }

  static fromSeed(seed: number): Xoshiro128StarStar {
    if (!Number.isInteger(seed) || seed < 0 || seed >= TWO_POW_32) {
      throw new RangeError(`seed must be an integer in [0, 2^32), got ${seed}`);
    }
    const next = splitmix32(seed);
    let words: [number, number, number, number];
    do words = [next(), next(), next(), next()];
    while ((words[0] | words[1] | words[2] | words[3]) === 0);
    return new Xoshiro128StarStar(words);
  }

  nextUint32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5) >>> 0, 7), 9) >>> 0;
    const t = (this.s1 << 9) >>> 0;
    this.s2 = (this.s2 ^ this.s0) >>> 0;
    this.s3 = (this.s3 ^ this.s1) >>> 0;
    this.s1 = (this.s1 ^ this.s2) >>> 0;
    this.s0 = (this.s0 ^ this.s3) >>> 0;
    this.s2 = (this.s2 ^ t) >>> 0;
    this.s3 = rotl(this.s3, 11);
    return result;
  }
}

export class NoiseStream {
  private readonly rng: Xoshiro128StarStar;

  constructor(readonly seed: number) {
    this.rng = Xoshiro128StarStar.fromSeed(seed);
  }

  /** The next n standard normal float32 values. An odd n discards the pair's second value, keeping draws aligned to pairs. */
  normal(n: number): Float32Array {
    const out = new Float32Array(n);
    for (let i = 0; i < n; i += 2) {
      const u1 = (this.rng.nextUint32() + 1) / TWO_POW_32;
      const u2 = this.rng.nextUint32() / TWO_POW_32;
      const r = Math.sqrt(-2 * Math.log(u1));
      const theta = 2 * Math.PI * u2;
      out[i] = r * Math.cos(theta);
      if (i + 1 < n) out[i + 1] = r * Math.sin(theta);
    }
    return out;
  }
}

/** n float32 standard normals from a fresh stream for `seed`. */
export function gaussianNoise(seed: number, n: number): Float32Array {
  return new NoiseStream(seed).normal(n);
}
