/**
 * mulberry32, bit for bit world/rng.py's PlanRng, so a plan made here is a
 * plan the world could have drawn for training. 32-bit products come from
 * Math.imul and every intermediate is brought back to an unsigned 32-bit
 * integer (>>> 0), which is Python's `& 0xFFFFFFFF`.
 */
import { PlanError } from "./errors";

export class PlanRng {
  state: number;

  constructor(seed: number) {
    if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) {
      throw new PlanError(`plan seed must be in 0..2^32-1, got ${seed}`);
    }
    this.state = seed;
  }

  /** Uniform in [0, 1), with 32 bits of resolution. */
  random(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    const a = this.state;
    let t = Math.imul(a ^ (a >>> 15), 1 | a) >>> 0;
    t = (((t + (Math.imul(t ^ (t >>> 7), 61 | t) >>> 0)) >>> 0) ^ t) >>> 0;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  uniform(lo: number, hi: number): number {
    return lo + (hi - lo) * this.random();
  }

  /** Fisher-Yates from the end. */
  permutation(n: number): number[] {
    const out = Array.from({ length: n }, (_, i) => i);
    for (let i = n - 1; i > 0; i--) {
      const j = Math.floor(this.random() * (i + 1));
      [out[i], out[j]] = [out[j]!, out[i]!];
    }
    return out;
  }
}
