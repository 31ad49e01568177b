/**
 * Real worker processes (node --import tsx scripts/worker.ts).
 *
 * With the stand-in handler: one is SIGKILLed mid-job; another recovers the job through the
 * supervisor and completes it exactly once, with one video and no orphan or half-written
 * file. Then SIGTERM mid-job returns a job to the queue without counting the attempt, and the
 * process exits cleanly.
 *
 * With the real pipeline (stub model, denoising paced to ~PACE_MS a step): two workers drain
 * 50 jobs while a killer SIGKILLs one of them again and again, each time at a point it has
 * seen: while denoising (a checkpoint of this attempt is stored), while muxing (ffmpeg's
 * temporaries are in the job's folder) or just after a claim (nothing stored yet); the
 * pause before each kill is random (seeded: CRASH_SEED reproduces a run). Every job must end
 * succeeded exactly once, with one video and only its complete files, and every job killed
 * with a checkpoint stored must resume at that checkpoint's step.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { afterEach, beforeEach, describe, expect, it } from "vitest";

import { getJob } from "../../lib/db/jobs";
import { submit } from "../../lib/queue";
import { Xoshiro128StarStar } from "../../lib/pipeline/noise";
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

function startWorker(id: string, env: Record<string, string> = { SPACETIME_WORKER_HANDLER: "stand-in", STANDIN_STEP_MS: "60" }) {
  // `node --import tsx`, not the tsx CLI: that runs the script in a child process, which a
  // SIGKILL of the CLI would leave running.
  const child = spawn(process.execPath, ["--import", "tsx", "scripts/worker.ts"], {
    cwd: ROOT,
    env: {
      ...process.env,
      DATABASE_URL: t.url,
      MEDIA_ROOT: t.media,
      WORKER_LEASE_MS: "1500",
      WORKER_ID: id,
      ...env,
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

const PACE_MS = 20;
const PIPELINE_WORKER = {
  SPACETIME_WORKER_HANDLER: "paced-pipeline", // the real pipeline; see lib/queue/testing/paced-handler.ts
  PACED_STEP_MS: String(PACE_MS),
  SPACETIME_MODEL_DIR: path.join(ROOT, "tests/pipeline/fixtures/stub-model"),
  SPACETIME_THREADS: "1",
  WORKER_CHECKPOINT_EVERY: "3",
};

type Phase = "denoising" | "muxing" | "claimed";
interface Kill {
  jobId: string;
  phase: Phase;
  checkpointStep: number | null; // what the next attempt must resume from
}

/** Magic bytes of each finished file: a half-written file would not have them all. */
function looksComplete(file: string): boolean {
  const b = readFileSync(file);
  if (file.endsWith(".mp4")) return b.length > 32 && b.toString("latin1", 4, 8) === "ftyp" && b.includes("moov");
  if (file.endsWith(".webm")) return b.length > 32 && b.readUInt32BE(0) === 0x1a45dfa3;
  if (file.endsWith(".png")) return b.length > 8 && b.readUInt32BE(0) === 0x89504e47 && b.includes("IEND");
  if (file.endsWith(".webp")) return b.length > 12 && b.toString("latin1", 0, 4) === "RIFF" && b.toString("latin1", 8, 12) === "WEBP" && b.readUInt32LE(4) + 8 === b.length;
  return false;
}

describe("SIGKILL at random points across 50 jobs (real pipeline, stub model)", () => {
  it("every job succeeds exactly once, no orphan or partial file, killed jobs resume from their checkpoint", async () => {
    const JOBS = 50;
    const seed = Number(process.env.CRASH_SEED ?? Date.now() % 2 ** 32);
    const rng = Xoshiro128StarStar.fromSeed(seed);
    const random = () => rng.nextUint32() / 2 ** 32;
    const started = Date.now();
    const ids: string[] = [];
    for (let i = 0; i < JOBS; i++) {
      const s = settings(`a ${["red", "blue", "green"][i % 3]} ball bouncing, clip ${i}`, { steps: 16, extend: 1, seed: 1000 + i });
      const { job } = await submit({ db: t.db, callerId: "alice", settings: s, maxAttempts: 100, limits: { maxActive: 1000, perHour: 1000 } });
      ids.push(job.id);
    }

    const logs: (() => string)[] = [];
    let spawned = 0;
    const spawnWorker = () => {
      const w = startWorker(`w${++spawned}`, PIPELINE_WORKER);
      logs.push(w.log);
      return { ...w, id: `w${spawned}` };
    };
    const workers = [spawnWorker(), spawnWorker()];

    const runningOn = async (workerId: string) => {
      const rows = await t.db.run((p) =>
        p.job.findMany({ where: { state: "running", workerId }, select: { id: true, startedAt: true, checkpointStep: true, checkpointAt: true } }),
      );
      return rows[0] ?? null;
    };
    const phaseOf = async (workerId: string): Promise<{ jobId: string; phase: Phase } | null> => {
      const job = await runningOn(workerId);
      if (!job) return null;
      const dir = path.join(t.media, job.id);
      const muxing = existsSync(dir) && readdirSync(dir).some((n) => n.endsWith(".part"));
      const ownCheckpoint = job.checkpointAt !== null && job.startedAt !== null && job.checkpointAt >= job.startedAt;
      return { jobId: job.id, phase: muxing ? "muxing" : ownCheckpoint ? "denoising" : "claimed" };
    };
    const allDone = async () => (await t.db.run((p) => p.job.count({ where: { state: "succeeded" } }))) === JOBS;

    // The killer: targets cycle through the phases; a target not seen within 3 s is skipped.
    const kills: Kill[] = [];
    const targets: Phase[] = ["denoising", "muxing", "denoising", "claimed"];
    for (let round = 0; kills.length < 60 && !(await allDone()); round++) {
      const target = targets[round % targets.length]!;
      const slot = Math.floor(random() * workers.length);
      const w = workers[slot]!;
      const seen = await waitFor(async () => ((await phaseOf(w.id))?.phase === target ? true : (await allDone()) ? "done" : null), 3_000, target).catch(
        () => null,
      );
      if (seen !== true) continue;
      if (target === "denoising") await sleep(random() * 3 * PACE_MS); // anywhere in the next few steps
      w.child.kill("SIGKILL");
      await w.exited;
      const job = await t.db.run((p) => p.job.findMany({ where: { workerId: w.id, state: "running" }, select: { id: true, checkpointStep: true } }));
      const phase = (await phaseOf(w.id))?.phase ?? target; // what the dead worker left: its files and row are frozen
      if (job[0]) kills.push({ jobId: job[0].id, phase, checkpointStep: job[0].checkpointStep });
      workers[slot] = spawnWorker();
      await sleep(100 + random() * 400);
    }

    await waitFor(allDone, 120_000, "every job to succeed").catch((err: Error) => {
      throw new Error(`${err.message} (CRASH_SEED=${seed})\n--- last worker logs:\n${workers.map((w) => w.log().slice(-3000)).join("\n---\n")}`);
    });
    for (const w of workers) w.child.kill("SIGTERM");
    await Promise.all(workers.map((w) => w.exited));
    const log = logs.map((l) => l()).join("\n");
    const byPhase = (p: Phase) => kills.filter((k) => k.phase === p).length;
    console.log(
      `crash test (CRASH_SEED=${seed}): ${JOBS} jobs, ${kills.length} kills (${byPhase("denoising")} denoising, ${byPhase("muxing")} muxing, ` +
        `${byPhase("claimed")} just claimed), ${spawned} worker processes, ${((Date.now() - started) / 1000).toFixed(1)} s`,
    );

    // Every job succeeded exactly once: one video each, one "succeeded" line each.
    const videos = await t.db.run((p) => p.video.findMany());
    expect(videos).toHaveLength(JOBS);
    expect(new Set(videos.map((v) => v.jobId))).toEqual(new Set(ids));
    for (const id of ids) expect(log.match(new RegExp(`job ${id}: succeeded`, "g")), id).toHaveLength(1);
    const jobs = await t.db.run((p) => p.job.findMany({ select: { state: true, checkpoint: true, preview: true } }));
    expect(jobs.every((j) => j.state === "succeeded" && j.checkpoint === null && j.preview === null)).toBe(true);

    // Only the videos' files, each complete: no orphan, no temporary, nothing half-written.
    const keys = videos.flatMap((v) => [v.mp4Key, v.webmKey, v.posterKey, v.webpKey]).map((k) => k!.split("/").join(path.sep));
    expect(listFiles(t.media)).toEqual(keys.sort());
    for (const k of keys) expect(looksComplete(path.join(t.media, k)), k).toBe(true);

    // Kills landed in every phase, and each one with a stored checkpoint resumed from it.
    expect(byPhase("denoising")).toBeGreaterThanOrEqual(10);
    expect(byPhase("muxing")).toBeGreaterThanOrEqual(5);
    expect(log).not.toMatch(/not used|starting over/);
    // As sets: an attempt killed before it got as far as reading the checkpoint logs nothing,
    // and the next one resumes from the same step.
    const resumed = new Set([...log.matchAll(/job (\S+): resuming at step (\d+)/g)].map(([, id, step]) => `${id} at ${step}`));
    const stored = new Set(kills.filter((k) => k.checkpointStep !== null).map((k) => `${k.jobId} at ${k.checkpointStep}`));
    expect(resumed).toEqual(stored);
    for (const k of kills.filter((k) => k.phase !== "claimed")) expect(k.checkpointStep, `job ${k.jobId} killed while ${k.phase}`).toBeGreaterThan(0);
  }, 180_000);
});
