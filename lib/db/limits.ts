/**
 * The limits a submission is held to, counted in the insert's write transaction
 * (lib/db/jobs.ts insertJob), so concurrent submissions cannot both slip under them. Every
 * limit answers RATE_LIMITED with the reason and how long to wait; the policy (which limits,
 * how large) is lib/queue's (index.ts, quotas.ts).
 */
import type { JobSettings } from "../pipeline/contract";

import type { Tx } from "./client";
import { AppError } from "./errors";

/**
 * What a submission may not exceed. maxActive and perHour always apply; the rest only where
 * given (a shared instance's quotas, lib/queue/quotas.ts). Cost is denoising steps x chunks,
 * (steps ?? costDefaultSteps) * (1 + extend).
 */
export interface SubmitLimits {
  maxActive: number; // the caller's queued + running jobs
  perHour: number; // the caller's submissions in the last hour
  maxCostInFlight?: number; // the caller's queued + running cost
  maxCostPerHour?: number; // the cost the caller submitted in the last hour (canceled jobs count)
  maxQueued?: number; // every caller's queued jobs together: the global cap
  address?: { value: string; maxActive: number }; // anonymous: queued + running jobs from this client address
  costDefaultSteps?: number;
}

/** A job's cost in denoising steps x chunks, as the quotas count it. */
export const jobCost = (s: { steps?: number | null; extend: number }, defaultSteps: number) => (s.steps ?? defaultSteps) * (1 + s.extend);

/** The caller's active and hourly limits, then the cost and global quotas where given. */
export async function checkSubmitLimits(tx: Tx, o: { callerId: string; settings: JobSettings; limits: SubmitLimits; now: Date }): Promise<void> {
  const { limits, callerId, now } = o;
  const active = await tx.job.count({ where: { callerId, state: { in: ["queued", "running"] } } });
  if (active >= limits.maxActive) {
    throw new AppError(
      "RATE_LIMITED",
      `you have ${active} jobs queued or running, the most allowed at once is ${limits.maxActive}: wait for one to finish or cancel one`,
      { retryAfterSeconds: 30 },
    );
  }
  const hourAgo = new Date(now.getTime() - 3_600_000);
  const recent = await tx.job.findMany({
    where: { callerId, createdAt: { gt: hourAgo } },
    select: { createdAt: true },
    orderBy: { createdAt: "asc" },
    take: limits.perHour,
  });
  if (recent.length >= limits.perHour) {
    const retryAfterSeconds = Math.max(1, Math.ceil((recent[0]!.createdAt.getTime() + 3_600_000 - now.getTime()) / 1000));
    throw new AppError(
      "RATE_LIMITED",
      `you have submitted ${limits.perHour} jobs in the last hour, the most allowed: try again in ${formatWait(retryAfterSeconds)}`,
      { retryAfterSeconds },
    );
  }
  await checkQuotas(tx, o);
}

/** The cost and global quotas, in the insert's transaction (see SubmitLimits). */
async function checkQuotas(tx: Tx, o: { callerId: string; settings: JobSettings; limits: SubmitLimits; now: Date }): Promise<void> {
  const { limits, callerId, now } = o;
  const d = limits.costDefaultSteps ?? 20;
  const cost = jobCost(o.settings, d);
  if (limits.address) {
    const fromAddress = await tx.job.count({ where: { submitAddress: limits.address.value, state: { in: ["queued", "running"] } } });
    if (fromAddress >= limits.address.maxActive) {
      throw new AppError(
        "RATE_LIMITED",
        `anonymous jobs from your address: ${fromAddress} queued or running, the most allowed is ${limits.address.maxActive}: wait for one to finish, or sign in`,
        { retryAfterSeconds: 60 },
      );
    }
  }
  if (limits.maxQueued !== undefined) {
    const queued = await tx.job.count({ where: { state: "queued" } });
    if (queued >= limits.maxQueued) {
      throw new AppError("RATE_LIMITED", `the queue is full (${queued} jobs waiting, the most this server takes): try again later`, { retryAfterSeconds: 60 });
    }
  }
  const costOf = (rows: { steps: number | null; extend: number }[]) => rows.reduce((a, r) => a + jobCost(r, d), 0);
  if (limits.maxCostInFlight !== undefined) {
    const active = await tx.job.findMany({ where: { callerId, state: { in: ["queued", "running"] } }, select: { steps: true, extend: true } });
    const inFlight = costOf(active);
    if (inFlight + cost > limits.maxCostInFlight) {
      throw new AppError(
        "RATE_LIMITED",
        `this job costs ${cost} steps x chunks and yours queued or running already cost ${inFlight}: the most allowed at once is ${limits.maxCostInFlight}` +
          (cost > limits.maxCostInFlight ? " (this job alone is over it: use fewer steps or chunks)" : ": wait for one to finish or cancel one"),
        { retryAfterSeconds: 30 },
      );
    }
  }
  if (limits.maxCostPerHour !== undefined) {
    const hourAgo = new Date(now.getTime() - 3_600_000);
    const recent = await tx.job.findMany({
      where: { callerId, createdAt: { gt: hourAgo } },
      select: { steps: true, extend: true, createdAt: true },
      orderBy: { createdAt: "asc" },
    });
    let spent = costOf(recent);
    if (spent + cost > limits.maxCostPerHour) {
      // When enough of the oldest submissions leave the hour for this one to fit.
      let at = now.getTime() + 3_600_000;
      for (const r of recent) {
        spent -= jobCost(r, d);
        if (spent + cost <= limits.maxCostPerHour) {
          at = r.createdAt.getTime() + 3_600_000;
          break;
        }
      }
      const retryAfterSeconds = Math.max(1, Math.ceil((at - now.getTime()) / 1000));
      throw new AppError(
        "RATE_LIMITED",
        `this job costs ${cost} steps x chunks; you have submitted ${costOf(recent)} in the last hour and the most allowed is ${limits.maxCostPerHour}: try again in ${formatWait(retryAfterSeconds)}`,
        { retryAfterSeconds },
      );
    }
  }
}

function formatWait(seconds: number): string {
  return seconds < 120 ? `${seconds} s` : `${Math.ceil(seconds / 60)} min`;
}

