/**
 * `npm run bench:load`: the studio under load, on loopback, everything measured in this run.
 *
 * 1. A fresh database with SEED_CLIPS published clips, `next start` (the production build,
 *    which must exist: `npm run build`) and one worker running the real pipeline on the dev
 *    model (models/dev, or --model).
 * 2. Idle: one warm-up generation (sessions load), then IDLE_RUNS timed generations on a quiet
 *    server (claim to finish, as the job records it).
 * 3. Load: the same generation is submitted again and, while it runs, --browsers clients browse
 *    (gallery page, the gallery's /api/videos call, a clip page, a share page) and --submitters
 *    clients submit jobs and poll them, each closed-loop (next request when the last answered),
 *    for --seconds; the worker goes on generating the submitted jobs, so a generation runs the
 *    whole time. Reported: requests/s, p50/p90/p99/max latency (all and per kind), errors
 *    (anything but 2xx, or no answer: must be 0), and the generation time under load (the
 *    timed one, and the median of every generation that ran wholly inside the load) against
 *    the idle median.
 * 4. Streams: one client (the flooder) queues jobs (the per-caller limit's worth, at the
 *    model's most steps, so the worker generates throughout) and opens --streams event
 *    streams (GET /api/jobs/:id/events) spread over them, reopening any that end. Another
 *    client browses (gallery page, /api/videos, /api/queue), closed loop, for --stream-seconds
 *    before the streams open (idle) and again while they are open; its p50/p95/p99 are printed
 *    side by side with the ratio under streams / idle. Then stream number --streams + 1 from
 *    the flooder must be refused with 429 (the per-caller cap on open streams).
 * Gallery list latency at 1k and 100k clips is `npm run bench:gallery` (scripts/bench-gallery.ts).
 *
 * Options: --seconds 60 --browsers 100 --submitters 20 --steps N (default: the model's)
 *          --streams 200 --stream-seconds 20 --cases load,streams (which of 2-3 and 4 to run)
 *          --model models/dev --port N
 */
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import http from "node:http";
import { createRequire } from "node:module";
import { cpus, tmpdir } from "node:os";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { parseArgs } from "node:util";

import { openDb, type Db } from "../lib/db/client";
import { newId } from "../lib/db/ids";
import { migrateDeploy } from "../lib/db/migrate";
import { CALLER_COOKIE, signCaller } from "../lib/http/caller";

const ROOT = path.resolve(import.meta.dirname, "..");

// better-sqlite3 (the app's SQLite driver) directly, for a fast bulk insert; it ships no types.
interface Sqlite {
  prepare(sql: string): { run(...values: unknown[]): unknown };
  transaction(fn: () => void): () => void;
  close(): void;
}
const Database = createRequire(import.meta.url)("better-sqlite3") as new (file: string) => Sqlite;
const { values: opt } = parseArgs({
  options: {
    seconds: { type: "string", default: "60" },
    browsers: { type: "string", default: "100" },
    submitters: { type: "string", default: "20" },
    steps: { type: "string" },
    model: { type: "string", default: "models/dev" },
    port: { type: "string" },
    streams: { type: "string", default: "200" },
    "stream-seconds": { type: "string", default: "20" },
    cases: { type: "string", default: "load,streams" },
  },
});
const SECONDS = Number(opt.seconds);
const BROWSERS = Number(opt.browsers);
const SUBMITTERS = Number(opt.submitters);
const STEPS = opt.steps === undefined ? undefined : Number(opt.steps); // undefined: the model's default
const STREAMS = Number(opt.streams);
const STREAM_SECONDS = Number(opt["stream-seconds"]);
const CASES = new Set(opt.cases!.split(","));
const IDLE_RUNS = 3;
const SEED_CLIPS = 1000;
const PORT = Number(opt.port ?? 3900 + Math.floor(Math.random() * 90));
const BASE = `http://127.0.0.1:${PORT}`;
const SECRET = "bench-load-secret-bench-load-secret-0123";
const PROMPT = "a red ball bouncing in the snow";

// ------------------------------------------------------------------ seeding

/**
 * `n` finished, published clips (with their jobs) straight into SQLite, one transaction,
 * oldest first as the app makes them (the search index lists by insertion order); spread over
 * the last 30 days, a tenth of them owned by `owner`. Returns ids and slugs.
 */
function seedClips(file: string, n: number, owner: string): { id: string; slug: string }[] {
  const sq = new Database(file);
  const words = ["red", "blue", "green", "ball", "cube", "star", "car", "boat", "bouncing", "spinning", "snow", "sea", "field", "night"];
  const now = Date.now();
  const clips: { id: string; slug: string }[] = [];
  const job = sq.prepare(
    `INSERT INTO "Job" ("id","callerId","prompt","negativePrompt","state","attempt","maxAttempts","priority","extend","runAt","createdAt","startedAt","finishedAt","progressStep","progressTotal")
     VALUES (?,?,?,'','succeeded',1,3,0,0,?,?,?,?,8,8)`,
  );
  const video = sq.prepare(
    `INSERT INTO "Video" ("id","jobId","slug","callerId","prompt","negativePrompt","steps","guidance","scheduler","mp4Key","posterKey","width","height","frames","fps","seed","modelId","timings","published","createdAt")
     VALUES (?,?,?,?,?,'',8,2,'flow-match-euler',?,?,128,128,17,8,?,'seeded','{}',1,?)`,
  );
  sq.transaction(() => {
    for (let i = 0; i < n; i++) {
      const jobId = newId();
      const id = newId();
      const slug = newId();
      const callerId = i % 10 === 0 ? owner : newId();
      const prompt = `a ${words[i % 14]} ${words[(i * 7) % 14]} ${words[(i * 3) % 14]} number ${i}`;
      const at = now - Math.floor(((n - i) / n) * 30 * 86_400_000);
      job.run(jobId, callerId, prompt, at, at, at, at);
      video.run(id, jobId, slug, callerId, prompt, `${jobId}/${id}.mp4`, `${jobId}/${id}.png`, i, at);
      clips.push({ id, slug });
    }
  })();
  sq.close();
  return clips;
}

// ------------------------------------------------------------------ processes

const children: ChildProcess[] = [];
function start(args: string[], env: NodeJS.ProcessEnv, name: string): void {
  const child = spawn(process.execPath, args, { cwd: ROOT, env, stdio: ["ignore", "pipe", "pipe"] });
  let log = "";
  child.stdout!.on("data", (d) => (log = (log + d).slice(-8000)));
  child.stderr!.on("data", (d) => (log = (log + d).slice(-8000)));
  child.on("exit", (code, signal) => {
    if (!stopping) console.error(`[bench:load] ${name} exited (${code ?? signal}):\n${log}`);
  });
  children.push(child);
}
let stopping = false;

// ------------------------------------------------------------------ HTTP client

const agent = new http.Agent({ keepAlive: true, maxSockets: Infinity });

interface Answer {
  status: number; // 0: no answer
  body: string;
  ms: number;
}

function send(method: string, url: string, cookie: string, body?: unknown): Promise<Answer> {
  const t0 = performance.now();
  return new Promise((resolve) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const req = http.request(
      `${BASE}${url}`,
      {
        method,
        agent,
        headers: {
          cookie,
          ...(payload ? { "content-type": "application/json", "content-length": Buffer.byteLength(payload), origin: BASE } : {}),
        },
        timeout: 60_000,
      },
      (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (d: string) => (text += d));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body: text, ms: performance.now() - t0 }));
        res.on("error", () => resolve({ status: 0, body: "", ms: performance.now() - t0 }));
      },
    );
    req.on("timeout", () => req.destroy(new Error("timeout")));
    req.on("error", (err) => resolve({ status: 0, body: String(err), ms: performance.now() - t0 }));
    req.end(payload);
  });
}

const callerCookie = () => `${CALLER_COOKIE}=${signCaller(newId())}`;

// ------------------------------------------------------------------ statistics

function median(values: number[]): number {
  return percentile([...values].sort((a, b) => a - b), 50);
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

class Recorder {
  readonly byKind = new Map<string, number[]>();
  readonly errors = new Map<string, number>();
  record(kind: string, a: Answer) {
    let list = this.byKind.get(kind);
    if (!list) this.byKind.set(kind, (list = []));
    list.push(a.ms);
    if (a.status < 200 || a.status >= 300) {
      const key = `${kind} -> ${a.status || "no answer"}${a.status ? ` ${a.body.slice(0, 120)}` : ""}`;
      this.errors.set(key, (this.errors.get(key) ?? 0) + 1);
    }
  }
}

const fmt = (ms: number) => (Number.isNaN(ms) ? "-" : ms < 10 ? ms.toFixed(2) : ms.toFixed(1));
function latencyLine(label: string, ms: number[], seconds?: number): string {
  const s = [...ms].sort((a, b) => a - b);
  const rate = seconds ? `${(s.length / seconds).toFixed(1).padStart(8)} req/s` : "";
  return `  ${label.padEnd(34)} ${String(s.length).padStart(7)} req ${rate}  p50 ${fmt(percentile(s, 50)).padStart(7)} ms  p90 ${fmt(percentile(s, 90)).padStart(7)} ms  p99 ${fmt(percentile(s, 99)).padStart(7)} ms  max ${fmt(s.at(-1) ?? NaN).padStart(7)} ms`;
}

// ------------------------------------------------------------------ generation timing

interface JobView {
  id: string;
  state: string;
  startedAt: string | null;
  finishedAt: string | null;
  error: string | null;
  progress: { total: number };
  video: { timings: Record<string, number> } | null;
}

async function generateOnce(cookie: string, seed: number): Promise<{ seconds: number; denoiseSeconds: number; steps: number }> {
  const created = await send("POST", "/api/jobs", cookie, { prompt: PROMPT, seed, ...(STEPS ? { steps: STEPS } : {}) });
  if (created.status !== 202) throw new Error(`submitting the timed generation: ${created.status} ${created.body}`);
  const id = (JSON.parse(created.body) as { jobs: JobView[] }).jobs[0]!.id;
  // Ahead of anything the submitters queued, so it runs next.
  await send("POST", `/api/jobs/${id}/front`, cookie, {});
  for (;;) {
    await sleep(250);
    const a = await send("GET", `/api/jobs/${id}`, cookie);
    if (a.status !== 200) continue; // counted nowhere: this poll is the bench's own
    const job = (JSON.parse(a.body) as { job: JobView }).job;
    if (job.state === "succeeded") {
      const seconds = (Date.parse(job.finishedAt!) - Date.parse(job.startedAt!)) / 1000;
      return { seconds, denoiseSeconds: (job.video?.timings.denoise ?? NaN) / 1000, steps: job.progress.total };
    }
    if (job.state === "failed" || job.state === "canceled") throw new Error(`the timed generation ${job.state}: ${job.error}`);
  }
}

// ------------------------------------------------------------------ load

async function runLoad(clips: { id: string; slug: string }[], rec: Recorder, until: number): Promise<void> {
  const pick = () => clips[Math.floor(Math.random() * clips.length)]!;
  async function browser() {
    const cookie = callerCookie();
    while (Date.now() < until) {
      rec.record("GET /gallery (page)", await send("GET", "/gallery", cookie));
      rec.record("GET /api/videos (gallery list)", await send("GET", "/api/videos?scope=all&limit=24", cookie));
      const clip = pick();
      rec.record("GET /videos/:id (page)", await send("GET", `/videos/${clip.id}`, cookie));
      rec.record("GET /v/:slug (share page)", await send("GET", `/v/${clip.slug}`, cookie));
    }
  }
  async function submitter(n: number) {
    const cookie = callerCookie();
    let i = 0;
    while (Date.now() < until) {
      const a = await send("POST", "/api/jobs", cookie, { prompt: `submitter ${n} job ${i++}: a blue cube spinning at night`, ...(STEPS ? { steps: STEPS } : {}) });
      rec.record("POST /api/jobs", a);
      if (a.status !== 202) continue;
      const id = (JSON.parse(a.body) as { jobs: JobView[] }).jobs[0]!.id;
      rec.record("GET /api/jobs/:id", await send("GET", `/api/jobs/${id}`, cookie));
      rec.record("GET /api/jobs", await send("GET", "/api/jobs?limit=10", cookie));
    }
  }
  await Promise.all([...Array.from({ length: BROWSERS }, browser), ...Array.from({ length: SUBMITTERS }, (_, n) => submitter(n))]);
}

// ------------------------------------------------------------------ streams

/** Another client's browsing, closed loop, for `seconds`: its latencies by kind, and any errors. */
async function browseFor(seconds: number, clips: { id: string; slug: string }[]): Promise<Recorder> {
  const rec = new Recorder();
  const cookie = callerCookie();
  const until = Date.now() + seconds * 1000;
  while (Date.now() < until) {
    rec.record("GET /gallery (page)", await send("GET", "/gallery", cookie));
    rec.record("GET /api/videos (gallery list)", await send("GET", "/api/videos?scope=all&limit=24", cookie));
    rec.record("GET /api/queue", await send("GET", "/api/queue", cookie));
    rec.record("GET /v/:slug (share page)", await send("GET", `/v/${clips[Math.floor(Math.random() * clips.length)]!.slug}`, cookie));
  }
  return rec;
}

interface OpenStream {
  status: Promise<number>; // the response's status, once it came
  ended: Promise<void>;
  close(): void;
}

/** One event stream, read and discarded (events counted in `counter`). */
function openStream(jobId: string, cookie: string, counter: { events: number }): OpenStream {
  let close = () => {};
  let ended = () => {};
  const endedP = new Promise<void>((r) => (ended = r));
  const status = new Promise<number>((resolve) => {
    const req = http.request(`${BASE}/api/jobs/${jobId}/events`, { headers: { cookie, accept: "text/event-stream" } }, (res) => {
      resolve(res.statusCode ?? 0);
      res.setEncoding("utf8");
      res.on("data", (d: string) => (counter.events += d.split("\nevent: ").length - 1));
      res.on("end", ended);
      res.on("error", ended);
      res.on("close", ended);
    });
    req.on("error", () => {
      resolve(0);
      ended();
    });
    close = () => req.destroy();
    req.end();
  });
  return { status, ended: endedP, close: () => close() };
}

async function streamsCase(clips: { id: string; slug: string }[]): Promise<void> {
  const flooder = callerCookie();
  const live: string[] = [];
  const submitJob = async () => {
    const a = await send("POST", "/api/jobs", flooder, { prompt: "a green car moving left on the sea", steps: 100 });
    if (a.status !== 202) throw new Error(`the flooder's job: ${a.status} ${a.body}`);
    live.push((JSON.parse(a.body) as { jobs: JobView[] }).jobs[0]!.id);
  };
  for (let i = 0; i < 10; i++) await submitJob(); // the per-caller limit of live jobs

  const idle = await browseFor(STREAM_SECONDS, clips);

  const counter = { events: 0 };
  const open = new Set<OpenStream>();
  let closing = false;
  let reopened = 0;
  const keep = async (n: number): Promise<void> => {
    const jobId = live[n % live.length]!;
    const s = openStream(jobId, flooder, counter);
    open.add(s);
    const status = await s.status;
    if (status !== 200) throw new Error(`stream ${n + 1} answered ${status}`);
    void s.ended.then(async () => {
      open.delete(s);
      if (closing) return;
      // Its job ended: the next stream goes to a job that is still live.
      const state = JSON.parse((await send("GET", `/api/jobs/${jobId}`, flooder)).body) as { job?: JobView };
      if (state.job && ["succeeded", "failed", "canceled"].includes(state.job.state) && live.includes(jobId)) {
        live.splice(live.indexOf(jobId), 1);
        await submitJob();
      }
      reopened++;
      await keep(n).catch((err: unknown) => console.error(`[bench:load] reopening a stream: ${String(err)}`));
    });
  };
  await Promise.all(Array.from({ length: STREAMS }, (_, n) => keep(n)));
  const underStreams = await browseFor(STREAM_SECONDS, clips);
  const extra = openStream(live[0]!, flooder, counter);
  const extraStatus = await extra.status;
  extra.close();
  const openAtExtra = open.size;
  closing = true;
  for (const s of open) s.close();

  const p95 = (r: Recorder) => percentile([...r.byKind.values()].flat().sort((a, b) => a - b), 95);
  console.log(`\nStreams: ${STREAMS} event streams from one client over its ${10} jobs, another client browsing closed loop for ${STREAM_SECONDS} s each way`);
  console.log(`  (the streams got ${counter.events} events; ${reopened} were reopened after their job ended)`);
  for (const [label, rec] of [["idle (no streams open)", idle], [`under ${STREAMS} open streams`, underStreams]] as const) {
    console.log(latencyLine(`other client, ${label}`, [...rec.byKind.values()].flat(), STREAM_SECONDS));
    const errors = [...rec.errors.values()].reduce((a, b) => a + b, 0);
    if (errors) console.log(`    errors: ${[...rec.errors].map(([k, n]) => `${n} x ${k}`).join("; ")}`);
  }
  for (const kind of idle.byKind.keys()) {
    const a = percentile([...idle.byKind.get(kind)!].sort((x, y) => x - y), 95);
    const b = percentile([...(underStreams.byKind.get(kind) ?? [])].sort((x, y) => x - y), 95);
    console.log(`  ${kind.padEnd(34)} p95 idle ${fmt(a).padStart(7)} ms, under streams ${fmt(b).padStart(7)} ms (${(b / a).toFixed(2)}x)`);
  }
  console.log(`other client's p95 under ${STREAMS} streams / idle: ${(p95(underStreams) / p95(idle)).toFixed(2)}x (${fmt(p95(underStreams))} ms / ${fmt(p95(idle))} ms)`);
  console.log(`stream ${STREAMS + 1} from the same client (with ${openAtExtra} open): ${extraStatus}${extraStatus === 429 ? " (refused, as it must be)" : " (SHOULD BE 429)"}`);
}

// ------------------------------------------------------------------ main

async function main() {
  if (!existsSync(path.join(ROOT, ".next", "BUILD_ID"))) throw new Error("no production build: run `npm run build` first");
  if (!existsSync(path.join(ROOT, opt.model!, "model.json"))) throw new Error(`no model at ${opt.model}`);
  const dir = mkdtempSync(path.join(tmpdir(), "spacetime-bench-load-"));
  try {
    const dbFile = path.join(dir, "bench.db");
    migrateDeploy({ url: `file:${dbFile}`, cwd: ROOT });
    const clips = seedClips(dbFile, SEED_CLIPS, newId());
    mkdirSync(path.join(dir, "media"));
    process.env.SPACETIME_SECRET = SECRET; // this process signs the clients' cookies with the server's key
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      NODE_ENV: "production",
      DATABASE_URL: `file:${dbFile}`,
      MEDIA_ROOT: path.join(dir, "media"),
      SPACETIME_DATA_DIR: dir,
      SPACETIME_SECRET: SECRET,
      SPACETIME_MODEL_DIR: path.resolve(ROOT, opt.model!),
      // The submitters are 20 clients submitting as fast as they are answered: far past the
      // per-caller limits that protect a real instance, which would turn the load into 429s.
      QUEUE_MAX_ACTIVE_PER_CALLER: "1000000",
      QUEUE_SUBMISSIONS_PER_HOUR: "1000000",
    };
    start([path.join(ROOT, "node_modules/next/dist/bin/next"), "start", "-p", String(PORT), "-H", "127.0.0.1"], env, "web");
    start(["--import", "tsx", path.join(ROOT, "scripts/worker.ts")], env, "worker");
    for (let i = 0; ; i++) {
      if ((await send("GET", "/api/queue", "")).status === 200) break;
      if (i > 120) throw new Error("the web server did not come up in 60 s");
      await sleep(500);
    }

    console.log(`bench:load on ${cpus().length} CPU cores (${cpus()[0]?.model ?? "?"}), Node ${process.version}, model ${opt.model}`);
    console.log(`${SEED_CLIPS} published clips seeded; cases: ${[...CASES].join(", ")}`);
    if (CASES.has("load")) console.log(`load: ${BROWSERS} browsing + ${SUBMITTERS} submitting clients, closed loop, ${SECONDS} s\n`);
    if (CASES.has("load")) {
      const me = callerCookie();
      const warm = await generateOnce(me, 1);
      console.log(`warm-up generation (loads the model): ${warm.seconds.toFixed(2)} s, ${warm.steps} steps`);
      const idleRuns: number[] = [];
      for (let i = 0; i < IDLE_RUNS; i++) idleRuns.push((await generateOnce(me, 2)).seconds);
      const idle = median(idleRuns);
      console.log(`generation on an idle server:         median ${idle.toFixed(2)} s of ${IDLE_RUNS} (${idleRuns.map((s) => s.toFixed(2)).join(", ")})`);

      const rec = new Recorder();
      const t0 = performance.now();
      const loadStart = new Date();
      const until = Date.now() + SECONDS * 1000;
      const [loaded] = await Promise.all([generateOnce(me, 2), runLoad(clips, rec, until)]);
      const loadEnd = new Date();
      const elapsed = (performance.now() - t0) / 1000;

      const db = openDb({ url: `file:${dbFile}` });
      const during = await db.run((p) =>
        p.job.findMany({ where: { state: "succeeded", startedAt: { gte: loadStart }, finishedAt: { lte: loadEnd } }, select: { startedAt: true, finishedAt: true } }),
      );
      const underLoad = during.map((j) => (j.finishedAt!.getTime() - j.startedAt!.getTime()) / 1000);
      console.log(`the same generation under load:       ${loaded.seconds.toFixed(2)} s (${(loaded.seconds / idle).toFixed(2)}x idle)`);
      console.log(`all ${underLoad.length} generations run wholly under load: median ${median(underLoad).toFixed(2)} s (${(median(underLoad) / idle).toFixed(2)}x idle), max ${Math.max(...underLoad).toFixed(2)} s`);

      const all = [...rec.byKind.values()].flat();
      const errors = [...rec.errors.values()].reduce((a, b) => a + b, 0);
      console.log(`\nLoad: ${all.length} requests in ${elapsed.toFixed(1)} s`);
      console.log(latencyLine("all", all, elapsed));
      for (const [kind, ms] of rec.byKind) console.log(latencyLine(kind, ms, elapsed));
      console.log(`errors (non-2xx or no answer): ${errors}`);
      for (const [what, n] of rec.errors) console.log(`  ${n} x ${what}`);

      // Stop the queue and drop what the submitters left, so the worker is not busy for hours.
      const left = await db.run((p) => p.job.updateMany({ where: { state: "queued" }, data: { state: "canceled", finishedAt: new Date() } }));
      await db.run((p) => p.job.updateMany({ where: { state: "running" }, data: { cancelRequested: true } }));
      await db.close();
      console.log(`(${left.count} jobs the submitters queued were canceled afterwards)`);
    }
    if (CASES.has("streams")) {
      await streamsCase(clips);
      const db = openDb({ url: `file:${dbFile}` });
      await db.run((p) => p.job.updateMany({ where: { state: "queued" }, data: { state: "canceled", finishedAt: new Date() } }));
      await db.run((p) => p.job.updateMany({ where: { state: "running" }, data: { cancelRequested: true } }));
      await db.close();
    }
  } finally {
    stopping = true;
    for (const c of children) c.kill("SIGTERM");
    await sleep(1500);
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
    agent.destroy();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    stopping = true;
    for (const c of children) c.kill("SIGKILL");
    process.exit(1);
  },
);
