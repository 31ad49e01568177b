// Schedulers against model/spacetime/flow.py's golden values (model/tests/fixtures/flow_euler.json).
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";

import { PipelineError } from "../../lib/pipeline/errors";
import { FlowMatchDpmpp2mScheduler, FlowMatchEulerScheduler, createScheduler } from "../../lib/pipeline/schedulers";
import { shiftTimestep } from "../../lib/pipeline/schedulers/grid";

interface EulerCase {
  shift: number;
  steps: number;
  sigmas: number[];
  timesteps: number[];
  trajectory: number[][];
}
const golden = JSON.parse(readFileSync("model/tests/fixtures/flow_euler.json", "utf8")) as {
  euler: EulerCase[];
  shift: { t: number; shift: number; shifted: number }[];
};

// The fixture's fake model, in float32 as torch computes it: v = x * t - 0.5.
const fakeVelocity = (x: Float32Array, t: number) => x.map((xi) => Math.fround(Math.fround(xi * t) - 0.5));

describe("flow-match Euler", () => {
  it("shifts timesteps as Python does", () => {
    for (const c of golden.shift) expect(shiftTimestep(c.t, c.shift)).toBeCloseTo(c.shifted, 15);
  });

  it.each(golden.euler.map((c) => [`shift ${c.shift}, ${c.steps} steps`, c] as const))("matches Python bit for bit: %s", (_, c) => {
    const s = new FlowMatchEulerScheduler(c.shift);
    s.setTimesteps(c.steps);
    expect(Array.from(s.sigmas)).toEqual(c.sigmas);
    expect(Array.from(s.timesteps)).toEqual(c.timesteps);
    let x = Float32Array.from(c.trajectory[0]!);
    for (const [i, t] of s.timesteps.entries()) {
      x = s.step(fakeVelocity(x, t), t, x);
      expect(Array.from(x)).toEqual(c.trajectory[i + 1]);
    }
  });

  it("refuses misuse with explanations", () => {
    const s = new FlowMatchEulerScheduler(3);
    const x = new Float32Array(4);
    expect(() => s.step(x, 1, x)).toThrow(/setTimesteps/);
    expect(() => s.setTimesteps(0)).toThrow(PipelineError);
    expect(() => s.setTimesteps(2.5)).toThrow(/positive integer/);
    s.setTimesteps(2);
    expect(() => s.step(new Float32Array(3), 1, x)).toThrow(/3 values/);
    expect(() => s.step(x, s.timesteps[1]!, x)).toThrow(/in order/);
    s.step(x, s.timesteps[0]!, x);
    s.step(x, s.timesteps[1]!, x);
    expect(() => s.step(x, 0, x)).toThrow(/all 2 steps/);
    expect(() => new FlowMatchEulerScheduler(0)).toThrow(/shift/);
    expect(() => createScheduler("ddim", 1)).toThrow(/unknown scheduler/);
  });
});

describe("flow-match DPM-Solver++(2M)", () => {
  // A curved flow with an exact solution: data x0 ~ N(0, c^2). Then
  // E[x0 | x_t] = (1-t) c^2 x / V(t), V(t) = (1-t)^2 c^2 + t^2, the marginal
  // velocity is (x - E[x0 | x_t]) / t, and the ODE maps noise z to z * c exactly.
  const c = 0.5;
  const velocity = (x: Float32Array, t: number) =>
    x.map((xi) => (xi - ((1 - t) * c * c * xi) / ((1 - t) ** 2 * c * c + t * t)) / t);
  const sample = (name: "flow-match-euler" | "flow-match-dpmpp-2m", steps: number, z: number[]) => {
    const s = createScheduler(name, 1);
    s.setTimesteps(steps);
    let x = Float32Array.from(z);
    for (const t of s.timesteps) x = s.step(velocity(x, t), t, x);
    return x;
  };

  it("first step equals Euler and exact straight paths are recovered", () => {
    const e = new FlowMatchEulerScheduler(3);
    const d = new FlowMatchDpmpp2mScheduler(3);
    e.setTimesteps(5);
    d.setTimesteps(5);
    const x = Float32Array.from([0.3, -1.2, 2]);
    const v = Float32Array.from([0.5, 0.1, -0.7]);
    const a = e.step(v, 1, x);
    const b = d.step(v, 1, x);
    for (let k = 0; k < 3; k++) expect(b[k]).toBeCloseTo(a[k]!, 6);
    // Constant velocity = a straight path: every step lands on it, ending at x - v.
    let y = b;
    for (const t of d.timesteps.subarray(1)) y = d.step(v, t, y);
    for (let k = 0; k < 3; k++) expect(y[k]).toBeCloseTo(x[k]! - v[k]!, 5);
  });

  it("lands closer to the exact solution than Euler with few steps on a curved flow", () => {
    const z = [0.4, -0.3, 1.5, -2.0, 0.05];
    const err = (x: Float32Array) => x.reduce((sum, xi, k) => sum + Math.abs(xi - z[k]! * c), 0);
    for (const steps of [4, 8, 16, 32]) {
      expect(err(sample("flow-match-dpmpp-2m", steps, z))).toBeLessThan(err(sample("flow-match-euler", steps, z)));
    }
    // Second order against first: at 16 steps several times closer.
    expect(err(sample("flow-match-dpmpp-2m", 16, z)) * 4).toBeLessThan(err(sample("flow-match-euler", 16, z)));
  });

  it("refuses misuse like Euler does", () => {
    const d = new FlowMatchDpmpp2mScheduler(1);
    const x = new Float32Array(2);
    expect(() => d.step(x, 1, x)).toThrow(/setTimesteps/);
    d.setTimesteps(1);
    d.step(x, 1, x);
    expect(() => d.step(x, 0, x)).toThrow(/all 1 steps/);
  });
});
