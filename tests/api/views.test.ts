/** lib/http/views.ts: a job's view is one consistent picture even when the job moves on while it is being made. */
import { describe, expect } from "vitest";

import { getJob } from "../../lib/db/jobs";
import { jobViews } from "../../lib/http/views";
import { claim, complete, submit } from "../../lib/queue";
import { outputFor, settings } from "../queue/helpers";
import { it, newCaller } from "./helpers";

describe("jobViews", () => {
  it("describes a job that finished after it was read as finished, with its finish time and video", async ({ t }) => {
    const alice = newCaller();
    await submit({ db: t.db, callerId: alice.id, settings: settings("a ball") });
    const running = (await claim({ db: t.db, workerId: "w" }))!;
    const stale = await getJob({ db: t.db, jobId: running.id }); // what a poll read a moment ago
    const done = await complete({ db: t.db, jobId: running.id, workerId: "w", attempt: running.attempt, output: outputFor(running) });
    if (done.status !== "completed") throw new Error(done.status);

    const [view] = await jobViews([stale], alice.id);
    expect(view).toMatchObject({ state: "succeeded", position: null, video: { id: done.video.id } });
    expect(view!.finishedAt).not.toBeNull();
  });

  it("describes a queued job that was claimed meanwhile as running, with its start time", async ({ t }) => {
    const alice = newCaller();
    const { job: queued } = await submit({ db: t.db, callerId: alice.id, settings: settings("a ball") });
    await claim({ db: t.db, workerId: "w" });
    const [view] = await jobViews([queued], alice.id);
    expect(view).toMatchObject({ state: "running", position: 0, attempt: 1 });
    expect(view!.startedAt).not.toBeNull();
  });
});
