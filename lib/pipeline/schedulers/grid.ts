/**
 * The rectified-flow timestep grid shared by every scheduler, exactly as
 * model/spacetime/flow.py builds it (so that TypeScript and Python agree to
 * the last bit of the float32 sigmas):
 *   t_i = shift(1 - i/n), i = 0..n-1, computed in float64, then the terminal 0,
 *   then cast to float32;  shift(t) = s t / (1 + (s - 1) t).
 * Convention: x_t = (1 - t) x0 + t noise, the network predicts v = noise - x0,
 * and sampling runs from t = 1 (noise) down to t = 0.
 */
import { PipelineError } from "../errors";

export function shiftTimestep(t: number, shift: number): number {
  if (!(shift > 0)) throw new PipelineError("SCHEDULER_MISUSE", `shift must be positive, got ${shift}`);
  return (shift * t) / (1 + (shift - 1) * t);
}

/**
 * torch.linspace(1, 0, n + 1, dtype=float64)[:-1]. torch fills the first half
 * as start + i*step and the second half as end - (steps-1-i)*step; copying
 * that (not 1 - i/n) keeps the grid bit-identical to Python's.
 */
function torchLinspaceDown(n: number): number[] {
  const steps = n + 1;
  const step = (0 - 1) / (steps - 1);
  const half = Math.floor(steps / 2);
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push(i < half ? 1 + step * i : 0 - step * (steps - 1 - i));
  return out;
}

/** n timesteps plus the terminal 0, as float32: step i moves from sigmas[i] to sigmas[i+1]. */
export function flowSigmas(n: number, shift: number): Float32Array {
  if (!Number.isInteger(n) || n < 1) {
    throw new PipelineError("SCHEDULER_MISUSE", `number of inference steps must be a positive integer, got ${n}`);
  }
  const ts = torchLinspaceDown(n).map((t) => shiftTimestep(t, shift));
  return Float32Array.from([...ts, 0]);
}

/**
 * What a scheduler carries from one step to the next, for resume states: how many steps it has
 * taken and, for multistep solvers, the previous step's data prediction.
 */
export interface SchedulerState {
  stepIndex: number;
  previous: Float32Array | null;
}

/** What the denoising loop needs from a scheduler (diffusers' interface). */
export interface Scheduler {
  readonly name: string;
  /** Timesteps of the network calls, in order; empty until setTimesteps. */
  readonly timesteps: Float32Array;
  /** timesteps plus the terminal 0. */
  readonly sigmas: Float32Array;
  setTimesteps(n: number): void;
  /** One step from timestep `t` (must be the next of `timesteps`) given the model output there; returns the new sample. */
  step(output: Float32Array, t: number, sample: Float32Array): Float32Array<ArrayBuffer>;
  /** The state after the steps taken so far (arrays are not copied: the scheduler never mutates them). */
  state(): SchedulerState;
  /** Continues from a saved state, after setTimesteps(n) with the same n. */
  restore(state: SchedulerState): void;
}

/** The checks every scheduler makes before restoring a state. */
export function checkRestore(name: string, timesteps: Float32Array, state: SchedulerState, needsPrevious: boolean): void {
  const n = timesteps.length;
  if (n === 0) throw new PipelineError("SCHEDULER_MISUSE", `${name}: call setTimesteps(n) before restore()`);
  if (!Number.isInteger(state.stepIndex) || state.stepIndex < 0 || state.stepIndex > n) {
    throw new PipelineError("SCHEDULER_MISUSE", `${name}: cannot restore step ${state.stepIndex} of ${n}`);
  }
  if (needsPrevious && state.stepIndex > 0 && state.previous === null) {
    throw new PipelineError("SCHEDULER_MISUSE", `${name}: a state after step ${state.stepIndex} must carry the previous prediction`);
  }
}

/** The checks every scheduler makes before a step; returns the step index. */
export function checkStep(
  name: string,
  timesteps: Float32Array,
  stepIndex: number,
  output: Float32Array,
  t: number,
  sample: Float32Array,
): number {
  if (timesteps.length === 0) {
    throw new PipelineError("SCHEDULER_MISUSE", `${name}: call setTimesteps(n) before step(): the scheduler has no timesteps yet`);
  }
  if (stepIndex >= timesteps.length) {
    throw new PipelineError(
      "SCHEDULER_MISUSE",
      `${name}: all ${timesteps.length} steps have been taken; call setTimesteps again to sample anew`,
    );
  }
  if (output.length !== sample.length) {
    throw new PipelineError("SCHEDULER_MISUSE", `${name}: model output has ${output.length} values but the sample has ${sample.length}`);
  }
  const expected = timesteps[stepIndex]!;
  if (Math.abs(t - expected) > 1e-6) {
    throw new PipelineError(
      "SCHEDULER_MISUSE",
      `${name}: step() got timestep ${t.toFixed(6)} but the next one is timesteps[${stepIndex}] = ${expected.toFixed(6)}; ` +
        "steps must follow scheduler.timesteps in order",
    );
  }
  return stepIndex;
}
