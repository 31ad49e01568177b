/** Leases: heartbeats renew them; the supervisor returns a dead worker's job to the queue. */
import { describe, expect } from "vitest";

import { getJob } from "../../lib/db/jobs";
import { claim, complete, expireLeases, fail, heartbeat } from "../../lib/queue";
import { backdateLease, it, leaseOf, outputFor, submitAndClaim } from "./helpers";

describe("leases", () => {
  it("heartbeats extend the lease and record progress", async ({ t }) => {
    const job = await submitAndClaim(t.db);
    expect(await heartbeat({ db: t.db, ...leaseOf(job), leaseMs: 60_000, progress: { step: 3, total: 8 } })).toBe("ok");
    const now = await getJob({ db: t.db, jobId: job.id });
    expect(now).toMatchObject({ progressStep: 3, progressTotal: 8 });
    expect(now.leaseExpiresAt!.getTime()).toBeGreaterThan(Date.now() + 50_000);
  });

  it("returns a job whose worker stopped heartbeating to the queue, and another worker takes it", async ({ t }) => {
    const job = await submitAndClaim(t.db);
    expect((await expireLeases({ db: t.db })).requeued).toEqual([]); // lease still valid: untouched
    await backdateLease(t.db, job.id);
    const { requeued, ended } = await expireLeases({ db: t.db });
    expect(ended).toEqual([]);
    expect(requeued.map((j) => j.id)).toEqual([job.id]);
    expect(requeued[0]).toMatchObject({ state: "queued", attempt: 1, leaseExpiresAt: null });
    expect(requeued[0]!.error).toMatch(/stopped renewing its lease \(attempt 1 of 3, worker w1\)/);

    const again = await claim({ db: t.db, workerId: "w2" });
    expect(again).toMatchObject({ id: job.id, workerId: "w2", attempt: 2 });
    // The first worker wakes up: it can no longer heartbeat, fail or complete the job.
    expect(await heartbeat({ db: t.db, ...leaseOf(job) })).toBe("lost");
    expect(await fail({ db: t.db, ...leaseOf(job), error: "late" })).toEqual({ status: "lost" });
    expect(await complete({ db: t.db, ...leaseOf(job), output: outputFor(job) })).toEqual({ status: "lost" });
    expect((await complete({ db: t.db, ...leaseOf(again!), output: outputFor(again!) })).status).toBe("completed");
  });

  it("fails a job whose last attempt's lease expired, keeping the reason", async ({ t }) => {
    const job = await submitAndClaim(t.db, { maxAttempts: 1 });
    await backdateLease(t.db, job.id);
    const { ended } = await expireLeases({ db: t.db });
    expect(ended).toHaveLength(1);
    expect(ended[0]).toMatchObject({ id: job.id, state: "failed" });
    expect(ended[0]!.finishedAt).not.toBeNull();
    expect((await getJob({ db: t.db, jobId: job.id })).error).toMatch(/attempt 1 of 1/);
  });
});
