/**
 * Euler sampler for the flow ODE, the port of model/spacetime/flow.py's
 * FlowMatchEulerScheduler: x_next = x + (sigma_next - sigma) v.
 * Arithmetic is float32 operation by operation (Math.fround after each one),
 * as torch does it, so trajectories match Python bit for bit.
 */
import { checkRestore, checkStep, flowSigmas, type Scheduler, type SchedulerState } from "./grid";

export class FlowMatchEulerScheduler implements Scheduler {
  readonly name = "flow-match-euler";
  timesteps: Float32Array = new Float32Array(0);
  sigmas: Float32Array = new Float32Array(0);
  private stepIndex = 0;

  constructor(readonly shift: number) {
    flowSigmas(1, shift); // validates the shift now rather than at setTimesteps
  }

  setTimesteps(n: number): void {
    this.sigmas = flowSigmas(n, this.shift);
    this.timesteps = this.sigmas.slice(0, -1);
    this.stepIndex = 0;
  }

  step(output: Float32Array, t: number, sample: Float32Array): Float32Array<ArrayBuffer> {
    const i = checkStep(this.name, this.timesteps, this.stepIndex, output, t, sample);
    const dt = Math.fround(this.sigmas[i + 1]! - this.sigmas[i]!);
    this.stepIndex++;
    const out = new Float32Array(sample.length);
    for (let k = 0; k < sample.length; k++) out[k] = sample[k]! + Math.fround(dt * output[k]!);
    return out;
  }

  state(): SchedulerState {
    return { stepIndex: this.stepIndex, previous: null };
  }

  restore(state: SchedulerState): void {
    checkRestore(this.name, this.timesteps, state, false);
    this.stepIndex = state.stepIndex;
  }
}
