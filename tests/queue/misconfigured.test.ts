/**
 * A worker process (node --import tsx scripts/worker.ts) started with a bad configuration: an
 * unknown SPACETIME_PROVIDER, a model directory without a model, no ffmpeg. Each exits with
 * status 2 and one line on stderr saying why, before it claims anything: the queued job stays
 * queued with no attempt spent, and no worker is registered.
 */
import { spawn } from "node:child_process";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";

import { getJob } from "../../lib/db/jobs";
import { submit } from "../../lib/queue";
import { freshDb, ROOT, settings, type TestDb } from "./helpers";

const STUB_MODEL = path.join(ROOT, "tests/pipeline/fixtures/stub-model");

let t: TestDb;
beforeEach(() => {
  t = freshDb();
});
afterEach(async () => {
  await t.cleanup();
});

function runWorker(env: Record<string, string>): Promise<{ status: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, ["--import", "tsx", "scripts/worker.ts"], {
    cwd: ROOT,
    env: { ...process.env, DATABASE_URL: t.url, MEDIA_ROOT: t.media, SPACETIME_MODEL_DIR: STUB_MODEL, SPACETIME_THREADS: "1", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
  child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
  const killer = setTimeout(() => child.kill("SIGKILL"), 60_000); // a worker that did start would serve forever
  return new Promise((resolve) =>
    child.on("exit", (status) => {
      clearTimeout(killer);
      resolve({ status, stdout, stderr });
    }),
  );
}

const cases: [string, Record<string, string>, RegExp][] = [
  ["an unknown provider", { SPACETIME_PROVIDER: "cdua" }, /^\[worker\] cannot start: SPACETIME_PROVIDER must be one of cpu, webgpu, cuda, auto, got "cdua"$/],
  ["a missing model", { SPACETIME_MODEL_DIR: path.join(ROOT, "tests/no-such-model") }, /^\[worker\] cannot start: no model at .*no-such-model: cannot read model.json/],
  ["no ffmpeg", { FFMPEG_PATH: path.join(ROOT, "tests/no-such-ffmpeg") }, /^\[worker\] cannot start: no executable ffmpeg at .*no-such-ffmpeg \(from FFMPEG_PATH\)/],
];

describe("a misconfigured worker", () => {
  it.each(cases)("with %s exits 2 with a one-line reason and claims nothing", async (_what, env, reason) => {
    const { job } = await submit({ db: t.db, callerId: "alice", settings: settings("a ball", { steps: 2 }) });
    const { status, stderr } = await runWorker(env);
    expect(status).toBe(2);
    const lines = stderr.split("\n").filter((l) => l.trim() !== "");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(reason);
    expect(await getJob({ db: t.db, jobId: job.id })).toMatchObject({ state: "queued", attempt: 0, workerId: null });
    expect(await t.db.run((p) => p.worker.count())).toBe(0);
  });
});
