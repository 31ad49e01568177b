/**
 * Faults the worker meets while running the real pipeline (the stub model of
 * tests/pipeline/fixtures, so a clip takes about a second): an ffmpeg that crashes, one that
 * exits 0 after writing garbage, a full disk (under ffmpeg, and under the worker's own file
 * operations), a corrupt and a missing model file. Each time the job ends failed with a clear
 * stored error, no video row and no file of it left behind, and the same worker goes on to
 * finish the next job.
 *
 * The ffmpeg faults come from a wrapper script (FFMPEG_PATH) that misbehaves only for prompts
 * carrying a FAULT:<kind> marker, so the failing and the good job share one worker loop. The
 * full disk under ffmpeg is the kernel's: the wrapper lowers the file-size limit, and writes
 * past it fail (ffmpeg then still exits 0). The worker's own writes fail through a mocked
 * node:fs/promises that answers ENOSPC for one job's paths.
 */
import { chmodSync, copyFileSync, cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";

import { getJob, type Job } from "../../lib/db/jobs";
import { resolveFfmpeg } from "../../lib/pipeline/ffmpeg";
import { submit } from "../../lib/queue";
import { pipelineHandler } from "../../lib/queue/handlers";
import { createWorker } from "../../lib/queue/worker";
import { freshDb, listFiles, ROOT, settings, waitFor, type TestDb } from "./helpers";

/** Which of the worker's file operations fail with ENOSPC: those on paths containing `match`. */
const disk = vi.hoisted(() => ({ fault: null as null | { op: "mkdir" | "rename"; match: string; skip: number } }));

vi.mock("node:fs/promises", async (importOriginal) => {
  const real = await importOriginal<typeof import("node:fs/promises")>();
  const full = (op: string, p: string) =>
    Object.assign(new Error(`ENOSPC: no space left on device, ${op} '${p}'`), { code: "ENOSPC", errno: -28, syscall: op, path: p });
  const hit = (op: "mkdir" | "rename", p: string) => {
    const f = disk.fault;
    if (!f || f.op !== op || !p.includes(f.match)) return false;
    return f.skip-- <= 0; // the first `skip` matching calls succeed
  };
  const mkdir: typeof real.mkdir = ((p: string, o?: unknown) => (hit("mkdir", String(p)) ? Promise.reject(full("mkdir", String(p))) : real.mkdir(p, o as never))) as never;
  const rename: typeof real.rename = (a, b) => (hit("rename", String(b)) ? Promise.reject(full("rename", String(b))) : real.rename(a, b));
  return { ...real, mkdir, rename, default: { ...real, mkdir, rename } };
});

const STUB_MODEL = path.join(ROOT, "tests/pipeline/fixtures/stub-model");
const scratch = mkdtempSync(path.join(tmpdir(), "spacetime-faults-"));
const fullDiskExit = path.join(scratch, "full-disk-exit-status");
let t: TestDb;
const logs: string[] = [];

beforeAll(async () => {
  const real = await resolveFfmpeg();
  const wrapper = path.join(scratch, "ffmpeg");
  // Outputs are the arguments ending in .part (lib/pipeline/ffmpeg.ts writes temporaries first).
  writeFileSync(
    wrapper,
    `#!/bin/bash
case "$*" in
  *FAULT:crash*) echo "simulated encoder crash: Conversion failed!" >&2; exit 1 ;;
  *FAULT:garbage*) for a in "$@"; do case "$a" in *.part) printf 'not a video' > "$a" ;; esac; done; exit 0 ;;
  *FAULT:full-disk*)
    # 2 KiB: the stub model's WebM, poster and WebP fit, its MP4 (about 2.8 KB) does not.
    trap '' XFSZ; ulimit -f 2
    "${real}" "$@"; status=$?
    echo "$status" > "${fullDiskExit}"; exit $status ;;
esac
exec "${real}" "$@"
`,
  );
  chmodSync(wrapper, 0o755);
  process.env.FFMPEG_PATH = wrapper;
});
afterAll(() => {
  delete process.env.FFMPEG_PATH;
  rmSync(scratch, { recursive: true, force: true });
});

beforeEach(() => {
  t = freshDb();
  logs.length = 0;
  disk.fault = null;
});
afterEach(async () => {
  disk.fault = null;
  await t.cleanup();
});

const workerFor = (modelDir = STUB_MODEL, faultBackoffMs = { min: 20, max: 40 }) =>
  createWorker({
    handler: pipelineHandler({ modelDir, threads: 1 }),
    db: t.db,
    id: "w1",
    mediaRoot: t.media,
    leaseMs: 10_000,
    idleMs: { min: 20, max: 100 },
    faultBackoffMs,
    log: (line) => logs.push(line),
  });

async function add(prompt: string, maxAttempts = 1): Promise<Job> {
  const { job } = await submit({ db: t.db, callerId: "alice", settings: settings(prompt, { steps: 2, seed: 3 }), maxAttempts });
  return job;
}

const ended = (id: string) => async () => {
  const j = await getJob({ db: t.db, jobId: id });
  return ["succeeded", "failed", "canceled"].includes(j.state) ? j : null;
};

/** The failed job left nothing; the good one has its video and exactly its files. */
async function expectOnlyGoodOutput(bad: Job, good: Job) {
  const videos = await t.db.run((p) => p.video.findMany());
  expect(videos.map((v) => v.jobId)).toEqual([good.id]);
  const v = videos[0]!;
  const keys = [v.mp4Key, v.webmKey, v.posterKey, v.webpKey].map((k) => k!.split("/").join(path.sep)).sort();
  expect(listFiles(t.media)).toEqual(keys);
  expect(listFiles(path.join(t.media, bad.id))).toEqual([]);
}

/** Runs the worker loop until both jobs have ended; the bad one was queued
 * first. `aim` gets the bad job's id before the worker starts, for faults
 * that target that one job. */
async function runBadThenGood(badPrompt: string, aim?: (badJobId: string) => void): Promise<{ bad: Job; good: Job }> {
  const badJob = await add(badPrompt);
  aim?.(badJob.id);
  const goodJob = await add("a red ball bouncing in the snow");
  const w = workerFor();
  const loop = w.start();
  try {
    const bad = await waitFor(ended(badJob.id), 60_000, "the faulty job to end");
    const good = await waitFor(ended(goodJob.id), 60_000, "the next job to end");
    return { bad, good };
  } catch (err) {
    throw new Error(`${(err as Error).message}\n--- worker log:\n${logs.join("\n")}`);
  } finally {
    await w.stop();
    await loop;
  }
}

describe("the worker meets a failing ffmpeg", () => {
  it("ffmpeg crashes (exit 1): the job fails with ffmpeg's message, the next job succeeds", async () => {
    const { bad, good } = await runBadThenGood("a ball FAULT:crash");
    expect(bad.state).toBe("failed");
    expect(bad.error).toMatch(/^FFMPEG_FAILED: ffmpeg failed \(exit 1\): simulated encoder crash/);
    expect(good.state).toBe("succeeded");
    await expectOnlyGoodOutput(bad, good);
  });

  it("ffmpeg exits 0 but writes garbage: refused, not served as a clip", async () => {
    const { bad, good } = await runBadThenGood("a ball FAULT:garbage");
    expect(bad.state).toBe("failed");
    expect(bad.error).toMatch(/^FFMPEG_FAILED: ffmpeg exited 0 but its mp4 output is unusable/);
    expect(good.state).toBe("succeeded");
    await expectOnlyGoodOutput(bad, good);
  });
});

describe("the worker meets a full disk", () => {
  it("while ffmpeg writes (the kernel refuses writes past a file-size limit; ffmpeg still exits 0)", async () => {
    const { bad, good } = await runBadThenGood("a ball FAULT:full-disk");
    expect(bad.state).toBe("failed");
    expect(readFileSync(fullDiskExit, "utf8").trim()).toBe("0"); // ffmpeg said it succeeded
    expect(bad.error).toMatch(/^FFMPEG_FAILED: ffmpeg failed \(exit 0\): .*File too large/s);
    expect(good.state).toBe("succeeded");
    await expectOnlyGoodOutput(bad, good);
  });

  it("when the worker makes the run's folder: the job goes back unspent, the worker rests, then runs it", async () => {
    const job = await add("a ball", 1);
    disk.fault = { op: "mkdir", match: job.id, skip: 0 };
    const w = workerFor(STUB_MODEL, { min: 400, max: 400 });
    const loop = w.start();
    try {
      await waitFor(async () => logs.some((l) => l.includes("cannot run it")), 30_000, "the fault");
      const released = await getJob({ db: t.db, jobId: job.id });
      const releasedAt = Date.now();
      // Not the job's fault: queued again with its one attempt unspent, not failed.
      expect(released).toMatchObject({ state: "queued", attempt: 0 });
      expect(logs.join("\n")).toMatch(/cannot prepare its media folder: ENOSPC: no space left on device, mkdir .*-> returned to the queue, attempt not counted; no claims for 400 ms/);
      disk.fault = null; // room again
      const done = await waitFor(ended(job.id), 60_000, "the job to run");
      expect(done).toMatchObject({ state: "succeeded", attempt: 1 });
      // The worker rested before claiming again.
      expect(done.startedAt!.getTime()).toBeGreaterThanOrEqual(releasedAt + 300);
    } finally {
      await w.stop();
      await loop;
    }
  });

  it("when moving finished files into place: the ones already moved are taken back", async () => {
    // skip 1: the MP4 lands, the WebM does not
    const { bad, good } = await runBadThenGood("a ball", (id) => (disk.fault = { op: "rename", match: id, skip: 1 }));
    expect(bad.state).toBe("failed");
    expect(bad.error).toMatch(/ENOSPC: no space left on device, rename/);
    expect(good.state).toBe("succeeded");
    await expectOnlyGoodOutput(bad, good);
  });
});

describe("the worker meets a broken model", () => {
  let modelDir: string;
  beforeEach(() => {
    modelDir = mkdtempSync(path.join(scratch, "model-"));
    cpSync(STUB_MODEL, modelDir, { recursive: true });
  });

  it("a corrupt file (SHA-256 mismatch) hands the job back unspent; repaired, the same job runs", async () => {
    const w = workerFor(modelDir);
    const dit = path.join(modelDir, "dit.onnx");
    const original = readFileSync(dit);
    const corrupt = Buffer.from(original);
    corrupt[corrupt.length >> 1]! ^= 0xff;
    writeFileSync(dit, corrupt);
    const job = await add("a ball", 1);
    expect(await w.runOnce()).toBe(true);
    expect(await getJob({ db: t.db, jobId: job.id })).toMatchObject({ state: "queued", attempt: 0 }); // its one attempt is still there
    expect(logs.join("\n")).toMatch(/cannot run it \(MODEL_FILE_CORRUPT: model file "dit.onnx" \(dit\) is corrupt or was replaced: sha256 [0-9a-f]{64} but model.json says/);

    writeFileSync(dit, original);
    expect(await w.runOnce()).toBe(true);
    expect(await getJob({ db: t.db, jobId: job.id })).toMatchObject({ state: "succeeded", attempt: 1 });
  });

  it("a file deleted after the model was loaded: the next job goes back unspent, then runs once the file is back", async () => {
    const w = workerFor(modelDir);
    const first = await add("a red ball bouncing in the snow");
    expect(await w.runOnce()).toBe(true);
    expect((await getJob({ db: t.db, jobId: first.id })).state).toBe("succeeded");

    const vae = path.join(modelDir, "vae_decoder.onnx");
    const kept = path.join(scratch, "vae_decoder.onnx.kept");
    copyFileSync(vae, kept);
    rmSync(vae);
    const job = await add("a ball", 1);
    expect(await w.runOnce()).toBe(true);
    expect(await getJob({ db: t.db, jobId: job.id })).toMatchObject({ state: "queued", attempt: 0, error: null });
    expect(logs.join("\n")).toMatch(/cannot run it \(MODEL_FILE_MISSING: model file "vae_decoder.onnx" \(vae_decoder\) is missing/);
    expect(await t.db.run((p) => p.video.count({ where: { jobId: job.id } }))).toBe(0);
    expect(listFiles(path.join(t.media, job.id))).toEqual([]);

    copyFileSync(kept, vae);
    expect(await w.runOnce()).toBe(true);
    expect(await getJob({ db: t.db, jobId: job.id })).toMatchObject({ state: "succeeded", attempt: 1 });
  });
});
