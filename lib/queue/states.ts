/**
 * Job states, frozen. queued -> running -> succeeded | failed | canceled (see lib/db/jobs.ts,
 * whose JOB_STATES lib/queue re-exports). This module imports types alone, so that client
 * components (components/JobCard.tsx) can use it without bundling the database.
 */
import type { JobState } from "../db/jobs";

export const TERMINAL_STATES: readonly JobState[] = Object.freeze(["succeeded", "failed", "canceled"] as const satisfies readonly JobState[]);

export function isTerminal(state: JobState): boolean {
  return TERMINAL_STATES.includes(state);
}
