/**
 * A fleet on PostgreSQL with no shared disk: four real worker processes (scripts/worker.ts with
 * the STAND-IN HANDLER, not the model: lib/queue/testing/stand-in-handler.ts), each with its own
 * run folder, putting clips into an S3-compatible store (s3rver, started here). They drain 500
 * jobs with every job claimed exactly once; then one is SIGKILLed mid-job and another finishes
 * its job exactly once; and the web app's media route serves a clip from the store.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { GET as mediaRoute } from "../../app/media/[videoId]/[file]/route";
import { getJob } from "../../lib/db/jobs";
import { submit } from "../../lib/queue";
import { mediaStoreFromEnv } from "../../lib/storage";
import { newCaller, params, request } from "../api/helpers";
import { freshDb, listFiles, ROOT, settings, TEST_PROVIDER, waitFor, type TestDb } from "../queue/helpers";
import { startS3, type TestS3 } from "../storage/s3-server";
import { POSTGRES_MISSING, postgresBinDir } from "./server";

const JOBS = 500;
const WORKERS = 4;

interface WorkerProcess {
  id: string;
  child: ChildProcess;
  runs: string; // its own disk
  log(): string;
  exited: Promise<number | string>;
}

let t: TestDb;
let s3: TestS3;
const workers: WorkerProcess[] = [];
const scratch = mkdtempSync(path.join(tmpdir(), "spacetime-fleet-"));

function startWorker(id: string): WorkerProcess {
  const runs = mkdtempSync(path.join(scratch, `${id}-`));
  const child = spawn(process.execPath, ["--import", "tsx", "scripts/worker.ts"], {
    cwd: ROOT,
    env: {
      ...process.env,
      ...s3.env,
      DATABASE_URL: t.url,
      MEDIA_ROOT: runs,
      SPACETIME_WORKER_HANDLER: "stand-in", // NOT the model
      STANDIN_STEP_MS: "20",
      WORKER_LEASE_MS: "1500",
      WORKER_ID: id,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let log = "";
  child.stdout!.setEncoding("utf8").on("data", (d: string) => (log += d));
  child.stderr!.setEncoding("utf8").on("data", (d: string) => (log += d));
  const exited = new Promise<number | string>((resolve) => child.on("exit", (code, signal) => resolve(code ?? signal ?? -1)));
  return { id, child, runs, log: () => log, exited };
}

/** How often each job id appears in the workers' "claimed" log lines. */
function claimsPerJob(): Map<string, number> {
  const claims = new Map<string, number>();
  for (const w of workers) for (const m of w.log().matchAll(/job ([A-Za-z0-9_-]{24}): claimed/g)) claims.set(m[1]!, (claims.get(m[1]!) ?? 0) + 1);
  return claims;
}

const skip = !postgresBinDir() || TEST_PROVIDER !== "postgresql";

describe.skipIf(skip)(`a PostgreSQL fleet of ${WORKERS} workers${skip ? ` (skipped: ${POSTGRES_MISSING})` : ""}`, () => {
  beforeAll(async () => {
    t = freshDb();
    s3 = await startS3();
    for (let i = 1; i <= WORKERS; i++) workers.push(startWorker(`fleet-${i}`));
  });
  afterAll(async () => {
    for (const w of workers) if (w.child.exitCode === null && w.child.signalCode === null) w.child.kill("SIGKILL");
    await Promise.all(workers.map((w) => w.exited));
    await s3?.stop();
    await t?.cleanup();
    rmSync(scratch, { recursive: true, force: true });
  });

  it(`drains ${JOBS} jobs, each claimed once, every clip in the store and nothing on any worker's disk`, async () => {
    const ids: string[] = [];
    for (let i = 0; i < JOBS; i++) {
      const { job } = await submit({ db: t.db, callerId: "alice", settings: settings(`job ${i}`, { steps: 1 }), limits: { maxActive: JOBS, perHour: JOBS } });
      ids.push(job.id);
    }
    await waitFor(
      async () => (await t.db.run((p) => p.job.count({ where: { state: "succeeded" } }))) === JOBS,
      120_000,
      `${JOBS} jobs to succeed`,
    ).catch((err: Error) => {
      throw new Error(`${err.message}\n${workers.map((w) => `--- ${w.id}:\n${w.log().slice(-2000)}`).join("\n")}`);
    });

    const jobs = await t.db.run((p) => p.job.findMany({ select: { id: true, attempt: true, workerId: true, video: { select: { mp4Key: true, posterKey: true } } } }));
    expect(jobs).toHaveLength(JOBS);
    expect(jobs.every((j) => j.attempt === 1 && j.video !== null)).toBe(true);
    const claims = claimsPerJob();
    expect(claims.size).toBe(JOBS);
    expect([...claims.values()].every((n) => n === 1)).toBe(true);
    expect(new Set(claims.keys())).toEqual(new Set(ids));
    // They shared the work, and each counted its own.
    const rows = await t.db.run((p) => p.worker.findMany({ orderBy: { id: "asc" } }));
    expect(rows.map((w) => w.id)).toEqual(workers.map((w) => w.id));
    expect(rows.reduce((a, w) => a + w.jobsDone, 0)).toBe(JOBS);
    expect(rows.filter((w) => w.jobsDone > 0).length).toBeGreaterThan(1);
    expect(rows.every((w) => w.secondsPerStep !== null && w.secondsPerStep > 0)).toBe(true);

    // Every clip is in the store, with nothing else; the workers' own disks hold nothing.
    const store = mediaStoreFromEnv(s3.env);
    expect((await store.jobIds()).sort()).toEqual([...ids].sort());
    const sample = jobs.slice(0, 20);
    for (const j of sample) expect((await store.listJob(j.id)).sort()).toEqual([j.video!.mp4Key, j.video!.posterKey].sort());
    for (const w of workers) expect(listFiles(w.runs)).toEqual([]);
  });

  it("recovers a SIGKILLed worker's job on another: it completes once, one clip, served from the store", async () => {
    const { job } = await submit({ db: t.db, callerId: "bob", settings: settings("a slow one", { steps: 100 }) });
    const running = await waitFor(
      async () => {
        const j = await getJob({ db: t.db, jobId: job.id });
        return j.state === "running" && j.progressStep >= 5 ? j : null;
      },
      30_000,
      "a worker to be well into the slow job",
    );
    const victim = workers.find((w) => w.id === running.workerId)!;
    victim.child.kill("SIGKILL");
    expect(await victim.exited).toBe("SIGKILL");
    expect(readdirSync(path.join(victim.runs, job.id)).some((n) => n.endsWith(".part"))).toBe(true); // its half-done run, on its own disk

    const done = await waitFor(
      async () => {
        const j = await getJob({ db: t.db, jobId: job.id });
        return j.state === "succeeded" ? j : null;
      },
      60_000,
      "another worker to finish the job",
    );
    expect(done.attempt).toBe(2);
    expect(done.workerId).not.toBe(victim.id);
    expect(claimsPerJob().get(job.id)).toBe(2); // the victim's claim and the rescuer's
    const videos = await t.db.run((p) => p.video.findMany({ where: { jobId: job.id } }));
    expect(videos).toHaveLength(1);
    const store = mediaStoreFromEnv(s3.env);
    expect((await store.listJob(job.id)).sort()).toEqual([videos[0]!.mp4Key, videos[0]!.posterKey].sort());

    // The web app (this process, the same database) serves the clip from S3, by ranges.
    Object.assign(process.env, s3.env, { SPACETIME_SECRET: "test-secret-test-secret-test-secret-0123456789" });
    (globalThis as { spacetimeDb?: unknown }).spacetimeDb = t.db;
    try {
      const owner = newCaller();
      await t.db.run((p) => p.video.update({ where: { id: videos[0]!.id }, data: { callerId: owner.id } }));
      const res = await mediaRoute(request("GET", `/media/${videos[0]!.id}/video.mp4`, { caller: owner, headers: { range: "bytes=0-3" } }), params({ videoId: videos[0]!.id, file: "video.mp4" }));
      expect(res.status).toBe(206);
      expect(await res.text()).toBe("step"); // the stand-in's mp4 is its step log
      expect(res.headers.get("content-range")).toMatch(/^bytes 0-3\/\d+$/);
    } finally {
      for (const k of Object.keys(s3.env)) delete process.env[k];
      (globalThis as { spacetimeDb?: unknown }).spacetimeDb = undefined;
    }
  });
});
