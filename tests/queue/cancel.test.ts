/** Cancel by id: a queued job at once, a running one through its worker's next heartbeat. */
import { describe, expect } from "vitest";

import { cancel, claim, complete, expireLeases, fail, heartbeat, submit } from "../../lib/queue";
import { backdateLease, it, leaseOf, outputFor, settings, submitAndClaim } from "./helpers";

describe("cancel", () => {
  it("cancels a queued job at once; it is never claimed", async ({ t }) => {
    const { job } = await submit({ db: t.db, callerId: "alice", settings: settings() });
    await expect(cancel({ db: t.db, jobId: job.id, callerId: "bob" })).rejects.toMatchObject({ code: "NOT_FOUND" });
    const canceled = await cancel({ db: t.db, jobId: job.id, callerId: "alice" });
    expect(canceled).toMatchObject({ state: "canceled" });
    expect(canceled.finishedAt).not.toBeNull();
    expect(await claim({ db: t.db, workerId: "w" })).toBeNull();
    expect(await cancel({ db: t.db, jobId: job.id, callerId: "alice" })).toMatchObject({ state: "canceled" }); // idempotent
  });

  it("flags a running job: its heartbeat says canceled, and it ends canceled without a video", async ({ t }) => {
    const job = await submitAndClaim(t.db);
    expect(await cancel({ db: t.db, jobId: job.id, callerId: "alice" })).toMatchObject({ state: "running", cancelRequested: true });
    expect(await heartbeat({ db: t.db, ...leaseOf(job) })).toBe("canceled");
    // Even if the run finishes before it notices, no video is made.
    expect(await complete({ db: t.db, ...leaseOf(job), output: outputFor(job) })).toMatchObject({ status: "canceled", job: { state: "canceled" } });
    expect(await t.db.run((p) => p.video.count())).toBe(0);
  });

  it("a canceled running job is not retried, and a lost lease does not bring it back", async ({ t }) => {
    const job = await submitAndClaim(t.db);
    await cancel({ db: t.db, jobId: job.id, callerId: "alice" });
    expect(await fail({ db: t.db, ...leaseOf(job), error: "aborted" })).toMatchObject({ status: "canceled" });

    const other = await submitAndClaim(t.db);
    await cancel({ db: t.db, jobId: other.id, callerId: "alice" });
    await backdateLease(t.db, other.id);
    expect((await expireLeases({ db: t.db })).ended).toMatchObject([{ id: other.id, state: "canceled" }]);
  });

  it("refuses to cancel a finished job", async ({ t }) => {
    const job = await submitAndClaim(t.db);
    await complete({ db: t.db, ...leaseOf(job), output: outputFor(job) });
    await expect(cancel({ db: t.db, jobId: job.id, callerId: "alice" })).rejects.toMatchObject({ code: "CONFLICT", message: /already succeeded/ });
  });
});
