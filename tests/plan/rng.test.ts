// mulberry32 bit for bit world/rng.py's PlanRng: every draw equal, not close.
import { describe, expect, it } from "vitest";

import { PlanError } from "../../lib/plan/errors";
import { PlanRng } from "../../lib/plan/rng";
import { rngCases } from "./python-fixtures";

describe("PlanRng", () => {
  const cases = rngCases();

  it("draws Python's numbers exactly, from 0 to the largest seed", () => {
    expect(cases.map((c) => c.seed)).toContain(0xffffffff);
    for (const c of cases) {
      const rng = new PlanRng(c.seed);
      expect(Array.from({ length: c.random.length }, () => rng.random()), `seed ${c.seed}`).toEqual(c.random);
      expect(Array.from({ length: c.uniform.length }, () => rng.uniform(-3.0, 5.5)), `seed ${c.seed}`).toEqual(c.uniform);
      expect(rng.permutation(3)).toEqual(c.permutation_3);
      expect(rng.permutation(10)).toEqual(c.permutation_10);
      expect(rng.state).toBe(c.state);
    }
  });

  it("stays in [0, 1) and permutes", () => {
    const rng = new PlanRng(7);
    const draws = Array.from({ length: 10_000 }, () => rng.random());
    expect(draws.filter((r) => !(r >= 0 && r < 1))).toEqual([]);
    expect(new Set(draws).size).toBeGreaterThan(9_990);
    expect([...rng.permutation(25)].sort((a, b) => a - b)).toEqual(Array.from({ length: 25 }, (_, i) => i));
  });

  it("refuses seeds outside 32 bits", () => {
    for (const seed of [-1, 2 ** 32, 1.5, Number.NaN]) expect(() => new PlanRng(seed)).toThrow(PlanError);
  });
});
