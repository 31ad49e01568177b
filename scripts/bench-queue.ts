/**
 * npm run bench:queue -- [--jobs N] [--workers 1,4,16]
 *
 * How fast the queue hands out jobs: N queued jobs are claimed by 1, 4 and 16 claiming
 * processes at once (each a separate Node process with its own connection, as workers are),
 * on SQLite (one file, WAL) and on PostgreSQL (a throwaway server started here, as the tests
 * do; skipped when its binaries are missing). Each claim is the app's own single statement
 * (lib/db/jobs.ts claimNextJob; FOR UPDATE SKIP LOCKED on PostgreSQL). Prints jobs claimed per
 * second (all claims over the wall time from the first claim's start to the last one's end)
 * and each claim's latency, p50 / p99 / max, and checks every job was claimed exactly once.
 * A benchmark, not a test: it prints and asserts nothing.
 */
import { spawn } from "node:child_process";
import { copyFileSync, mkdtempSync, rmSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";

import { openDb } from "../lib/db/client";
import { newId } from "../lib/db/ids";
import { migrateDeploy } from "../lib/db/migrate";
import { startPostgres, type PostgresServer } from "../tests/postgres/server";

const { values: args } = parseArgs({
  options: {
    jobs: { type: "string", default: "2000" },
    workers: { type: "string", default: "1,4,16" },
  },
});
const JOBS = Number(args.jobs);
const WORKER_COUNTS = args.workers.split(",").map(Number);
const ROOT = path.resolve(import.meta.dirname, "..");

interface ClaimerResult {
  ids: string[];
  latenciesMs: number[];
  startMs: number;
  endMs: number;
}

/** Queues `n` jobs directly (setup, not measured), a millisecond apart. */
async function queueJobs(url: string, n: number) {
  const db = openDb({ url });
  const t0 = Date.now();
  const rows = Array.from({ length: n }, (_, i) => ({ id: newId(), callerId: "bench", prompt: `job ${i}`, createdAt: new Date(t0 + i), runAt: new Date(t0) }));
  for (let i = 0; i < rows.length; i += 500) {
    const batch = rows.slice(i, i + 500);
    await db.run((p) => p.job.createMany({ data: batch }));
  }
  await db.close();
}

async function runClaimers(url: string, workers: number): Promise<ClaimerResult[]> {
  const claimers = Array.from({ length: workers }, (_, n) => {
    const child = spawn(process.execPath, ["--import", "tsx", path.join(ROOT, "scripts/bench/queue-claimer.ts"), `bench-${n}`], {
      cwd: ROOT,
      env: { ...process.env, DATABASE_URL: url },
      stdio: ["pipe", "pipe", "inherit"],
    });
    let out = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => (out += d));
    const ready = new Promise<void>((resolve) => child.stdout.on("data", () => out.startsWith("ready\n") && resolve()));
    const done = new Promise<ClaimerResult>((resolve, reject) =>
      child.on("exit", (code) => (code === 0 ? resolve(JSON.parse(out.split("\n")[1]!) as ClaimerResult) : reject(new Error(`claimer exited ${code}`)))),
    );
    return { child, ready, done };
  });
  await Promise.all(claimers.map((c) => c.ready));
  for (const c of claimers) c.child.stdin.end("go\n");
  return Promise.all(claimers.map((c) => c.done));
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

interface Row {
  database: string;
  workers: number;
  claimed: number;
  perSecond: number;
  p50: number;
  p99: number;
  max: number;
  exactlyOnce: boolean;
}

async function measure(database: string, freshUrl: () => Promise<string>): Promise<Row[]> {
  const rows: Row[] = [];
  for (const workers of WORKER_COUNTS) {
    const url = await freshUrl();
    await queueJobs(url, JOBS);
    const results = await runClaimers(url, workers);
    const ids = results.flatMap((r) => r.ids);
    const lat = results.flatMap((r) => r.latenciesMs).sort((a, b) => a - b);
    const wall = (Math.max(...results.map((r) => r.endMs)) - Math.min(...results.map((r) => r.startMs))) / 1000;
    rows.push({
      database,
      workers,
      claimed: ids.length,
      perSecond: ids.length / wall,
      p50: percentile(lat, 50),
      p99: percentile(lat, 99),
      max: lat.at(-1)!,
      exactlyOnce: ids.length === JOBS && new Set(ids).size === JOBS,
    });
    console.error(`bench:queue: ${database}, ${workers} worker(s): done`);
  }
  return rows;
}

const dir = mkdtempSync(path.join(tmpdir(), "spacetime-bench-queue-"));
let server: PostgresServer | null = null;
try {
  console.error(`bench:queue: ${JOBS} jobs per run, ${WORKER_COUNTS.join(", ")} claiming processes; ${cpus().length} CPUs, load ${loadavg()[0]!.toFixed(2)}`);
  const template = path.join(dir, "template.db");
  migrateDeploy({ url: `file:${template}`, cwd: ROOT });
  let n = 0;
  const rows = await measure("SQLite", async () => {
    const file = path.join(dir, `run-${++n}.db`);
    copyFileSync(template, file);
    return `file:${file}`;
  });

  let pgNote = "";
  try {
    server = await startPostgres();
  } catch (err) {
    pgNote = `PostgreSQL skipped: ${(err as Error).message.split("\n")[0]}`;
  }
  if (server) {
    const pg = server;
    const templateUrl = await pg.createDatabase("bench_template");
    migrateDeploy({ url: templateUrl, cwd: ROOT });
    rows.push(...(await measure("PostgreSQL", () => pg.createDatabase(`bench_${++n}`, { template: "bench_template" }))));
  }

  const header = ["database", "workers", "claimed", "claims/s", "p50 ms", "p99 ms", "max ms", "each once"];
  const table = rows.map((r) => [r.database, String(r.workers), String(r.claimed), r.perSecond.toFixed(0), r.p50.toFixed(2), r.p99.toFixed(2), r.max.toFixed(2), r.exactlyOnce ? "yes" : "NO"]);
  const widths = header.map((h, i) => Math.max(h.length, ...table.map((row) => row[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i < 1 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join("  ");
  console.log(`Queue claims: ${JOBS} jobs per run, claiming processes started together (${cpus().length} CPUs shared by the claimers and the database)`);
  console.log(line(header));
  for (const row of table) console.log(line(row));
  if (pgNote) console.log(pgNote);
} finally {
  server?.stop();
  rmSync(dir, { recursive: true, force: true });
}
