/**
 * Property-based fuzzing of every API route handler (fast-check): jobs, jobs/:id (GET, DELETE),
 * jobs/:id/front, jobs/:id/events, queue (GET, pause, resume), videos, videos/:id (GET, PATCH,
 * DELETE), videos/:id/extend, videos/:id/continue, words, openapi.json, media and the embed player. Whatever
 * arrives, the answer is a 2xx/3xx or a 4xx with `{ error: { code, message } }`, never a 5xx.
 * Bodies, query strings, path ids and headers are generated; every request is counted and the
 * total must reach 10,000 (issue 7). A seeded run is reproducible (FUZZ_SEED).
 */
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { GET as jobEvents } from "../../app/api/jobs/[id]/events/route";
import { POST as jobFront } from "../../app/api/jobs/[id]/front/route";
import { DELETE as cancelJob, GET as getJob } from "../../app/api/jobs/[id]/route";
import { GET as listJobs, POST as createJob } from "../../app/api/jobs/route";
import { GET as openapi } from "../../app/api/openapi.json/route";
import { POST as pauseQueue } from "../../app/api/queue/pause/route";
import { POST as resumeQueue } from "../../app/api/queue/resume/route";
import { GET as queueState } from "../../app/api/queue/route";
import { POST as continueVideo } from "../../app/api/videos/[id]/continue/route";
import { POST as extendVideo } from "../../app/api/videos/[id]/extend/route";
import { DELETE as deleteVideo, GET as getVideo, PATCH as patchVideo } from "../../app/api/videos/[id]/route";
import { GET as listVideos } from "../../app/api/videos/route";
import { GET as words } from "../../app/api/words/route";
import { GET as media, HEAD as mediaHead } from "../../app/media/[videoId]/[file]/route";
import { GET as embed } from "../../app/v/[slug]/embed/route";
import { cancel, submit } from "../../lib/queue";
import type { TestDb } from "../queue/helpers";
import { BASE, apiTestDb, makeVideo, newCaller, params, request } from "./helpers";

let t: TestDb;
let videoId: string;
let slug: string;
let jobId: string; // alice's, canceled: its event stream ends at once
const alice = newCaller();
const seed = process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : undefined;
const runs = (n: number) => ({ numRuns: n, seed });
let requests = 0;

beforeAll(async () => {
  t = apiTestDb();
  const video = await makeVideo(t, alice.id, "a red ball");
  videoId = video.id;
  slug = video.slug;
  const { job } = await submit({ db: t.db, callerId: alice.id, settings: { prompt: "a blue cube" } });
  await cancel({ db: t.db, jobId: job.id, callerId: alice.id });
  jobId = job.id;
});
afterAll(async () => {
  delete process.env.SPACETIME_ADMIN_TOKEN;
  await t.cleanup();
});

async function expectClean(res: Response, what: string) {
  requests++;
  expect(res.status, what).toBeLessThan(500);
  if (res.status >= 400 && res.status !== 416 && res.status !== 304) {
    const b = (await res.json()) as { error?: { code?: unknown; message?: unknown } };
    expect(typeof b.error?.code, what).toBe("string");
    expect(typeof b.error?.message, what).toBe("string");
  } else {
    await res.arrayBuffer();
  }
}

// Values that stress parsers: huge numbers, NaN-ish strings, prototypes, unicode, nesting.
const validish = fc.record(
  {
    prompt: fc.string({ minLength: 1, maxLength: 520 }).map((p) => `a ${p}`),
    negativePrompt: fc.string({ maxLength: 40 }),
    seed: fc.integer({ min: 0, max: 2 ** 40 }),
    steps: fc.integer({ min: 1, max: 200 }),
    guidance: fc.double({ min: 1, max: 30, noNaN: true }),
    frames: fc.integer({ min: 1, max: 100 }),
    variations: fc.integer({ min: 1, max: 4 }),
  },
  { requiredKeys: ["prompt"] },
);

const anyJson = fc.oneof(
  validish,
  fc.jsonValue(),
  fc.record(
    {
      prompt: fc.oneof(fc.string(), fc.fullUnicodeString(), fc.constant("<script>alert(1)</script>"), fc.integer()),
      negativePrompt: fc.oneof(fc.string(), fc.constant(null)),
      seed: fc.oneof(fc.integer(), fc.double(), fc.constant(2 ** 60), fc.string()),
      steps: fc.oneof(fc.integer({ min: -5, max: 300 }), fc.double(), fc.constant("4")),
      guidance: fc.oneof(fc.double(), fc.integer()),
      frames: fc.oneof(fc.integer(), fc.constant(null)),
      variations: fc.oneof(fc.integer({ min: -1, max: 6 }), fc.constant("2")),
      scheduler: fc.oneof(fc.constant("flow-match-euler"), fc.string()),
      __proto__: fc.jsonValue(),
      constructor: fc.jsonValue(),
    },
    { requiredKeys: [] },
  ),
);

const idLike = fc.oneof(
  fc.string(),
  fc.stringMatching(/^[A-Za-z0-9_-]{24}$/),
  fc.constantFrom("..", "../../etc/passwd", "%2e%2e", "x".repeat(500), "\u0000", "toString", "__proto__"),
);

let accepted = 0;

describe("fuzzing the API", () => {
  it("POST /api/jobs: any body, any header", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(anyJson.map((v) => JSON.stringify(v)), fc.string(), fc.uint8Array({ maxLength: 64 }).map((b) => Buffer.from(b).toString("latin1"))),
        fc.option(fc.string({ maxLength: 300 })),
        fc.constantFrom("application/json", "text/plain", "application/json; charset=utf-8", ""),
        async (body, key, type) => {
          // A caller per request, so per-caller limits do not turn the rest into 429s.
          const headers: Record<string, string> = { cookie: newCaller().cookie, origin: BASE };
          if (type) headers["content-type"] = type;
          if (key !== null) headers["idempotency-key"] = key.replace(/[\r\n\0]/g, "");
          let req: Request;
          try {
            req = new Request(`${BASE}/api/jobs`, { method: "POST", headers, body });
          } catch {
            return; // a header no client could send
          }
          const res = await createJob(req);
          await expectClean(res, body);
          if (res.status === 202) accepted++;
        },
      ),
      runs(1500),
    );
    // The generators reach past validation too (not every request is a 400).
    expect(accepted).toBeGreaterThan(0);
  });

  it("bodies of POST /api/videos/:id/continue, near its shape, on a real clip", async () => {
    // Signed with the secret apiTestDb set; from a peer of its own, which the other tests' misses have not rate-limited.
    const owner = newCaller();
    const clip = await makeVideo(t, owner.id, "a red ball");
    // makeVideo completes the oldest queued job, maybe another caller's: published, anyone may continue it.
    // Its plan: text alone, which any model can make again (a clip without a kept plan cannot be continued on a planned model).
    await t.db.run((q) => q.video.update({ where: { id: clip.id }, data: { published: true, plan: "null" } }));
    const num = fc.oneof(fc.integer({ min: -2, max: 20 }), fc.integer(), fc.double(), fc.constantFrom(0, -1, 1e308, Number.MAX_SAFE_INTEGER), fc.string({ maxLength: 8 }), fc.constant(null));
    const shaped = fc.record({ frame: num, seconds: num, prompt: fc.oneof(fc.string({ maxLength: 40 }), fc.fullUnicodeString({ maxLength: 20 }), fc.integer()) }, { requiredKeys: [] });
    const valid = fc.record({ frame: fc.integer({ min: 1, max: clip.frames }), seconds: fc.double({ min: 0.1, max: 5, noNaN: true }) });
    let accepted = 0;
    await fc.assert(
      fc.asyncProperty(fc.oneof(shaped, anyJson, valid), async (b) => {
        const text = JSON.stringify(b) ?? "";
        const res = await continueVideo(request("POST", `/api/videos/${clip.id}/continue`, { caller: owner, body: text, peer: "198.51.100.7" }), params({ id: clip.id }));
        const queued = res.status === 202 ? ((await res.clone().json()) as { jobs: { id: string }[] }).jobs[0]!.id : null;
        await expectClean(res, text);
        if (queued) {
          accepted++;
          await cancel({ db: t.db, jobId: queued }); // under the active-job limit
        }
      }),
      runs(300),
    );
    expect(accepted).toBeGreaterThan(0);
  });

  it("query strings of GET /api/jobs, /api/videos and /api/words", async () => {
    const query = fc.dictionary(fc.constantFrom("q", "cursor", "scope", "limit", "state", "text", "x"), fc.oneof(fc.string(), fc.fullUnicodeString(), fc.integer().map(String)));
    await fc.assert(
      fc.asyncProperty(query, async (q) => {
        const qs = new URLSearchParams(q).toString();
        const headers = { cookie: alice.cookie };
        await expectClean(await listVideos(new Request(`${BASE}/api/videos?${qs}`, { headers })), `videos ${qs}`);
        await expectClean(await listJobs(new Request(`${BASE}/api/jobs?${qs}`, { headers })), `jobs ${qs}`);
        await expectClean(await words(new Request(`${BASE}/api/words?${qs}`, { headers })), `words ${qs}`);
      }),
      runs(1500),
    );
  });

  it("ids, file names, ranges and cookies on jobs, videos and media", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(idLike, fc.constant(videoId)),
        fc.oneof(fc.string(), fc.constantFrom("video.mp4", "poster.png", "video.webm", "../video.mp4")),
        fc.option(fc.oneof(fc.string(), fc.stringMatching(/^bytes=\d{0,5}-\d{0,5}$/))),
        fc.oneof(fc.constant(alice.cookie), fc.string().map((s) => `spacetime_caller=${s}`), fc.constant("")),
        fc.oneof(anyJson, fc.record({ visibility: fc.oneof(fc.constantFrom("public", "private"), fc.string()) })),
        async (id, file, range, cookie, patch) => {
          const headers: Record<string, string> = {};
          if (cookie) headers.cookie = cookie.replace(/[\r\n\0;]/g, "");
          if (range !== null) headers.range = range.replace(/[\r\n\0]/g, "");
          let ok = true;
          try {
            new Headers(headers);
          } catch {
            ok = false; // not a header value any client could send
          }
          if (!ok) return;
          await expectClean(await getJob(new Request(`${BASE}/api/jobs/x`, { headers }), params({ id })), `job ${id}`);
          await expectClean(await getVideo(new Request(`${BASE}/api/videos/x`, { headers }), params({ id })), `video ${id}`);
          await expectClean(await media(new Request(`${BASE}/media/x/y`, { headers }), params({ videoId: id, file })), `media ${id}/${file} ${range}`);
          const res = await patchVideo(
            new Request(`${BASE}/api/videos/x`, { method: "PATCH", headers: { ...headers, origin: BASE, "content-type": "application/json" }, body: JSON.stringify(patch) }),
            params({ id }),
          );
          await expectClean(res, `patch ${id} ${JSON.stringify(patch)}`);
        },
      ),
      runs(1500),
    );
  });
  it("every other route: methods, ids, cookies, origins and headers", async () => {
    process.env.SPACETIME_ADMIN_TOKEN = "fuzz-admin-token";
    const printable = (v: string) => v.replace(/[^\x20-\x7e]/g, "");
    const headerValues = fc.oneof(fc.string({ maxLength: 80 }), fc.constantFrom("*", "bytes=0-", "Bearer fuzz-admin-token", "W/\"x\"", "application/json"));
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(idLike, fc.constantFrom(videoId, jobId, slug)),
        fc.oneof(fc.constant(alice.cookie), fc.constant(newCaller().cookie), fc.string().map((s) => `spacetime_caller=${s}`), fc.constant("")),
        fc.oneof(fc.constant(BASE), fc.constant(null), fc.string({ maxLength: 40 }), fc.constantFrom("null", "https://evil.example")),
        fc.dictionary(fc.constantFrom("authorization", "last-event-id", "range", "if-none-match", "if-range", "x-forwarded-for", "content-type", "accept"), headerValues, { maxKeys: 4 }),
        fc.oneof(anyJson.map((v) => JSON.stringify(v)), fc.string({ maxLength: 200 })),
        async (id, cookie, origin, extra, body) => {
          const headers: Record<string, string> = {};
          for (const [k, v] of Object.entries(extra)) headers[k] = printable(v);
          if (cookie) headers.cookie = printable(cookie).replace(/;/g, "");
          if (origin !== null) headers.origin = printable(origin);
          const req = (method: string, path: string, withBody = false) =>
            new Request(`${BASE}${path}`, { method, headers, body: withBody ? body : undefined });
          const p = params({ id });
          await expectClean(await cancelJob(req("DELETE", "/api/jobs/x"), p), `DELETE job ${id}`);
          await expectClean(await jobFront(req("POST", "/api/jobs/x/front", true), p), `front ${id}`);
          await expectClean(await jobEvents(req("GET", "/api/jobs/x/events"), p), `events ${id}`);
          await expectClean(await queueState(req("GET", "/api/queue")), "queue");
          await expectClean(await (id.length % 2 ? pauseQueue : resumeQueue)(req("POST", "/api/queue/pause", true)), "pause/resume");
          await expectClean(await extendVideo(req("POST", "/api/videos/x/extend", true), p), `extend ${id}`);
          await expectClean(await continueVideo(req("POST", "/api/videos/x/continue", true), p), `continue ${id}`);
          await expectClean(await deleteVideo(req("DELETE", "/api/videos/x"), p), `DELETE video ${id}`);
          await expectClean(await openapi(req("GET", "/api/openapi.json")), "openapi");
          await expectClean(await embed(req("GET", "/v/x/embed"), params({ slug: id })), `embed ${id}`);
          await expectClean(await mediaHead(req("HEAD", "/media/x/y"), params({ videoId: id, file: "poster.png" })), `HEAD media ${id}`);
          await expectClean(await createJob(req("POST", "/api/jobs", true)), `POST jobs ${body.slice(0, 80)}`);
        },
      ),
      runs(800),
    );
  });

  it("sent at least 10,000 requests in all (20,800 as written)", () => {
    expect(requests).toBeGreaterThanOrEqual(10_000);
  });
});
