/**
 * What a browser test needs around the production build: a fresh database and media folder,
 * `next start` on loopback and a worker process, named checks that print ✓/✗ and count, and
 * shutdown that leaves nothing running. Used by every tests/e2e suite.
 */
import { spawn, type ChildProcess } from "node:child_process";
import http from "node:http";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";

import { migrateDeploy } from "../../lib/db/migrate";

export const ROOT = path.resolve(import.meta.dirname, "../..");

export interface Studio {
  base: string;
  dir: string;
  dbUrl: string;
  /** SIGKILLs the web server on purpose (its exit is not reported) and resolves once it is gone. */
  killWeb(): Promise<void>;
  /** Starts the web server again and resolves once it answers. */
  startWeb(): Promise<void>;
  stop(): Promise<void>;
}

/** Starts web + worker on a fresh database; `env` adds to (or overrides) their environment. */
export async function startStudio(name: string, env: Record<string, string> = {}): Promise<Studio> {
  const port = Number(process.env.E2E_PORT ?? 3400 + Math.floor(Math.random() * 500));
  const base = `http://127.0.0.1:${port}`;
  const dir = mkdtempSync(path.join(tmpdir(), `spacetime-${name}-`));
  const dbUrl = `file:${path.join(dir, "e2e.db")}`;
  const childEnv: NodeJS.ProcessEnv = {
    ...process.env,
    DATABASE_URL: dbUrl,
    MEDIA_ROOT: path.join(dir, "media"),
    SPACETIME_DATA_DIR: dir,
    NODE_ENV: "production",
    ...env,
  };
  migrateDeploy({ url: dbUrl, cwd: ROOT });

  let stopping = false;
  const children: ChildProcess[] = [];
  const start = (args: string[], label: string) => {
    const child = spawn(process.execPath, args, { cwd: ROOT, env: childEnv, stdio: ["ignore", "pipe", "pipe"] });
    let log = "";
    child.stdout!.on("data", (d) => (log += d));
    child.stderr!.on("data", (d) => (log += d));
    child.on("exit", (code, signal) => {
      if (!stopping) console.error(`[${name}] ${label} exited (${code ?? signal}):\n${log.slice(-4000)}`);
    });
    children.push(child);
    return child;
  };
  const launchWeb = () => start([path.join(ROOT, "node_modules/next/dist/bin/next"), "start", "-p", String(port), "-H", "127.0.0.1"], "web");
  let web = launchWeb();
  start(["--import", "tsx", path.join(ROOT, "scripts/worker.ts")], "worker");

  const stop = async () => {
    stopping = true;
    for (const c of children) c.kill("SIGTERM");
    await sleep(1500);
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
    rmSync(dir, { recursive: true, force: true });
  };
  const webUp = async () => {
    for (let i = 0; ; i++) {
      if (await fetch(`${base}/api/queue`).then((r) => r.ok, () => false)) return;
      if (i > 120) {
        await stop();
        throw new Error("the web server did not come up in 60 s");
      }
      await sleep(500);
    }
  };
  await webUp();
  const killWeb = async () => {
    stopping = true; // this exit is on purpose
    const exited = new Promise((r) => web.once("exit", r));
    web.kill("SIGKILL");
    await exited;
    stopping = false;
  };
  const startWeb = async () => {
    web = launchWeb();
    await webUp();
  };
  return { base, dir, dbUrl, killWeb, startWeb, stop };
}

export const results = { passed: 0, failed: 0 };

/** Runs one named check; a failure is printed and counted, and the run goes on. */
export async function check(name: string, fn: () => Promise<void>): Promise<boolean> {
  try {
    await fn();
    results.passed++;
    console.log(`  ✓ ${name}`);
    return true;
  } catch (err) {
    results.failed++;
    console.log(`  ✗ ${name}\n    ${(err as Error).message.split("\n").join("\n    ")}`);
    return false;
  }
}

/** Runs a suite: a throw counts as one more failure, `cleanup` always runs, then the tally is printed and the process exits with it. */
export async function runSuite(main: () => Promise<void>, cleanup: () => Promise<unknown>): Promise<never> {
  try {
    await main();
  } catch (err) {
    results.failed++;
    console.error(err);
  } finally {
    await cleanup();
  }
  console.log(`\n${results.passed} passed, ${results.failed} failed`);
  process.exit(results.failed ? 1 : 0);
}

export function expect(cond: unknown, message: string): asserts cond {
  if (!cond) throw new Error(message);
}

/**
 * A GET from a chosen local source address (any 127.x.y.z works on Linux loopback), so a test
 * can be several clients by their TCP peer, which is what the server counts.
 */
export function getFrom(localAddress: string, url: string, headers: Record<string, string> = {}): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { localAddress, headers }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (d: string) => (body += d));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on("error", reject);
  });
}
