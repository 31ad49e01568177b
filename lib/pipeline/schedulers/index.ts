/** Scheduler registry: the manifest's `scheduler.type` or the caller's choice -> an instance. */
import { PipelineError } from "../errors";
import { FlowMatchDpmpp2mScheduler } from "./flow-match-dpmpp-2m";
import { FlowMatchEulerScheduler } from "./flow-match-euler";
import type { Scheduler } from "./grid";

export type { Scheduler, SchedulerState } from "./grid";
export { FlowMatchEulerScheduler, FlowMatchDpmpp2mScheduler };

export const SCHEDULERS = ["flow-match-euler", "flow-match-dpmpp-2m"] as const;
export type SchedulerType = (typeof SCHEDULERS)[number];

export function createScheduler(type: string, shift: number): Scheduler {
  switch (type) {
    case "flow-match-euler":
      return new FlowMatchEulerScheduler(shift);
    case "flow-match-dpmpp-2m":
      return new FlowMatchDpmpp2mScheduler(shift);
    default:
      throw new PipelineError("BAD_INPUT", `unknown scheduler "${type}"; available: ${SCHEDULERS.join(", ")}`);
  }
}
