/** Job states, frozen. queued -> running -> succeeded | failed | canceled (see lib/db/jobs.ts). */
import { JOB_STATES, type JobState } from "../db/jobs";

export { JOB_STATES, type JobState };

export const TERMINAL_STATES: readonly JobState[] = Object.freeze([JOB_STATES.SUCCEEDED, JOB_STATES.FAILED, JOB_STATES.CANCELED]);

export function isTerminal(state: JobState): boolean {
  return TERMINAL_STATES.includes(state);
}
