/**
 * Two worker processes (scripts/worker.ts, stand-in handler: NOT the model) and the web
 * server's route handlers (this process) on one SQLite file, started together on a fresh
 * database and then hammered: 20 browsers each submit jobs, poll them, list jobs and the
 * gallery, cancel some, follow one job's event stream, publish and fetch the finished clips,
 * while both workers claim, heartbeat and complete. No request may get a 5xx (a SQLITE_BUSY
 * would surface as 503 "the database is busy"), and neither may a worker log one; every job
 * ends exactly once with at most one video.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { afterEach, beforeEach, describe, expect, it } from "vitest";

import { GET as eventsRoute } from "../../app/api/jobs/[id]/events/route";
import { DELETE as cancelRoute, GET as getJobRoute } from "../../app/api/jobs/[id]/route";
import { GET as listJobsRoute, POST as createRoute } from "../../app/api/jobs/route";
import { GET as getVideoRoute, PATCH as patchVideoRoute } from "../../app/api/videos/[id]/route";
import { GET as listVideosRoute } from "../../app/api/videos/route";
import { GET as mediaRoute } from "../../app/media/[videoId]/[file]/route";
import { ROOT, waitFor, type TestDb } from "../queue/helpers";
import { apiTestDb, body, newCaller, params, request } from "./helpers";

const CALLERS = 20;
const JOBS_PER_CALLER = 8; // under the per-caller limit of 10 queued or running

let t: TestDb;
const workers: { child: ChildProcess; log: () => string }[] = [];
beforeEach(() => {
  t = apiTestDb();
});
afterEach(async () => {
  for (const w of workers) if (w.child.exitCode === null && w.child.signalCode === null) w.child.kill("SIGKILL");
  workers.length = 0;
  await t.cleanup();
});

function startWorker(id: string) {
  const child = spawn(process.execPath, ["--import", "tsx", "scripts/worker.ts"], {
    cwd: ROOT,
    env: {
      ...process.env,
      DATABASE_URL: t.url,
      MEDIA_ROOT: t.media,
      SPACETIME_WORKER_HANDLER: "stand-in", // NOT the model: lib/queue/testing/stand-in-handler.ts
      STANDIN_STEPS: "4",
      STANDIN_STEP_MS: "5",
      WORKER_LEASE_MS: "2000",
      WORKER_ID: id,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let log = "";
  child.stdout!.setEncoding("utf8").on("data", (d: string) => (log += d));
  child.stderr!.setEncoding("utf8").on("data", (d: string) => (log += d));
  workers.push({ child, log: () => log });
}

describe("two workers and the web server on one SQLite file", () => {
  it("under load: no 5xx and no SQLITE_BUSY anywhere, every job ends once", async () => {
    startWorker("worker-1");
    startWorker("worker-2");

    const statuses = new Map<number, number>();
    const failures: string[] = [];
    async function call(what: string, res: Response | Promise<Response>): Promise<any> {
      const r = await res;
      statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1);
      const text = await r.text();
      // The database's own words (SQLITE_BUSY, "database is locked", the app's "the database is busy"),
      // not any "busy" inside a random id or slug ("...695busY9W").
      if (r.status >= 500 || /SQLITE_BUSY|database is (busy|locked)/i.test(text)) failures.push(`${what}: ${r.status} ${text.slice(0, 200)}`);
      return r.status === 204 || !r.headers.get("content-type")?.includes("json") ? text : JSON.parse(text);
    }

    async function browser(n: number) {
      const me = newCaller();
      const o = { caller: me };
      const mine: string[] = [];
      for (let i = 0; i < JOBS_PER_CALLER; i++) {
        const created = await call("POST /api/jobs", createRoute(request("POST", "/api/jobs", { ...o, body: { prompt: `browser ${n} job ${i}`, steps: 4 } })));
        const id = created.jobs?.[0]?.id as string | undefined;
        if (!id) continue;
        mine.push(id);
        await call("GET /api/jobs/:id", getJobRoute(request("GET", "/api/jobs/x", o), params({ id })));
        await call("GET /api/jobs", listJobsRoute(request("GET", "/api/jobs", o)));
        await call("GET /api/videos", listVideosRoute(request("GET", "/api/videos?scope=all", o)));
        if (i % 4 === 3) await call("DELETE /api/jobs/:id", cancelRoute(request("DELETE", "/api/jobs/x", o), params({ id })));
      }
      // Follow the last job to its end as a browser would (the stream closes at the terminal state).
      await call("GET /api/jobs/:id/events", eventsRoute(request("GET", "/api/jobs/x/events", o), params({ id: mine.at(-1)! })));
      // Wait for the rest, polling; publish and fetch each finished clip.
      for (const id of mine) {
        const job = await waitFor(
          async () => {
            const v = (await call("GET /api/jobs/:id", getJobRoute(request("GET", "/api/jobs/x", o), params({ id })))).job;
            return ["succeeded", "failed", "canceled"].includes(v?.state) ? v : null;
          },
          120_000,
          `job ${id}`,
        );
        if (job.video) {
          const videoId = job.video.id as string;
          await call("PATCH /api/videos/:id", patchVideoRoute(request("PATCH", "/api/videos/x", { ...o, body: { visibility: "public" } }), params({ id: videoId })));
          await call("GET /api/videos/:id", getVideoRoute(request("GET", "/api/videos/x"), params({ id: videoId })));
          await call("GET /media", mediaRoute(request("GET", "/media/x/video.mp4"), params({ videoId, file: "video.mp4" })));
        }
      }
      return mine;
    }

    const ids = (await Promise.all(Array.from({ length: CALLERS }, (_, n) => browser(n)))).flat();

    expect(failures).toEqual([]);
    expect([...statuses.keys()].every((s) => s < 500)).toBe(true);
    expect(ids).toHaveLength(CALLERS * JOBS_PER_CALLER);

    const jobs = await t.db.run((p) => p.job.findMany({ include: { video: true } }));
    expect(jobs).toHaveLength(ids.length);
    for (const j of jobs) {
      expect(["succeeded", "canceled"]).toContain(j.state);
      expect(j.video !== null).toBe(j.state === "succeeded");
    }
    expect(jobs.filter((j) => j.state === "succeeded").length).toBeGreaterThan(ids.length / 2);
    // Both workers took part, so their writes really did meet each other's and the server's.
    const done = await t.db.run((p) => p.worker.findMany({ orderBy: { id: "asc" } }));
    expect(done.map((w) => w.id)).toEqual(["worker-1", "worker-2"]);
    for (const w of done) expect(w.jobsDone).toBeGreaterThan(0);
    for (const w of workers) expect(w.log()).not.toMatch(/SQLITE_BUSY|database is (busy|locked)|error:/i);
  });
});
