/**
 * npm run bench:gallery -- [--sizes 1000,100000] [--runs 300]
 *
 * Does the gallery stay fast as it grows? For each size, a fresh SQLite file in a temp folder
 * (built by the committed migrations, as the app's) is seeded with that many clips — prompts
 * from the world's vocabulary, 5% the caller's own, 30% published, 1% deleted, one in a
 * thousand carrying a rare word — and each gallery query runs `runs` times through
 * listVideos(), the API's own path (Prisma and all), alternating between the sizes so that
 * whatever else the machine is doing weighs on each alike. It prints p50 and p99 latency per
 * query and size, and the p99 ratio of the largest size to the smallest: the goal is at most 2x.
 * A benchmark, not a test: the exit status is 1 when a ratio is over the goal, 0 otherwise.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";

import { openDb, type Db } from "../lib/db/client";
import { migrateDeploy } from "../lib/db/migrate";
import { listVideos, type GalleryScope } from "../lib/db/videos";

// better-sqlite3 (the Prisma adapter's driver) ships no types: the little seeding uses of it.
interface Sqlite {
  prepare(sql: string): { run(...values: unknown[]): unknown };
  transaction(fn: () => void): () => void;
  pragma(text: string): unknown;
  close(): void;
}
const Database = createRequire(import.meta.url)("better-sqlite3") as new (file: string) => Sqlite;

const { values: args } = parseArgs({ options: { sizes: { type: "string", default: "1000,100000" }, runs: { type: "string", default: "300" } } });
const CALLER = "bench-caller-000000000000";
const COLOURS = ["red", "orange", "yellow", "green", "blue", "purple", "pink", "white"];
const OBJECTS = ["ball", "cube", "star", "car", "boat", "fish", "bird", "balloon"];
const MOTIONS = ["bouncing", "spinning", "moving left", "moving right", "moving up", "moving down", "growing", "shrinking"];
const SCENES = ["in the sky", "at sunset", "at night", "on the sea", "in a field", "in the snow"];

interface Query {
  name: string;
  scope: GalleryScope;
  q?: string;
  pages?: number; // follow the cursor this many times first; the last page is timed
}

const QUERIES: Query[] = [
  { name: "list all, first page", scope: "all" },
  { name: "list all, 5th page", scope: "all", pages: 4 },
  { name: "list mine", scope: "mine" },
  { name: "list public", scope: "public" },
  { name: 'search "ball" (common)', scope: "all", q: "ball" },
  { name: 'search "red ball"', scope: "all", q: "red ball" },
  { name: 'search "purple boat snow"', scope: "all", q: "purple boat snow" },
  { name: 'search "glittering" (rare)', scope: "all", q: "glittering" },
  { name: 'search "unicorn" (none)', scope: "all", q: "unicorn" },
  { name: 'search public "bouncing"', scope: "public", q: "bouncing" },
  { name: 'search mine "star"', scope: "mine", q: "star" },
];

/** Deterministic pseudo-random numbers (mulberry32), so every size gets the same mix. */
function rng(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Seeds n clips (and their jobs) straight through better-sqlite3: the app's path would take minutes. */
function seed(file: string, n: number) {
  const sqlite = new Database(file);
  const random = rng(42);
  const pick = <T>(a: T[]) => a[Math.floor(random() * a.length)]!;
  const job = sqlite.prepare(`INSERT INTO "Job" ("id", "callerId", "prompt", "state", "createdAt", "runAt") VALUES (?, ?, ?, 'succeeded', ?, ?)`);
  const video = sqlite.prepare(
    `INSERT INTO "Video" ("id", "jobId", "slug", "callerId", "published", "prompt", "steps", "guidance", "scheduler", "mp4Key",
       "width", "height", "frames", "fps", "seed", "modelId", "createdAt", "deletedAt")
     VALUES (?, ?, ?, ?, ?, ?, 20, 2, 'flow-match-euler', ?, 128, 128, 17, 8, ?, 'bench', ?, ?)`,
  );
  const t0 = Date.parse("2026-01-01T00:00:00Z");
  sqlite.transaction(() => {
    for (let i = 0; i < n; i++) {
      const id = `v${String(i).padStart(23, "0")}`;
      const jobId = `j${String(i).padStart(23, "0")}`;
      const owner = random() < 0.05 ? CALLER : `caller-${Math.floor(random() * 5000)}`;
      const rare = random() < 0.001 ? " glittering" : "";
      const prompt = `a ${pick(COLOURS)} ${pick(OBJECTS)} ${pick(MOTIONS)} ${pick(SCENES)}${rare}`;
      const at = t0 + i * 1000;
      job.run(jobId, owner, prompt, at, at);
      video.run(id, jobId, `s${id}`, owner, random() < 0.3 ? 1 : 0, prompt, `${jobId}/${id}.mp4`, i, at, random() < 0.01 ? at + 1 : null);
    }
  })();
  sqlite.pragma("optimize");
  sqlite.close();
}

/** Latencies of `query` on each database, taking turns run by run. */
async function time(dbs: Db[], query: Query, runs: number): Promise<{ p50: number; p99: number; rows: number }[]> {
  const cursors = await Promise.all(
    dbs.map(async (db) => {
      let cursor: string | null = null;
      for (let i = 0; i < (query.pages ?? 0); i++) {
        cursor = (await listVideos({ db, callerId: CALLER, scope: query.scope, q: query.q, cursor, limit: 24 })).nextCursor;
      }
      return cursor;
    }),
  );
  const ms = dbs.map(() => [] as number[]);
  const rows = dbs.map(() => 0);
  for (let i = 0; i < runs + 20; i++) {
    for (const [k, db] of dbs.entries()) {
      const t = performance.now();
      const page = await listVideos({ db, callerId: CALLER, scope: query.scope, q: query.q, cursor: cursors[k], limit: 24 });
      if (i >= 20) ms[k]!.push(performance.now() - t); // the first 20 warm caches and the JIT
      rows[k] = page.videos.length;
    }
  }
  return ms.map((m, k) => {
    m.sort((a, b) => a - b);
    const at = (p: number) => m[Math.min(m.length - 1, Math.floor(p * m.length))]!;
    return { p50: at(0.5), p99: at(0.99), rows: rows[k]! };
  });
}

async function main() {
  const sizes = args.sizes.split(",").map(Number);
  const runs = Number(args.runs);
  const root = mkdtempSync(path.join(tmpdir(), "spacetime-bench-gallery-"));
  const results = new Map<number, Map<string, { p50: number; p99: number; rows: number }>>(sizes.map((n) => [n, new Map()]));
  const dbs: Db[] = [];
  try {
    for (const n of sizes) {
      const file = path.join(root, `gallery-${n}.db`);
      migrateDeploy({ url: `file:${file}` });
      const t = performance.now();
      seed(file, n);
      console.log(`seeded ${n} clips in ${((performance.now() - t) / 1000).toFixed(1)} s`);
      dbs.push(openDb({ url: `file:${file}` }));
    }
    for (const q of QUERIES) {
      const measured = await time(dbs, q, runs);
      for (const [k, n] of sizes.entries()) results.get(n)!.set(q.name, measured[k]!);
    }
  } finally {
    await Promise.all(dbs.map((db) => db.close()));
    rmSync(root, { recursive: true, force: true });
  }

  const small = sizes[0]!;
  const large = sizes.at(-1)!;
  const fmt = (x: number) => x.toFixed(3).padStart(8);
  console.log(`\ngallery latency through listVideos(), ms (${runs} runs each, 24 per page)`);
  console.log(`${"query".padEnd(30)} ${sizes.map((n) => `${`p50@${n}`.padStart(10)} ${`p99@${n}`.padStart(10)}`).join(" ")}  rows  p99 ratio`);
  let over = 0;
  for (const q of QUERIES) {
    const cells = sizes.map((n) => {
      const r = results.get(n)!.get(q.name)!;
      return `${fmt(r.p50).padStart(10)} ${fmt(r.p99).padStart(10)}`;
    });
    const ratio = results.get(large)!.get(q.name)!.p99 / results.get(small)!.get(q.name)!.p99;
    if (ratio > 2) over++;
    const rows = sizes.map((n) => results.get(n)!.get(q.name)!.rows).join("/");
    console.log(`${q.name.padEnd(30)} ${cells.join(" ")}  ${rows.padStart(5)}  ${ratio.toFixed(2)}x${ratio > 2 ? "  OVER 2x" : ""}`);
  }
  console.log(over ? `\n${over} quer${over === 1 ? "y is" : "ies are"} over the 2x goal` : `\nevery p99 at ${large} is within 2x of ${small}`);
  process.exitCode = over ? 1 : 0;
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
