/**
 * Each test gets its own SQLite file in a fresh temp folder (with a media folder beside it).
 * The schema comes from `prisma migrate deploy` of prisma/migrations (lib/db/migrate.ts, the
 * app's own path), run once per set of migrations into a template file that tests copy:
 * a copy takes a millisecond, the CLI about a second. In the "postgresql" project the same
 * tests get a database of their own on the run's PostgreSQL server instead, copied from a
 * template database migrated the same way.
 */
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { inject, test as base } from "vitest";

import { openDb, type Db, type OpenDbOptions } from "../../lib/db/client";
import { newId } from "../../lib/db/ids";
import type { Job } from "../../lib/db/jobs";
import { migrateDeploy } from "../../lib/db/migrate";
import type { DatabaseProvider } from "../../lib/db/url";
import type { VideoOutput } from "../../lib/db/videos";
import { claim, submit } from "../../lib/queue";
import type { JobSettingsInput } from "../../lib/queue/job-settings";
import { TEMPLATE_DATABASE } from "../postgres/global-setup";
import { postgresBinDir } from "../postgres/server";

export const ROOT = path.resolve(__dirname, "../..");

function templateDb(): string {
  const migrations = path.join(ROOT, "prisma/migrations");
  const hash = createHash("sha256");
  for (const dir of readdirSync(migrations).sort()) {
    const sql = path.join(migrations, dir, "migration.sql");
    if (existsSync(sql)) hash.update(dir).update(readFileSync(sql));
  }
  const file = path.join(tmpdir(), `spacetime-template-${hash.digest("hex").slice(0, 16)}.db`);
  if (!existsSync(file)) {
    const tmp = `${file}.${process.pid}.tmp`;
    migrateDeploy({ url: `file:${tmp}`, cwd: ROOT });
    renameSync(tmp, file); // atomic: a concurrent run sees the whole file or none
  }
  return file;
}

export interface TestDb {
  db: Db;
  url: string;
  dir: string;
  media: string;
  cleanup(): Promise<void>;
}

/** Tests of the "postgresql" project (vitest.config.ts) run the same code against PostgreSQL. */
export const TEST_PROVIDER: DatabaseProvider = process.env.SPACETIME_TEST_PROVIDER === "postgresql" ? "postgresql" : "sqlite";

/** `options.onQuery` sees every statement the test's connection sends. */
export function freshDb(options: Pick<OpenDbOptions, "onQuery"> = {}): TestDb {
  const dir = mkdtempSync(path.join(tmpdir(), "spacetime-queue-"));
  const media = path.join(dir, "media");
  mkdirSync(media);
  const { url, drop } = TEST_PROVIDER === "postgresql" ? postgresDatabase() : sqliteDatabase(dir);
  const db = openDb({ url, ...options });
  return {
    db,
    url,
    dir,
    media,
    async cleanup() {
      await db.close();
      drop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * `it` with a fresh database as `t`: a test that names it gets its own (made as it starts,
 * cleaned up after it, whether it passes or not); `it("...", async ({ t }) => ...)`.
 */
export const it = base.extend<{ t: TestDb }>({
  t: async ({}, use) => {
    const t = freshDb();
    await use(t);
    await t.cleanup();
  },
});

function sqliteDatabase(dir: string) {
  const file = path.join(dir, "test.db");
  copyFileSync(templateDb(), file);
  return { url: `file:${file}`, drop: () => {} };
}

let databases = 0;

/** A copy of the migrated template database of tests/postgres/global-setup.ts (synchronous, by psql). */
function postgresDatabase() {
  const server = inject("postgresUrl");
  const name = `test_${process.pid}_${++databases}`;
  const psql = (sql: string) => execFileSync(path.join(postgresBinDir()!, "psql"), [server, "-qc", sql], { stdio: "pipe" });
  psql(`CREATE DATABASE "${name}" TEMPLATE "${TEMPLATE_DATABASE}"`);
  const url = new URL(server);
  url.pathname = `/${name}`;
  return { url: url.toString(), drop: () => psql(`DROP DATABASE "${name}" WITH (FORCE)`) };
}

export const settings = (prompt = "a red ball bounces", extra: Partial<JobSettingsInput> = {}): JobSettingsInput => ({ prompt, ...extra });

/** Polls `check` until it returns a truthy value or `ms` pass. */
export async function waitFor<T>(check: () => Promise<T | null | undefined | false>, ms: number, what: string): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await sleep(50);
  }
}

/** Every file under dir, relative, sorted. */
export function listFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => path.relative(dir, path.join(e.parentPath, e.name)))
    .sort();
}

// ------------------------------------------------------------------ queue fixtures

/** The lease a claimed job is held under. */
export const leaseOf = (job: Job) => ({ jobId: job.id, workerId: job.workerId!, attempt: job.attempt });

/** What a worker reports for a finished run (files named after a fresh video id). */
export function outputFor(job: Job, extra: Partial<VideoOutput> = {}): VideoOutput {
  const videoId = newId();
  return {
    videoId,
    mp4Key: `${job.id}/${videoId}.mp4`,
    posterKey: `${job.id}/${videoId}.png`,
    width: 32,
    height: 32,
    frames: 9,
    fps: 8,
    seed: 42,
    steps: 4,
    guidance: 4,
    scheduler: "flow-match-euler",
    modelId: "test",
    timings: { total: 10 },
    secondsPerStep: 0.5,
    ...extra,
  };
}

/** Submits one job for "alice" and claims it as `workerId` with a 5 s lease. */
export async function submitAndClaim(db: Db, opts: { maxAttempts?: number; workerId?: string } = {}): Promise<Job> {
  const { job } = await submit({ db, callerId: "alice", settings: settings(), maxAttempts: opts.maxAttempts, limits: { maxActive: 100, perHour: 100 } });
  const claimed = await claim({ db, workerId: opts.workerId ?? "w1", leaseMs: 5_000 });
  if (claimed?.id !== job.id) throw new Error("expected to claim the job just submitted");
  return claimed;
}

/** Pretends the lease ran out a minute ago, as pg-boss's tests do. */
export async function backdateLease(db: Db, jobId: string): Promise<void> {
  await db.run((p) => p.job.update({ where: { id: jobId }, data: { leaseExpiresAt: new Date(Date.now() - 60_000) } }));
}

/** Queues n jobs for "alice", a millisecond apart (so their order is defined); returns their ids. */
export async function queueJobs(db: Db, n: number): Promise<string[]> {
  const ids: string[] = [];
  const t0 = Date.now();
  for (let i = 0; i < n; i++) {
    const { job } = await submit({ db, callerId: "alice", settings: settings(`job ${i}`), limits: { maxActive: 1000, perHour: 1000 }, now: new Date(t0 + i) });
    ids.push(job.id);
  }
  return ids;
}

/** Claims until the queue gives nothing; returns the ids in claim order. */
export async function drain(db: Db, workerId = "w"): Promise<string[]> {
  const ids: string[] = [];
  for (let job = await claim({ db, workerId }); job; job = await claim({ db, workerId })) ids.push(job.id);
  return ids;
}
