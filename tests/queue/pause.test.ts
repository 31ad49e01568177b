/** Pausing the whole queue stops claims; running jobs are left alone; resume starts them again. */
import { describe, expect } from "vitest";

import { getJob } from "../../lib/db/jobs";
import { claim, heartbeat, isPaused, pause, resume } from "../../lib/queue";
import { it, leaseOf, queueJobs } from "./helpers";

describe("pause and resume", () => {
  it("claims nothing while paused, and resumes in order", async ({ t }) => {
    const [a, b] = await queueJobs(t.db, 2);
    const running = (await claim({ db: t.db, workerId: "w" }))!;
    expect(running.id).toBe(a);
    expect(await isPaused({ db: t.db })).toBe(false);
    await pause({ db: t.db });
    await pause({ db: t.db }); // idempotent
    expect(await isPaused({ db: t.db })).toBe(true);
    expect(await claim({ db: t.db, workerId: "w" })).toBeNull();
    // The job already running carries on.
    expect(await heartbeat({ db: t.db, ...leaseOf(running) })).toBe("ok");
    expect((await getJob({ db: t.db, jobId: b! })).state).toBe("queued");
    await resume({ db: t.db });
    expect(await isPaused({ db: t.db })).toBe(false);
    expect((await claim({ db: t.db, workerId: "w" }))?.id).toBe(b);
  });
});
