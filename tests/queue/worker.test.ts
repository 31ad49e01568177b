/** The worker loop in-process, with the stand-in handler (not the model). */
import { existsSync } from "node:fs";
import path from "node:path";
import { beforeEach, describe, expect } from "vitest";

import { getJob } from "../../lib/db/jobs";
import { cancel, pause, resume, submit } from "../../lib/queue";
import type { JobHandler } from "../../lib/queue/handlers";
import { standInHandler } from "../../lib/queue/testing/stand-in-handler";
import { createWorker, type WorkerOptions } from "../../lib/queue/worker";
import { it, listFiles, settings, waitFor, type TestDb } from "./helpers";

const logs: string[] = [];
beforeEach(() => {
  logs.length = 0;
});

const worker = (t: TestDb, handler: JobHandler, extra: Partial<WorkerOptions> = {}) =>
  createWorker({ handler, db: t.db, id: "w1", mediaRoot: t.media, leaseMs: 2_000, log: (l) => logs.push(l), ...extra });

const add = async (t: TestDb, extra = {}) => (await submit({ db: t.db, callerId: "alice", settings: settings("a ball", extra) })).job;

describe("worker", () => {
  it("runs a job to a video whose files are in place, and nothing else", async ({ t }) => {
    const job = await add(t, { steps: 3 });
    const w = worker(t, standInHandler({ stepMs: 5 }));
    expect(await w.runOnce()).toBe(true);
    const done = await getJob({ db: t.db, jobId: job.id });
    expect(done).toMatchObject({ state: "succeeded", progressStep: 3, progressTotal: 3 });
    const video = await t.db.run((p) => p.video.findUniqueOrThrow({ where: { jobId: job.id } }));
    expect(listFiles(t.media)).toEqual([video.mp4Key, video.posterKey].map((k) => k!.split("/").join(path.sep)).sort());
    expect(video.mp4Key).toBe(`${job.id}/${video.id}.mp4`);
    expect(await w.runOnce()).toBe(false);
  });

  it("retries a failing run and removes its files each time", async ({ t }) => {
    const job = await add(t, { steps: 4 });
    const w = worker(t, standInHandler({ stepMs: 5, failAttempts: 1 }));
    await w.runOnce();
    const failed = await getJob({ db: t.db, jobId: job.id });
    expect(failed).toMatchObject({ state: "queued", attempt: 1, error: "stand-in failure on attempt 1" });
    expect(listFiles(t.media)).toEqual([]);
    // Skip the backoff rather than wait for it.
    await t.db.run((p) => p.job.update({ where: { id: job.id }, data: { runAt: new Date() } }));
    await w.runOnce();
    expect(await getJob({ db: t.db, jobId: job.id })).toMatchObject({ state: "succeeded", attempt: 2, error: null });
  });

  it("aborts a running job within a step when its owner cancels it", async ({ t }) => {
    const job = await add(t, { steps: 100 });
    let aborted = false;
    const inner = standInHandler({ stepMs: 10 });
    const handler: JobHandler = async (run) => {
      run.signal.addEventListener("abort", () => (aborted = true));
      return inner(run);
    };
    const w = worker(t, handler, { progressEveryMs: 0 });
    const running = w.runOnce();
    await waitFor(async () => (await getJob({ db: t.db, jobId: job.id })).progressStep >= 3, 10_000, "progress");
    await cancel({ db: t.db, jobId: job.id, callerId: "alice" });
    await running;
    expect(aborted).toBe(true);
    const after = await getJob({ db: t.db, jobId: job.id });
    expect(after).toMatchObject({ state: "canceled", error: "canceled by its owner" });
    expect(after.progressStep).toBeLessThan(100);
    expect(listFiles(t.media)).toEqual([]);
  });

  it("on stop, aborts the running job and returns it to the queue without counting the attempt", async ({ t }) => {
    const job = await add(t, { steps: 100 });
    const w = worker(t, standInHandler({ stepMs: 20 }), { idleMs: { min: 10, max: 20 } });
    const loop = w.start();
    await waitFor(async () => (await getJob({ db: t.db, jobId: job.id })).progressStep >= 2, 10_000, "progress");
    await w.stop();
    await loop;
    expect(await getJob({ db: t.db, jobId: job.id })).toMatchObject({ state: "queued", attempt: 0, progressStep: 0 });
    expect(listFiles(t.media)).toEqual([]);
    const row = await t.db.run((p) => p.worker.findUniqueOrThrow({ where: { id: "w1" } }));
    expect(row.stoppedAt).not.toBeNull();
  });

  it("polls with backoff while the queue is paused, then picks work up", async ({ t }) => {
    await pause({ db: t.db });
    const job = await add(t, { steps: 2 });
    const w = worker(t, standInHandler({ stepMs: 1 }), { idleMs: { min: 10, max: 40 } });
    const loop = w.start();
    await new Promise((r) => setTimeout(r, 150));
    expect((await getJob({ db: t.db, jobId: job.id })).state).toBe("queued");
    await resume({ db: t.db });
    await waitFor(async () => (await getJob({ db: t.db, jobId: job.id })).state === "succeeded", 10_000, "the job to finish");
    await w.stop();
    await loop;
  });

  it("sweeps orphan media on start: dirs of unknown or failed jobs, stray files of finished ones", async ({ t }) => {
    const job = await add(t, { steps: 1 });
    const w = worker(t, standInHandler({ stepMs: 1 }));
    await w.runOnce();
    const video = await t.db.run((p) => p.video.findUniqueOrThrow({ where: { jobId: job.id } }));
    const { mkdirSync, writeFileSync } = await import("node:fs");
    writeFileSync(path.join(t.media, job.id, ".stray.mp4.part"), "x");
    mkdirSync(path.join(t.media, "A".repeat(24)));
    writeFileSync(path.join(t.media, "A".repeat(24), "old.mp4"), "x");
    const w2 = worker(t, standInHandler(), { idleMs: { min: 10, max: 10 } });
    const loop = w2.start();
    await waitFor(async () => !existsSync(path.join(t.media, "A".repeat(24))), 5_000, "the sweep");
    await w2.stop();
    await loop;
    expect(listFiles(t.media)).toEqual([video.mp4Key, video.posterKey!].map((k) => k.split("/").join(path.sep)).sort());
  });
});

describe("worker with the real pipeline", () => {
  it("turns a job into a video on the stub model (tests/pipeline/fixtures)", async ({ t }) => {
    const { pipelineHandler } = await import("../../lib/queue/handlers");
    const job = await add(t, { steps: 2, seed: 7 });
    const w = worker(t, pipelineHandler({ modelDir: "tests/pipeline/fixtures/stub-model" }));
    expect(await w.runOnce()).toBe(true);
    expect(await getJob({ db: t.db, jobId: job.id })).toMatchObject({ state: "succeeded", attempt: 1, progressStep: 2, progressTotal: 2 });
    const video = await t.db.run((p) => p.video.findUniqueOrThrow({ where: { jobId: job.id } }));
    expect(video).toMatchObject({ seed: 7n, steps: 2, width: 32, height: 32, frames: 9, fps: 8 });
    const keys = [video.mp4Key, video.webmKey, video.posterKey, video.webpKey];
    expect(keys.every((k) => k?.startsWith(`${job.id}/${video.id}.`))).toBe(true);
    expect(listFiles(t.media)).toEqual(keys.map((k) => k!.split("/").join(path.sep)).sort());
    expect(JSON.parse(video.timings)).toHaveProperty("denoise");
  });
});
