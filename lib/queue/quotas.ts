/**
 * A shared instance's quotas (a local studio keeps only the per-caller job and hourly limits
 * it always had). Per account: jobs queued or running (QUEUE_MAX_ACTIVE_PER_CALLER), jobs per
 * hour (QUEUE_SUBMISSIONS_PER_HOUR), cost in denoising steps x chunks queued or running
 * (QUEUE_MAX_COST_IN_FLIGHT) and submitted per hour (QUEUE_MAX_COST_PER_HOUR), each
 * overridable per user by the admin; a global cap on queued jobs (QUEUE_MAX_QUEUED); and for
 * anonymous visitors, where SPACETIME_ANONYMOUS_JOBS allows them, that many jobs per client
 * address. Every limit answers 429 with the reason and Retry-After (lib/db/limits.ts).
 */
import type { Actor } from "../auth/actor";
import { anonymousJobsPerAddress } from "../auth/mode";
import { quotaConfig } from "../config";
import type { SubmitLimits } from "../db/limits";
import { QUEUE_DEFAULTS } from "./index";

/** The server's defaults, read when asked (so a test or an admin's restart can change them). */
export function quotaDefaults() {
  return {
    maxActive: QUEUE_DEFAULTS.maxActivePerCaller,
    perHour: QUEUE_DEFAULTS.submissionsPerHour,
    maxCostInFlight: quotaConfig().maxCostInFlight,
    maxCostPerHour: quotaConfig().maxCostPerHour,
    maxQueued: quotaConfig().maxQueued,
  };
}

/** The limits a submission by `actor` is held to. */
export function limitsFor(actor: Actor): Partial<SubmitLimits> {
  if (!actor.shared) return {}; // local: lib/queue's defaults, as before accounts
  const d = quotaDefaults();
  const u = actor.user;
  const limits: Partial<SubmitLimits> = {
    maxActive: u?.maxActive ?? d.maxActive,
    perHour: d.perHour,
    maxCostInFlight: u?.maxCostInFlight ?? d.maxCostInFlight,
    maxCostPerHour: u?.maxCostPerHour ?? d.maxCostPerHour,
    maxQueued: d.maxQueued,
  };
  if (actor.role === "anonymous") limits.address = { value: actor.address, maxActive: anonymousJobsPerAddress() };
  return limits;
}

/** What the account page shows: the quotas that apply to a user. */
export function quotasOf(actor: Actor) {
  const l = limitsFor(actor);
  return { maxActive: l.maxActive ?? QUEUE_DEFAULTS.maxActivePerCaller, perHour: l.perHour ?? QUEUE_DEFAULTS.submissionsPerHour, maxCostInFlight: l.maxCostInFlight ?? null, maxCostPerHour: l.maxCostPerHour ?? null };
}
