/**
 * Real worker processes (tsx scripts/worker.ts with the stand-in handler): one is SIGKILLed
 * mid-job; another recovers the job through the supervisor and completes it exactly once,
 * with one video and no orphan or half-written file. Then SIGTERM mid-job returns a job to
 * the queue without counting the attempt, and the process exits cleanly.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";

import { getJob } from "../../lib/db/jobs";
import { submit } from "../../lib/queue";
import { freshDb, listFiles, ROOT, settings, waitFor, type TestDb } from "./helpers";

let t: TestDb;
const children: ChildProcess[] = [];
beforeEach(() => {
  t = freshDb();
});
afterEach(async () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
  children.length = 0;
  await t.cleanup();
});

function startWorker(id: string) {
  // `node --import tsx`, not the tsx CLI: that runs the script in a child process, which a
  // SIGKILL of the CLI would leave running.
  const child = spawn(process.execPath, ["--import", "tsx", "scripts/worker.ts"], {
    cwd: ROOT,
    env: {
      ...process.env,
      DATABASE_URL: t.url,
      MEDIA_ROOT: t.media,
      SPACETIME_WORKER_HANDLER: "stand-in", // NOT the model: see lib/queue/testing/stand-in-handler.ts
      STANDIN_STEP_MS: "60",
      WORKER_LEASE_MS: "1500",
      WORKER_ID: id,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let log = "";
  child.stdout!.setEncoding("utf8").on("data", (d: string) => (log += d));
  child.stderr!.setEncoding("utf8").on("data", (d: string) => (log += d));
  const exited = new Promise<number | string>((resolve) => child.on("exit", (code, signal) => resolve(code ?? signal ?? -1)));
  children.push(child);
  return { child, exited, log: () => log };
}

describe("a worker killed mid-job", () => {
  it("is recovered by another: the job completes once, one video, no orphan files", async () => {
    const { job } = await submit({ db: t.db, callerId: "alice", settings: settings("a ball", { steps: 30 }) });
    const a = startWorker("worker-A");
    await waitFor(async () => (await getJob({ db: t.db, jobId: job.id })).progressStep >= 4, 30_000, "worker A to make progress");
    a.child.kill("SIGKILL");
    expect(await a.exited).toBe("SIGKILL");

    const killed = await getJob({ db: t.db, jobId: job.id });
    expect(killed).toMatchObject({ state: "running", workerId: "worker-A", attempt: 1 });
    // A left a half-written file behind.
    const dir = path.join(t.media, job.id);
    expect(readdirSync(dir).some((n) => n.endsWith(".part"))).toBe(true);

    const b = startWorker("worker-B");
    const done = await waitFor(
      async () => {
        const j = await getJob({ db: t.db, jobId: job.id });
        return j.state === "succeeded" ? j : null;
      },
      30_000,
      "worker B to finish the job",
    ).catch((err: Error) => {
      throw new Error(`${err.message}\n--- worker B log:\n${b.log()}`);
    });
    expect(done).toMatchObject({ workerId: "worker-B", attempt: 2, progressStep: 30 });

    const videos = await t.db.run((p) => p.video.findMany());
    expect(videos).toHaveLength(1);
    expect(videos[0]!.jobId).toBe(job.id);
    const keys = [videos[0]!.mp4Key, videos[0]!.posterKey!].map((k) => k.split("/").join(path.sep)).sort();
    expect(listFiles(t.media)).toEqual(keys); // nothing of A's run, no temporaries
    const workers = await t.db.run((p) => p.worker.findMany({ orderBy: { id: "asc" } }));
    expect(workers.map((w) => [w.id, w.jobsDone])).toEqual([
      ["worker-A", 0],
      ["worker-B", 1],
    ]);
    expect(b.log()).toMatch(/lease expired, queued again/);

    // SIGTERM mid-job: B hands the job back (attempt not counted), removes its files and exits 0.
    const { job: second } = await submit({ db: t.db, callerId: "alice", settings: settings("another", { steps: 100 }) });
    await waitFor(async () => (await getJob({ db: t.db, jobId: second.id })).progressStep >= 2, 30_000, "worker B to start the second job");
    b.child.kill("SIGTERM");
    expect(await b.exited).toBe(0);
    expect(await getJob({ db: t.db, jobId: second.id })).toMatchObject({ state: "queued", attempt: 0 });
    expect(existsSync(path.join(t.media, second.id))).toBe(false);
    expect(listFiles(t.media)).toEqual(keys);
  });
});
