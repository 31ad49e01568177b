/** Failed runs: exponential backoff while attempts remain, then failed with the error kept. */
import { describe, expect } from "vitest";

import { getJob } from "../../lib/db/jobs";
import { claim, fail, release, submit } from "../../lib/queue";
import { it, leaseOf, settings, submitAndClaim } from "./helpers";

describe("retries", () => {
  it("backs off exponentially, then fails with the error kept", async ({ t }) => {
    const { job } = await submit({ db: t.db, callerId: "alice", settings: settings(), maxAttempts: 3 });
    const t0 = Date.now();
    const backoff = { backoffMs: 1_000, maxBackoffMs: 1_500 };

    let claimed = (await claim({ db: t.db, workerId: "w", now: new Date(t0) }))!;
    let r = await fail({ db: t.db, ...leaseOf(claimed), error: new Error("boom 1"), ...backoff, now: new Date(t0) });
    expect(r).toMatchObject({ status: "retrying", job: { state: "queued", attempt: 1, error: "boom 1" } });
    expect(r.status === "retrying" && r.job.runAt.getTime()).toBe(t0 + 1_000); // 1000 * 2^0
    expect(await claim({ db: t.db, workerId: "w", now: new Date(t0 + 999) })).toBeNull(); // still backing off

    claimed = (await claim({ db: t.db, workerId: "w", now: new Date(t0 + 1_000) }))!;
    expect(claimed.attempt).toBe(2);
    r = await fail({ db: t.db, ...leaseOf(claimed), error: "boom 2", ...backoff, now: new Date(t0 + 1_000) });
    expect(r.status === "retrying" && r.job.runAt.getTime()).toBe(t0 + 1_000 + 1_500); // 2000, capped at 1500

    claimed = (await claim({ db: t.db, workerId: "w", now: new Date(t0 + 2_500) }))!;
    expect(claimed.attempt).toBe(3);
    r = await fail({ db: t.db, ...leaseOf(claimed), error: "boom 3", ...backoff, now: new Date(t0 + 2_500) });
    expect(r).toMatchObject({ status: "failed", job: { state: "failed", attempt: 3, error: "boom 3" } });
    expect(await claim({ db: t.db, workerId: "w", now: new Date(t0 + 60_000) })).toBeNull();
    expect(await getJob({ db: t.db, jobId: job.id })).toMatchObject({ state: "failed", error: "boom 3" });
  });

  it("does not retry an error marked permanent", async ({ t }) => {
    const job = await submitAndClaim(t.db);
    const err = Object.assign(new Error("steps above 100"), { code: "BAD_INPUT" });
    const r = await fail({ db: t.db, ...leaseOf(job), error: err, retryable: false });
    expect(r).toMatchObject({ status: "failed", job: { attempt: 1, error: "BAD_INPUT: steps above 100" } });
  });

  it("release (worker shutdown) requeues without counting the attempt", async ({ t }) => {
    const job = await submitAndClaim(t.db);
    const r = await release({ db: t.db, ...leaseOf(job) });
    expect(r).toMatchObject({ status: "released", job: { state: "queued", attempt: 0 } });
    expect(await claim({ db: t.db, workerId: "w2" })).toMatchObject({ id: job.id, attempt: 1 });
  });
});
