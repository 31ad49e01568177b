/** Completion: one video per job, exactly once. */
import { describe, expect } from "vitest";

import { complete, heartbeat } from "../../lib/queue";
import { it, leaseOf, outputFor, submitAndClaim } from "./helpers";

describe("complete", () => {
  it("records one video and marks the job succeeded, exactly once", async ({ t }) => {
    const job = await submitAndClaim(t.db);
    await heartbeat({ db: t.db, ...leaseOf(job), progress: { step: 2, total: 4 } });
    const out = outputFor(job);
    const r = await complete({ db: t.db, ...leaseOf(job), output: out });
    if (r.status !== "completed") throw new Error(r.status);
    expect(r.job).toMatchObject({ state: "succeeded", progressStep: 4, secondsPerStep: 0.5, error: null });
    expect(r.video).toMatchObject({ id: out.videoId, jobId: job.id, callerId: "alice", prompt: job.prompt, mp4Key: out.mp4Key, seed: 42, published: false });
    expect(r.video.slug).toMatch(/^[A-Za-z0-9_-]{24}$/);
    expect(r.video.slug).not.toBe(r.video.id);

    // A retried call (say the first reply was lost) gets the same video back.
    const again = await complete({ db: t.db, ...leaseOf(job), output: out });
    expect(again).toMatchObject({ status: "already-completed", video: { id: out.videoId } });
    // A different run of the same job cannot add a second video.
    expect(await complete({ db: t.db, ...leaseOf(job), output: outputFor(job) })).toMatchObject({ status: "already-completed", video: { id: out.videoId } });
    expect(await t.db.run((p) => p.video.count())).toBe(1);
  });
});
