/**
 * Denoising checkpoints and previews through the worker (in-process, stand-in handler whose
 * checkpoint is its step number): an attempt that dies resumes where the last one saved;
 * the checkpoint outlives retries, releases and expired leases, and goes when the job ends.
 */
import { beforeEach, describe, expect } from "vitest";

import { getJob, readCheckpoint, readPreview } from "../../lib/db/jobs";
import { cancel, claim, expireLeases, heartbeat, release, saveResumeState, submit } from "../../lib/queue";
import type { JobHandler, JobRun } from "../../lib/queue/handlers";
import { decodePreview, encodePreview } from "../../lib/queue/preview";
import { standInHandler } from "../../lib/queue/testing/stand-in-handler";
import { createWorker } from "../../lib/queue/worker";
import { backdateLease, it, leaseOf, settings, type TestDb } from "./helpers";

const logs: string[] = [];
beforeEach(() => {
  logs.length = 0;
});

const worker = (t: TestDb, handler: JobHandler) => createWorker({ handler, db: t.db, id: "w1", mediaRoot: t.media, leaseMs: 2_000, progressEveryMs: 0, log: (l) => logs.push(l) });
const add = async (t: TestDb, extra = {}, maxAttempts?: number) => (await submit({ db: t.db, callerId: "alice", settings: settings("a ball", extra), maxAttempts })).job;
const skipBackoff = (t: TestDb, jobId: string) => t.db.run((p) => p.job.update({ where: { id: jobId }, data: { runAt: new Date() } }));

describe("checkpoints", () => {
  it("a failed attempt's last checkpoint is where the retry resumes; success clears it", async ({ t }) => {
    const job = await add(t, { steps: 10 });
    // Fails at step 5 on attempt 1, after checkpoints at steps 2 and 4.
    await worker(t, standInHandler({ stepMs: 1, resumeStateEvery: 2, failAttempts: 1 })).runOnce();
    expect(await getJob({ db: t.db, jobId: job.id })).toMatchObject({ state: "queued", checkpointStep: 4 });

    const resumes: JobRun["resume"][] = [];
    const inner = standInHandler({ stepMs: 1, resumeStateEvery: 2 });
    await skipBackoff(t, job.id);
    await worker(t, (run) => {
      resumes.push(run.resume);
      return inner(run);
    }).runOnce();
    expect(resumes.map((r) => r && { step: r.step, text: Buffer.from(r.bytes).toString() })).toEqual([{ step: 4, text: "4" }]);
    expect(logs.some((l) => l.includes(`job ${job.id}: succeeded`) && l.includes("(resumed at step 4)"))).toBe(true);
    expect(await getJob({ db: t.db, jobId: job.id })).toMatchObject({ state: "succeeded", checkpointStep: null, checkpointAt: null });
    expect(await readCheckpoint({ db: t.db, jobId: job.id })).toBeNull();
  });

  it("survives a release and an expired lease; a job that ends failed or canceled loses it", async ({ t }) => {
    const a = await add(t, {}, 2);
    let claimed = (await claim({ db: t.db, workerId: "w1" }))!;
    expect(await saveResumeState({ db: t.db, ...leaseOf(claimed), step: 3, bytes: Buffer.from("3") })).toBe("ok");
    await release({ db: t.db, ...leaseOf(claimed) });
    expect((await readCheckpoint({ db: t.db, jobId: a.id }))?.step).toBe(3);

    claimed = (await claim({ db: t.db, workerId: "w2" }))!;
    // A stale worker cannot write over the current holder's checkpoint.
    expect(await saveResumeState({ db: t.db, jobId: a.id, workerId: "w1", attempt: claimed.attempt, step: 9, bytes: Buffer.from("9") })).toBe("lost");
    await backdateLease(t.db, a.id);
    await expireLeases({ db: t.db });
    expect(await getJob({ db: t.db, jobId: a.id })).toMatchObject({ state: "queued", checkpointStep: 3 });

    claimed = (await claim({ db: t.db, workerId: "w3" }))!;
    await backdateLease(t.db, a.id);
    await expireLeases({ db: t.db }); // the second and last attempt: failed
    expect(await getJob({ db: t.db, jobId: a.id })).toMatchObject({ state: "failed", checkpointStep: null });

    const b = await add(t, );
    claimed = (await claim({ db: t.db, workerId: "w1" }))!;
    await saveResumeState({ db: t.db, ...leaseOf(claimed), step: 2, bytes: Buffer.from("2") });
    await release({ db: t.db, ...leaseOf(claimed) });
    await cancel({ db: t.db, jobId: b.id, callerId: "alice" });
    expect(await getJob({ db: t.db, jobId: b.id })).toMatchObject({ state: "canceled", checkpointStep: null });
  });
});

describe("previews", () => {
  it("the newest preview rides on the heartbeat; only the owner of a running job reads it", async ({ t }) => {
    const job = await add(t, );
    const claimed = (await claim({ db: t.db, workerId: "w1" }))!;
    const preview = { width: 2, height: 1, frames: 2, rgb: Uint8Array.from({ length: 12 }, (_, i) => i * 20) };
    await heartbeat({ db: t.db, ...leaseOf(claimed), progress: { step: 2, total: 4 }, preview: encodePreview(preview)! });
    await heartbeat({ db: t.db, ...leaseOf(claimed), progress: { step: 3, total: 4 } }); // no new preview: the last one stays
    const bytes = await readPreview({ db: t.db, jobId: job.id, callerId: "alice" });
    expect(decodePreview(bytes!)).toEqual(preview);
    expect(await readPreview({ db: t.db, jobId: job.id, callerId: "mallory" })).toBeNull();
    await release({ db: t.db, ...leaseOf(claimed) });
    expect(await readPreview({ db: t.db, jobId: job.id, callerId: "alice" })).toBeNull();
  });

  it("malformed previews are not stored", () => {
    expect(encodePreview({ width: 2, height: 2, frames: 1, rgb: new Uint8Array(5) })).toBeNull();
    expect(encodePreview("not a preview")).toBeNull();
    expect(decodePreview(new Uint8Array([2, 0, 2, 0, 1, 0, 9]))).toBeNull();
  });
});
