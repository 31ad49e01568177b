/**
 * /api/jobs/[id]/events: Server-Sent Events of state, progress and previews, Last-Event-ID,
 * closing at the end; one poller per job however many streams watch it; a cap on a caller's
 * open streams; `event: error` when the job can no longer be read.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";

// Counts the poller's reads of the watched jobs, to tell one poller from one per stream.
const reads = vi.hoisted(() => ({ polls: 0 }));
vi.mock("../../lib/db/watch", async (importOriginal) => {
  const real = await importOriginal<typeof import("../../lib/db/watch")>();
  return { ...real, jobsByIds: (...args: Parameters<typeof real.jobsByIds>) => (reads.polls++, real.jobsByIds(...args)) };
});

import { GET as eventsRoute } from "../../app/api/jobs/[id]/events/route";
import { POST as createJob } from "../../app/api/jobs/route";
import { newId } from "../../lib/db/ids";
import { cancel, claim, complete, heartbeat } from "../../lib/queue";
import { encodePreview } from "../../lib/queue/preview";
import type { TestDb } from "../queue/helpers";
import { waitFor } from "../queue/helpers";
import { apiTestDb, body, newCaller, params, request } from "./helpers";

let t: TestDb;
beforeEach(() => {
  t = apiTestDb();
  process.env.SPACETIME_SSE_POLL_MS = "20";
});
afterEach(async () => {
  delete process.env.SPACETIME_SSE_POLL_MS;
  await t.cleanup();
});

interface SseEvent {
  id?: string;
  event?: string;
  data?: any;
}

/** Reads events until the stream ends or `until` says stop; `live` sees them as they come. */
async function readEvents(
  res: Response,
  until: (e: SseEvent[]) => boolean = () => false,
  live: SseEvent[] = [],
): Promise<{ events: SseEvent[]; text: string; ended: boolean }> {
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  let text = "";
  const events: SseEvent[] = [];
  let ended = false;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) {
      ended = true;
      break;
    }
    text += decoder.decode(value, { stream: true });
    events.length = 0;
    for (const block of text.split("\n\n").slice(0, -1)) {
      const e: SseEvent = {};
      for (const line of block.split("\n")) {
        const [k, ...rest] = line.split(": ");
        const v = rest.join(": ");
        if (k === "id") e.id = v;
        if (k === "event") e.event = v;
        if (k === "data") e.data = JSON.parse(v);
      }
      if (e.event) events.push(e);
    }
    live.splice(0, live.length, ...events);
    if (until(events)) {
      await reader.cancel();
      break;
    }
  }
  return { events, text, ended };
}

async function newJob() {
  const alice = newCaller();
  const { jobs } = await body(await createJob(request("POST", "/api/jobs", { caller: alice, body: { prompt: "a ball", steps: 4 } })));
  return { alice, id: jobs[0].id as string };
}

describe("GET /api/jobs/[id]/events", () => {
  it("streams state and progress until the job ends, then closes", async () => {
    const { alice, id } = await newJob();
    const res = await eventsRoute(request("GET", `/api/jobs/${id}/events`, { caller: alice }), params({ id }));
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/event-stream/);

    const seen: SseEvent[] = [];
    const reading = readEvents(res, () => false, seen);
    const shown = (what: string, test: (e: SseEvent) => boolean) => waitFor(async () => seen.some(test), 30_000, what);
    // Drive the job as a worker would, while the stream is open, each step once the stream has shown the last.
    await shown("the queued state", (e) => e.data?.state === "queued");
    const job = (await claim({ db: t.db, workerId: "w" }))!;
    await shown("the running state", (e) => e.data?.state === "running");
    const lease = { jobId: id, workerId: "w", attempt: job.attempt };
    const preview = { width: 2, height: 1, frames: 1, rgb: Uint8Array.of(255, 0, 0, 0, 0, 255) };
    await heartbeat({ ...lease, db: t.db, progress: { step: 2, total: 4 }, preview: encodePreview(preview)! });
    await shown("step 2", (e) => e.data?.progress?.step === 2);
    const videoId = newId();
    await complete({
      ...lease,
      db: t.db,
      output: { videoId, mp4Key: `${id}/${videoId}.mp4`, width: 1, height: 1, frames: 1, fps: 8, seed: 1, steps: 4, guidance: 4, scheduler: "s", modelId: "m", timings: {}, secondsPerStep: 0.1 },
    });
    const { events, text, ended } = await reading;

    expect(ended).toBe(true);
    expect(text.startsWith("retry: 2000\n\n")).toBe(true);
    expect(events[0]).toMatchObject({ event: "state", data: { id, state: "queued", position: 1 } });
    expect(events.some((e) => e.event === "state" && e.data.state === "running")).toBe(true);
    const step2 = events.find((e) => e.event === "progress" && e.data.progress.step === 2 && e.data.progress.total === 4);
    expect(step2?.data.preview).toEqual({ width: 2, height: 1, frames: 1, rgb: Buffer.from(preview.rgb).toString("base64") });
    const last = events.at(-1)!;
    expect(last).toMatchObject({ event: "state", data: { state: "succeeded", progress: { step: 4, total: 4 } } });
    expect(last.data.video.media.mp4).toBe(`/media/${videoId}/video.mp4`);
    expect(new Set(events.map((e) => e.id)).size).toBe(events.length);
  });

  it("honours Last-Event-ID: a reconnecting client gets only what it has not seen", async () => {
    const { alice, id } = await newJob();
    const first = await readEvents(await eventsRoute(request("GET", `/api/jobs/${id}/events`, { caller: alice }), params({ id })), (e) => e.length >= 1);
    const seen = first.events[0]!.id!;
    // Nothing changed: the reconnect sends no event until something does.
    const again = await eventsRoute(request("GET", `/api/jobs/${id}/events`, { caller: alice, headers: { "last-event-id": seen } }), params({ id }));
    const reading = readEvents(again);
    await new Promise((r) => setTimeout(r, 100));
    await cancel({ db: t.db, jobId: id, callerId: alice.id });
    const { events, ended } = await reading;
    expect(ended).toBe(true);
    expect(events.map((e) => e.data.state)).toEqual(["canceled"]);

    // A client that already saw the end gets nothing and a closed stream.
    const done = await readEvents(
      await eventsRoute(request("GET", `/api/jobs/${id}/events`, { caller: alice, headers: { "last-event-id": events[0]!.id! } }), params({ id })),
    );
    expect(done).toMatchObject({ events: [], ended: true });
  });

  it("needs the owner: 401 without identity, 404 for another caller", async () => {
    const { id } = await newJob();
    expect((await eventsRoute(request("GET", `/api/jobs/${id}/events`), params({ id }))).status).toBe(401);
    expect((await eventsRoute(request("GET", `/api/jobs/${id}/events`, { caller: newCaller() }), params({ id }))).status).toBe(404);
  });
});

describe("many streams", () => {
  it("share one poller: job reads grow with time, not with the number of streams or jobs watched", async () => {
    const jobs = [await newJob(), await newJob(), await newJob()];
    const open = async ({ alice, id }: { alice: { cookie: string }; id: string }) => {
      const res = await eventsRoute(request("GET", `/api/jobs/${id}/events`, { caller: alice }), params({ id }));
      expect(res.status).toBe(200);
      return res.body!.getReader();
    };
    const streams = await Promise.all(Array.from({ length: 30 }, (_, i) => open(jobs[i % 3]!)));
    await waitFor(async () => reads.polls > 1, 30_000, "the poller to run");
    reads.polls = 0;
    const t0 = Date.now();
    await new Promise((r) => setTimeout(r, 400));
    const intervals = (Date.now() - t0) / 20; // SPACETIME_SSE_POLL_MS
    // One read of all watched jobs per interval (at most); a poller per stream would make thirty.
    expect(reads.polls).toBeLessThanOrEqual(intervals + 2);
    await Promise.all(streams.map((r) => r.cancel()));
  });

  it("a stream joining a watched job gets its latest snapshot at once", async () => {
    const { alice, id } = await newJob();
    const held = (await eventsRoute(request("GET", `/api/jobs/${id}/events`, { caller: alice }), params({ id }))).body!; // keeps the job watched
    const first = await readEvents(await eventsRoute(request("GET", `/api/jobs/${id}/events`, { caller: alice }), params({ id })), (e) => e.length >= 1);
    process.env.SPACETIME_SSE_POLL_MS = "60000"; // no further poll: what the next stream gets is the watch's latest
    const second = await readEvents(await eventsRoute(request("GET", `/api/jobs/${id}/events`, { caller: alice }), params({ id })), (e) => e.length >= 1);
    expect(second.events[0]).toMatchObject({ event: "state", id: first.events[0]!.id, data: { id, state: "queued" } });
    await held.cancel();
  });

  it("caps a caller's open streams (429 past SPACETIME_MAX_STREAMS_PER_CALLER), others unaffected, slots given back on close", async () => {
    process.env.SPACETIME_MAX_STREAMS_PER_CALLER = "3";
    try {
      const { alice, id } = await newJob();
      const open = (caller = alice) => eventsRoute(request("GET", `/api/jobs/${id}/events`, { caller }), params({ id }));
      const held = await Promise.all([open(), open(), open()]);
      expect(held.map((r) => r.status)).toEqual([200, 200, 200]);
      const refused = await open();
      expect(refused.status).toBe(429);
      expect(refused.headers.get("retry-after")).toBe("10");
      expect((await body(refused)).error).toMatchObject({ code: "RATE_LIMITED", message: expect.stringMatching(/3 event streams open/) });
      // Another caller's streams are their own (a 404 here: not their job, but not a 429).
      expect((await open(newCaller())).status).toBe(404);
      await held[0]!.body!.cancel();
      const again = await open();
      expect(again.status).toBe(200);
      await Promise.all([again, ...held.slice(1)].map((r) => r.body!.cancel()));
    } finally {
      delete process.env.SPACETIME_MAX_STREAMS_PER_CALLER;
    }
  });

  it("sends `event: error` and ends when the job can no longer be read", async () => {
    const { alice, id } = await newJob();
    const res = await eventsRoute(request("GET", `/api/jobs/${id}/events`, { caller: alice }), params({ id }));
    const reading = readEvents(res);
    await new Promise((r) => setTimeout(r, 60));
    await t.db.run((p) => p.job.delete({ where: { id } }));
    const { events, ended } = await reading;
    expect(ended).toBe(true);
    expect(events.at(-1)).toMatchObject({ event: "error", data: { error: { code: "UNAVAILABLE" } } });
  });
});
