/**
 * Crash recovery under `npm start` (scripts/start.mjs) against the production build, with the
 * real pipeline on the stub model (denoising paced so jobs last a few seconds:
 * lib/queue/testing/paced-handler.ts):
 *
 * - Four jobs are submitted and the worker is SIGKILLed twice while they run. Every job
 *   succeeds exactly once (one video each), the web server answers every request throughout,
 *   and the launcher's log says what it restarted and why.
 * - The web server is SIGKILLed: the launcher restarts it and it serves again.
 * - A launcher whose worker cannot run as configured gives up with a clear message and stops.
 * Prints "N passed, N failed"; exits non-zero on any failure.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";

import { openDb } from "../../lib/db/client";
import { check, expect, ROOT, runSuite } from "./harness";

interface Launcher {
  base: string;
  child: ChildProcess;
  log: () => string;
  exited: Promise<number | string>;
  dir: string;
}

function launch(name: string, env: Record<string, string>): Launcher {
  const port = 3400 + Math.floor(Math.random() * 500);
  const dir = mkdtempSync(path.join(tmpdir(), `spacetime-${name}-`));
  const child = spawn(process.execPath, [path.join(ROOT, "scripts/start.mjs")], {
    cwd: ROOT,
    env: {
      ...process.env,
      PORT: String(port),
      DATABASE_URL: `file:${path.join(dir, "e2e.db")}`,
      MEDIA_ROOT: path.join(dir, "media"),
      SPACETIME_DATA_DIR: dir,
      NODE_ENV: "production",
      ...env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let log = "";
  child.stdout!.setEncoding("utf8").on("data", (d: string) => (log += d));
  child.stderr!.setEncoding("utf8").on("data", (d: string) => (log += d));
  const exited = new Promise<number | string>((resolve) => child.on("exit", (code, signal) => resolve(code ?? signal ?? -1)));
  return { base: `http://localhost:${port}`, child, log: () => log, exited, dir };
}

async function waitFor<T>(what: string, ms: number, fn: () => Promise<T | null | undefined | false>): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn().catch(() => null);
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await sleep(100);
  }
}

/** The pid the launcher's log last gave for `name` ("start: worker started (pid N)"). */
function lastPid(l: Launcher, name: string): number | null {
  const all = [...l.log().matchAll(new RegExp(`start: ${name} started \\(pid (\\d+)\\)`, "g"))];
  return all.length ? Number(all.at(-1)![1]) : null;
}

interface JobView {
  id: string;
  state: string;
  attempt: number;
  progress: { step: number };
  video: { id: string } | null;
}

async function stop(l: Launcher) {
  if (l.child.exitCode === null && l.child.signalCode === null) l.child.kill("SIGTERM");
  const gone = await Promise.race([l.exited, sleep(15_000).then(() => null)]);
  if (gone === null) l.child.kill("SIGKILL");
  rmSync(l.dir, { recursive: true, force: true });
}

async function recovery() {
  const l = launch("recovery-e2e", {
    SPACETIME_WORKER_HANDLER: "paced-pipeline",
    SPACETIME_MODEL_DIR: path.join(ROOT, "tests/pipeline/fixtures/stub-model"),
    SPACETIME_THREADS: "1",
    PACED_STEP_MS: "150",
    WORKER_CHECKPOINT_EVERY: "2",
    WORKER_LEASE_MS: "2000",
  });
  try {
    await waitFor("the web server", 90_000, async () => (await fetch(`${l.base}/api/queue`)).ok);
    // The web server must answer all along: a request every 200 ms, each must be a 200.
    const misses: string[] = [];
    let polls = 0;
    let watching = true;
    const watcher = (async () => {
      while (watching) {
        const r = await fetch(`${l.base}/api/queue`).then((res) => String(res.status), (err: Error) => err.message);
        polls++;
        if (r !== "200") misses.push(r);
        await sleep(200);
      }
    })();

    const first = await fetch(`${l.base}/api/jobs`, {
      method: "POST",
      headers: { "content-type": "application/json", origin: l.base },
      body: JSON.stringify({ prompt: "a red ball bouncing in the snow", steps: 20, seed: 1, variations: 4 }),
    });
    const submitted = await first.text();
    expect(first.status === 202, `submitting: ${first.status} ${submitted}`);
    const cookie = first.headers.get("set-cookie")!.split(";")[0]!;
    const ids = (JSON.parse(submitted) as { jobs: JobView[] }).jobs.map((j) => j.id);
    const jobs = async () => ((await (await fetch(`${l.base}/api/jobs?limit=10`, { headers: { cookie } })).json()) as { jobs: JobView[] }).jobs;

    await check("the worker is SIGKILLed twice mid-job and the launcher restarts it each time, saying so", async () => {
      for (let kill = 1; kill <= 2; kill++) {
        await waitFor(`a job to make progress before kill ${kill}`, 90_000, async () => (await jobs()).some((j) => j.state === "running" && j.progress.step >= 4));
        const pid = lastPid(l, "worker");
        expect(pid !== null, `no worker pid in the launcher's log:\n${l.log()}`);
        process.kill(pid, "SIGKILL");
        await waitFor(`the worker's restart after kill ${kill}`, 30_000, async () => lastPid(l, "worker") !== pid);
      }
      const restarts = l.log().match(/start: worker was killed by SIGKILL; restarting it in \d+ ms/g) ?? [];
      expect(restarts.length === 2, `the launcher's log names ${restarts.length} worker restarts:\n${l.log()}`);
    });

    await check("all 4 jobs succeed, exactly once each", async () => {
      const done = await waitFor("all jobs to succeed", 180_000, async () => {
        const all = (await jobs()).filter((j) => ids.includes(j.id));
        return all.length === 4 && all.every((j) => j.state === "succeeded") ? all : null;
      });
      expect(new Set(done.map((j) => j.video!.id)).size === 4, "four distinct videos");
      const db = openDb({ url: `file:${path.join(l.dir, "e2e.db")}` });
      try {
        const videos = await db.run((p) => p.video.groupBy({ by: ["jobId"], _count: true }));
        expect(videos.length === 4 && videos.every((v) => v._count === 1), `videos per job: ${JSON.stringify(videos)}`);
      } finally {
        await db.close();
      }
      expect(done.some((j) => j.attempt >= 2), "a killed job was run again");
    });

    watching = false;
    await watcher;
    await check("the web server answered every request while the worker crashed", async () => {
      expect(polls > 20, `only ${polls} requests were made`);
      expect(misses.length === 0, `${misses.length} of ${polls} requests failed: ${misses.slice(0, 5).join(", ")}`);
    });

    await check("a killed web server is restarted and serves again", async () => {
      const pid = lastPid(l, "web server");
      expect(pid !== null, "no web server pid in the log");
      process.kill(pid, "SIGKILL");
      await waitFor("the web server's restart", 30_000, async () => lastPid(l, "web server") !== pid);
      await waitFor("the web server to serve again", 60_000, async () => (await fetch(`${l.base}/api/queue`)).ok);
      expect(/start: web server was killed by SIGKILL; restarting it/.test(l.log()), `the log does not say so:\n${l.log()}`);
    });
  } finally {
    await stop(l);
  }
}

async function misconfigured() {
  const l = launch("misconfigured-e2e", { SPACETIME_PROVIDER: "cdua" });
  try {
    await check("a worker that cannot run as configured: the launcher gives up with a clear message and exits non-zero", async () => {
      const status = await Promise.race([l.exited, sleep(90_000).then(() => "still running")]);
      expect(status === 2, `the launcher ended with ${status}:\n${l.log()}`);
      expect(/\[worker\] cannot start: SPACETIME_PROVIDER must be one of/.test(l.log()), `no reason from the worker:\n${l.log()}`);
      expect(/start: giving up: worker exited with status 2, which means it cannot run as configured/.test(l.log()), `no message from the launcher:\n${l.log()}`);
      expect(l.log().match(/start: worker started/g)?.length === 1, "the worker was started more than once");
    });
  } finally {
    await stop(l);
  }
}

async function main() {
  console.log("Crash recovery under npm start (tests/e2e/recovery.e2e.ts)");
  await recovery();
  await misconfigured();
}

await runSuite(main, async () => {});
