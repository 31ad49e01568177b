/**
 * DPM-Solver++(2M) (Lu et al. 2022) on the rectified-flow path: a second-order
 * multistep solver that reuses the previous step's prediction, so it costs one
 * network call per step like Euler.
 *
 * With alpha = 1 - sigma and the data prediction D = x - sigma v, one step from
 * s0 to s1 is
 *   x1 = (s1/s0) x + (alpha1 - alpha0 s1/s0) D'
 * where D' = D0 (first order; this is exactly the Euler step) or, given the
 * previous prediction D_-1 at s_-1,
 *   D' = (1 + 1/(2r)) D0 - 1/(2r) D_-1,  r = h_prev / h,  h = lambda(s1) - lambda(s0),
 *   lambda(s) = log(alpha / s)  (half log-SNR).
 * The first step (nothing to reuse) and the last step (to sigma = 0, where
 * lambda is infinite) are first order, as diffusers' lower_order_final does.
 * When the previous sigma is 1, lambda there is -infinity, r is infinite and
 * the correction vanishes: that step is first order too, by the formula.
 */
import { checkRestore, checkStep, flowSigmas, type Scheduler, type SchedulerState } from "./grid";

const lambda = (s: number) => Math.log(1 - s) - Math.log(s);

export class FlowMatchDpmpp2mScheduler implements Scheduler {
  readonly name = "flow-match-dpmpp-2m";
  timesteps: Float32Array = new Float32Array(0);
  sigmas: Float32Array = new Float32Array(0);
  private stepIndex = 0;
  private prevD: Float32Array | null = null;

  constructor(readonly shift: number) {
    flowSigmas(1, shift);
  }

  setTimesteps(n: number): void {
    this.sigmas = flowSigmas(n, this.shift);
    this.timesteps = this.sigmas.slice(0, -1);
    this.stepIndex = 0;
    this.prevD = null;
  }

  step(output: Float32Array, t: number, sample: Float32Array): Float32Array<ArrayBuffer> {
    const i = checkStep(this.name, this.timesteps, this.stepIndex, output, t, sample);
    const s0 = this.sigmas[i]!;
    const s1 = this.sigmas[i + 1]!;
    const ratio = s1 / s0;
    const cD = 1 - s1 - (1 - s0) * ratio; // alpha1 - alpha0 s1/s0

    const D = new Float32Array(sample.length);
    for (let k = 0; k < sample.length; k++) D[k] = sample[k]! - s0 * output[k]!;

    // Weights of D0 and D_-1 in D'.
    let w0 = 1;
    let w1 = 0;
    if (this.prevD !== null && s1 > 0) {
      const sPrev = this.sigmas[i - 1]!;
      const h = lambda(s1) - lambda(s0);
      const r = (lambda(s0) - lambda(sPrev)) / h;
      w1 = -1 / (2 * r); // 0 when r is infinite (previous sigma = 1)
      w0 = 1 - w1;
    }
    const prev = this.prevD;
    const out = new Float32Array(sample.length);
    for (let k = 0; k < sample.length; k++) {
      const d = prev === null || w1 === 0 ? D[k]! : w0 * D[k]! + w1 * prev[k]!;
      out[k] = ratio * sample[k]! + cD * d;
    }
    this.prevD = D;
    this.stepIndex++;
    return out;
  }

  state(): SchedulerState {
    return { stepIndex: this.stepIndex, previous: this.prevD };
  }

  restore(state: SchedulerState): void {
    checkRestore(this.name, this.timesteps, state, true);
    this.stepIndex = state.stepIndex;
    this.prevD = state.stepIndex === 0 ? null : state.previous;
  }
}
