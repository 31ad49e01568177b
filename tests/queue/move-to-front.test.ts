/** Reordering: a caller moves one of their queued jobs ahead of every other queued job. */
import { describe, expect } from "vitest";

import { claim, moveToFront } from "../../lib/queue";
import { drain, it, queueJobs } from "./helpers";

describe("move to front", () => {
  it("puts a queued job first; the latest move wins", async ({ t }) => {
    const [a, b, c] = await queueJobs(t.db, 3);
    const moved = await moveToFront({ db: t.db, jobId: c!, callerId: "alice" });
    expect(moved.priority).toBeLessThan(0);
    await moveToFront({ db: t.db, jobId: b!, callerId: "alice" });
    expect(await drain(t.db)).toEqual([b, c, a]);
  });

  it("only lets the owner move a job, and only a queued one", async ({ t }) => {
    const [a] = await queueJobs(t.db, 1);
    await expect(moveToFront({ db: t.db, jobId: a!, callerId: "mallory" })).rejects.toMatchObject({ code: "NOT_FOUND", status: 404 });
    await claim({ db: t.db, workerId: "w" });
    await expect(moveToFront({ db: t.db, jobId: a!, callerId: "alice" })).rejects.toMatchObject({ code: "CONFLICT", status: 409 });
  });
});
