/**
 * Attacks on the route handlers, route by route: odd ids and path traversal (404), another
 * browser's private jobs and clips (404, no IDOR, nothing changed), share slugs (144 random
 * bits, misses rate-limited per client address), cross-site writes (403, nothing changed),
 * and bad bodies (oversized, non-UTF-8, empty, over-long, control characters: a clear 4xx).
 * Response headers of pages are checked in the browser test (tests/e2e/security.e2e.ts).
 */
import { describe, expect } from "vitest";

import { GET as eventsRoute } from "../../app/api/jobs/[id]/events/route";
import { POST as frontRoute } from "../../app/api/jobs/[id]/front/route";
import { DELETE as cancelJobRoute, GET as getJobRoute } from "../../app/api/jobs/[id]/route";
import { GET as listJobsRoute, POST as createJobRoute } from "../../app/api/jobs/route";
import { POST as pauseRoute } from "../../app/api/queue/pause/route";
import { POST as resumeRoute } from "../../app/api/queue/resume/route";
import { GET as queueRoute } from "../../app/api/queue/route";
import { POST as extendRoute } from "../../app/api/videos/[id]/extend/route";
import { GET as videoPlanRoute } from "../../app/api/videos/[id]/plan/route";
import { POST as remixVideoRoute } from "../../app/api/videos/[id]/remix/route";
import { DELETE as deleteVideoRoute, GET as getVideoRoute, PATCH as patchVideoRoute } from "../../app/api/videos/[id]/route";
import { GET as listVideosRoute } from "../../app/api/videos/route";
import { GET as mediaRoute } from "../../app/media/[videoId]/[file]/route";
import { GET as embedRoute } from "../../app/v/[slug]/embed/route";
import { newId } from "../../lib/db/ids";
import { MISS_LIMIT } from "../../lib/http/rate-limit";
import { PEER_HEADER, peerStampValue } from "../../lib/http/proxy";
import { BASE, body, it, makeVideo, newCaller, params, request } from "./helpers";

// Each test gets its own client address, so miss counts of one test do not limit another.
// The address is the TCP peer the server stamps (lib/http/proxy.ts), not a client's header.
let address = 0;
const fromAddress = (ip = `198.51.100.${++address}`) => ({ [PEER_HEADER]: peerStampValue(ip) });

type Caller = { cookie: string } | null;

/** Every route that takes an id, called as `caller` for `id` (a job id or a clip id/slug). */
function idRoutes(caller: Caller, jobId: string, videoId: string, slug: string, headers: Record<string, string> = {}) {
  const o = { caller, headers };
  return [
    ["GET /api/jobs/:id", () => getJobRoute(request("GET", `/api/jobs/x`, o), params({ id: jobId }))],
    ["DELETE /api/jobs/:id", () => cancelJobRoute(request("DELETE", `/api/jobs/x`, o), params({ id: jobId }))],
    ["POST /api/jobs/:id/front", () => frontRoute(request("POST", `/api/jobs/x/front`, o), params({ id: jobId }))],
    ["GET /api/jobs/:id/events", () => eventsRoute(request("GET", `/api/jobs/x/events`, o), params({ id: jobId }))],
    ["GET /api/videos/:id", () => getVideoRoute(request("GET", `/api/videos/x`, o), params({ id: videoId }))],
    ["PATCH /api/videos/:id", () => patchVideoRoute(request("PATCH", `/api/videos/x`, { ...o, body: { visibility: "public" } }), params({ id: videoId }))],
    ["DELETE /api/videos/:id", () => deleteVideoRoute(request("DELETE", `/api/videos/x`, o), params({ id: videoId }))],
    ["POST /api/videos/:id/extend", () => extendRoute(request("POST", `/api/videos/x/extend`, o), params({ id: videoId }))],
    ["POST /api/videos/:id/remix", () => remixVideoRoute(request("POST", `/api/videos/x/remix`, o), params({ id: videoId }))],
    ["GET /api/videos/:id/plan", () => videoPlanRoute(request("GET", `/api/videos/x/plan`, o), params({ id: videoId }))],
    ["GET /media/:id/video.mp4", () => mediaRoute(request("GET", `/media/x/video.mp4`, o), params({ videoId, file: "video.mp4" }))],
    ["GET /media/:id/poster.png", () => mediaRoute(request("GET", `/media/x/poster.png`, o), params({ videoId, file: "poster.png" }))],
    ["GET /v/:slug/embed", () => embedRoute(request("GET", `/v/x/embed`, o), params({ slug }))],
  ] as const;
}

async function expectNotFound(res: Response, what: string) {
  expect(res.status, what).toBe(404);
  const e = (await body(res)).error;
  expect(e.code, what).toBe("NOT_FOUND");
  expect(e.message, what).toMatch(/^no such (job|video|file)$/);
}

describe("odd ids and path traversal", () => {
  it("give 404 NOT_FOUND on every route that takes an id", async ({ t }) => {
    const alice = newCaller();
    const odd = [
      "..",
      "../../etc/passwd",
      "..%2F..%2Fetc%2Fpasswd",
      "%2e%2e",
      "/etc/passwd",
      "C:\\Windows\\win.ini",
      "a".repeat(23),
      "a".repeat(25),
      "A".repeat(24), // well-formed, but nobody's
      `${"A".repeat(23)}\u0000`,
      `${"A".repeat(22)}/.`,
      "ÄÖÜäöüßÄÖÜäöüßÄÖÜäöüßÄÖÜ",
      "x".repeat(10_000),
      "",
      "toString",
      "__proto__",
    ];
    for (const id of odd) {
      // A fresh address per id: the miss limit (tested below) would otherwise answer 429 first.
      for (const [name, call] of idRoutes(alice, id, id, id, fromAddress())) await expectNotFound(await call(), `${name} with ${JSON.stringify(id.slice(0, 40))}`);
    }
    // Media names other than the four a clip has are 404 too, even on a real clip.
    const v = await makeVideo(t, alice.id, "a ball");
    for (const file of ["../../../etc/passwd", "video.mp4/..", "..", "VIDEO.MP4", "video.mp4%00.png", `${v.jobId}/${v.id}.mp4`, "constructor"]) {
      await expectNotFound(await mediaRoute(request("GET", "/media/x/y", { caller: alice, headers: fromAddress() }), params({ videoId: v.id, file })), file);
    }
  });
});

describe("another browser's things (IDOR)", () => {
  it("are 404 on every route, exactly like ids that do not exist, and stay unchanged", async ({ t }) => {
    const alice = newCaller();
    const bob = newCaller();
    const video = await makeVideo(t, alice.id, "alice's private clip");
    const { jobs } = await body(await createJobRoute(request("POST", "/api/jobs", { caller: alice, body: { prompt: "alice's queued job" } })));
    const jobId = jobs[0].id as string;

    for (const caller of [bob, null]) {
      for (const [name, call] of idRoutes(caller, jobId, video.id, video.slug, fromAddress())) {
        const res = await call();
        if (caller === null && res.status === 401) continue; // owner-only routes ask for an identity first
        await expectNotFound(res, `${name} as ${caller ? "bob" : "a stranger"}`);
      }
    }
    // Bob's lists show none of it.
    expect((await body(await listJobsRoute(request("GET", "/api/jobs", { caller: bob })))).jobs).toEqual([]);
    for (const scope of ["all", "mine", "public"]) {
      expect((await body(await listVideosRoute(request("GET", `/api/videos?scope=${scope}`, { caller: bob })))).videos).toEqual([]);
    }
    // Nothing changed: still private, not deleted, the job still queued.
    const mine = await body(await getVideoRoute(request("GET", "/api/videos/x", { caller: alice }), params({ id: video.id })));
    expect(mine.video).toMatchObject({ visibility: "private", mine: true });
    const job = await body(await getJobRoute(request("GET", "/api/jobs/x", { caller: alice }), params({ id: jobId })));
    expect(job.job).toMatchObject({ state: "queued", position: 1, cancelRequested: false });
  });
});

describe("share slugs", () => {
  it("are 144 random bits, unrelated to the clip's id", async ({ t }) => {
    const alice = newCaller();
    const a = await makeVideo(t, alice.id, "one");
    const b = await makeVideo(t, alice.id, "two");
    for (const v of [a, b]) {
      expect(v.slug).toMatch(/^[A-Za-z0-9_-]{24}$/);
      expect(Buffer.from(v.slug, "base64url")).toHaveLength(18); // 144 bits >= the 128 OWASP asks for
      expect(v.slug).not.toBe(v.id);
    }
    expect(a.slug).not.toBe(b.slug);
    // The generator behind them: no repeats, and every bit position takes both values.
    const ids = Array.from({ length: 20_000 }, newId);
    expect(new Set(ids).size).toBe(ids.length);
    const ones = new Array(144).fill(0);
    for (const id of ids) Buffer.from(id, "base64url").forEach((byte, i) => {
      for (let bit = 0; bit < 8; bit++) ones[i * 8 + bit] += (byte >> bit) & 1;
    });
    for (const n of ones) expect(Math.abs(n / ids.length - 0.5)).toBeLessThan(0.03);
  });

  it(`cannot be enumerated: after ${MISS_LIMIT} misses an address gets 429 for every lookup, hits included`, async ({ t }) => {
    const alice = newCaller();
    const v = await makeVideo(t, alice.id, "a published clip");
    await patchVideoRoute(request("PATCH", "/api/videos/x", { caller: alice, body: { visibility: "public" } }), params({ id: v.id }));
    const scannerIp = `198.51.100.${++address}`;
    const scanner = fromAddress(scannerIp);
    const embed = (slug: string, headers: Record<string, string>) => embedRoute(request("GET", `/v/${slug}/embed`, { headers }), params({ slug }));

    for (let i = 0; i < MISS_LIMIT; i++) expect((await embed(newId(), scanner)).status).toBe(404);
    const limited = await embed(newId(), scanner);
    expect(limited.status).toBe(429);
    expect((await body(limited)).error).toMatchObject({ code: "RATE_LIMITED", message: expect.stringMatching(/too many requests/) });
    expect(Number(limited.headers.get("retry-after"))).toBeGreaterThan(0);
    // A real slug from the same address is refused the same way: a hit is not told from a miss.
    expect((await embed(v.slug, scanner)).status).toBe(429);
    // The other capability lookups share the count.
    expect((await getVideoRoute(request("GET", "/api/videos/x", { headers: scanner }), params({ id: v.id }))).status).toBe(429);
    expect((await mediaRoute(request("GET", "/media/x/video.mp4", { headers: scanner }), params({ videoId: v.id, file: "video.mp4" }))).status).toBe(429);
    // Another address is unaffected. A spoofed X-Forwarded-For from the scanner changes nothing...
    expect((await embed(v.slug, fromAddress())).status).toBe(200);
    expect((await embed(v.slug, { ...scanner, "x-forwarded-for": "203.0.113.9" })).status).toBe(429);
    // ... but behind a proxy named in TRUSTED_PROXIES, the entry it appended is the client.
    process.env.TRUSTED_PROXIES = "10.0.0.1";
    try {
      const viaProxy = (xff: string) => ({ ...fromAddress("10.0.0.1"), "x-forwarded-for": xff });
      expect((await embed(v.slug, viaProxy(`${scannerIp}, 203.0.113.9`))).status).toBe(200);
      expect((await embed(v.slug, viaProxy(`203.0.113.9, ${scannerIp}`))).status).toBe(429); // the forged first entry is not believed
    } finally {
      delete process.env.TRUSTED_PROXIES;
    }
    // Hits are never counted: a viewer may open a real link any number of times.
    const viewer = fromAddress();
    for (let i = 0; i < MISS_LIMIT + 5; i++) expect((await embed(v.slug, viewer)).status).toBe(200);
  });
});

describe("cross-site writes", () => {
  it("are refused with 403 on every route that changes something, and change nothing", async ({ t }) => {
    const alice = newCaller();
    const video = await makeVideo(t, alice.id, "a clip");
    const { jobs } = await body(await createJobRoute(request("POST", "/api/jobs", { caller: alice, body: { prompt: "a job" } })));
    const jobId = jobs[0].id as string;
    for (const origin of ["https://evil.example", "null", "http://localhost:3000.evil.example", "http://localhost:80", "file://"]) {
      const o = { caller: alice, origin };
      const calls = [
        ["POST /api/jobs", () => createJobRoute(request("POST", "/api/jobs", { ...o, body: { prompt: "forged" } }))],
        ["DELETE /api/jobs/:id", () => cancelJobRoute(request("DELETE", "/api/jobs/x", o), params({ id: jobId }))],
        ["POST /api/jobs/:id/front", () => frontRoute(request("POST", "/api/jobs/x/front", o), params({ id: jobId }))],
        ["POST /api/queue/pause", () => pauseRoute(request("POST", "/api/queue/pause", o))],
        ["POST /api/queue/resume", () => resumeRoute(request("POST", "/api/queue/resume", o))],
        ["PATCH /api/videos/:id", () => patchVideoRoute(request("PATCH", "/api/videos/x", { ...o, body: { visibility: "public" } }), params({ id: video.id }))],
        ["DELETE /api/videos/:id", () => deleteVideoRoute(request("DELETE", "/api/videos/x", o), params({ id: video.id }))],
        ["POST /api/videos/:id/extend", () => extendRoute(request("POST", "/api/videos/x/extend", o), params({ id: video.id }))],
        ["POST /api/videos/:id/remix", () => remixVideoRoute(request("POST", "/api/videos/x/remix", o), params({ id: video.id }))],
      ] as const;
      for (const [name, call] of calls) {
        const res = await call();
        expect(res.status, `${name} from ${origin}`).toBe(403);
        expect((await body(res)).error.code).toBe("FORBIDDEN");
      }
    }
    // A form post from another site (no Origin on some old browsers, but Sec-Fetch-Site says so).
    const form = await pauseRoute(request("POST", "/api/queue/pause", { caller: alice, origin: null, headers: { "sec-fetch-site": "cross-site" } }));
    expect(form.status).toBe(403);

    const after = (await body(await listJobsRoute(request("GET", "/api/jobs?state=queued", { caller: alice })))).jobs;
    expect(after.map((j: { id: string; position: number }) => [j.id, j.position])).toEqual([[jobId, 1]]);
    expect((await body(await queueRoute(request("GET", "/api/queue")))).paused).toBe(false);
    const v = await body(await getVideoRoute(request("GET", "/api/videos/x", { caller: alice }), params({ id: video.id })));
    expect(v.video.visibility).toBe("private");
  });
});

describe("bad bodies and prompts", () => {
  const post = (b: unknown, headers: Record<string, string> = {}) =>
    createJobRoute(request("POST", "/api/jobs", { caller: newCaller(), body: b, headers }));

  async function expect4xx(res: Response, status: number, code: string, message: RegExp) {
    expect(res.status).toBe(status);
    const e = (await body(res)).error;
    expect(e.code).toBe(code);
    expect(e.message).toMatch(message);
  }

  it("empty, blank, over-long prompts and control characters: 400 naming the field", async ({ t }) => {
    const cases: [unknown, RegExp][] = [
      [{ prompt: "" }, /prompt: must not be empty/],
      [{ prompt: " \t\n\u3000\u00a0" }, /prompt: must not be empty/],
      [{ prompt: null }, /prompt/],
      [{ prompt: "a".repeat(501) }, /prompt: at most 500 characters/],
      [{ prompt: "a ball", negativePrompt: "b".repeat(501) }, /negativePrompt: at most 500 characters/],
      [{ prompt: "a\u0000ball" }, /prompt: must not contain control characters/],
      [{ prompt: "a ball\u001b[31m" }, /prompt: must not contain control characters/],
      [{ prompt: "a ball", negativePrompt: "\u0007" }, /negativePrompt: must not contain control characters/],
      [{ prompt: "a \ud800 ball" }, /prompt: must be valid Unicode text/],
    ];
    for (const [b, message] of cases) await expect4xx(await post(b), 400, "BAD_REQUEST", message);
    // Tabs, newlines and any script are fine.
    expect((await post({ prompt: "a ball\n\tin the snow, 雪の中のボール 🎈" })).status).toBe(202);
  });

  it("bodies that are not UTF-8 JSON, or too big: 400, 415 or 413 on every route that reads one", async ({ t }) => {
    const alice = newCaller();
    const v = await makeVideo(t, alice.id, "a clip");
    const raw = (method: string, url: string, bodyBytes: BodyInit, headers: Record<string, string> = {}) =>
      new Request(`${BASE}${url}`, { method, headers: { cookie: alice.cookie, origin: BASE, "content-type": "application/json", ...headers }, body: bodyBytes });
    // Bodies that may carry a scene plan may be bigger (PLAN_BODY_LIMIT_BYTES).
    const senders: [(b: BodyInit, h?: Record<string, string>) => Promise<Response>, number][] = [
      [(b, h) => createJobRoute(raw("POST", "/api/jobs", b, h)), 256],
      [(b, h) => remixVideoRoute(raw("POST", "/api/videos/x/remix", b, h), params({ id: v.id })), 256],
      [(b, h) => patchVideoRoute(raw("PATCH", "/api/videos/x", b, h), params({ id: v.id })), 16],
    ];
    for (const [send, kb] of senders) {
      await expect4xx(await send(new Uint8Array([0x7b, 0x22, 0x70, 0xc3, 0x28, 0x22, 0x7d])), 400, "BAD_REQUEST", /not valid UTF-8/); // {"p\xc3(" }
      await expect4xx(await send(new Uint8Array([0xff, 0xfe, 0x7b, 0x00, 0x7d, 0x00])), 400, "BAD_REQUEST", /not valid UTF-8/); // UTF-16
      await expect4xx(await send("{}\u0000"), 400, "BAD_REQUEST", /not valid JSON/);
      await expect4xx(await send("{\"prompt\": \"a\""), 400, "BAD_REQUEST", /not valid JSON/);
      await expect4xx(await send("<xml/>", { "content-type": "application/xml" }), 415, "UNSUPPORTED_MEDIA_TYPE", /must be application\/json/);
      await expect4xx(await send(JSON.stringify({ prompt: "x".repeat(kb * 1024 + 1000) })), 413, "PAYLOAD_TOO_LARGE", new RegExp(`over ${kb} KB`));
      await expect4xx(await send("[]".padEnd(64 * 1024 * 1024, " ")), 413, "PAYLOAD_TOO_LARGE", new RegExp(`over ${kb} KB`)); // 64 MB, refused after the limit
    }
    // Nothing was queued or changed.
    expect((await body(await listJobsRoute(request("GET", "/api/jobs?state=queued", { caller: alice })))).jobs).toEqual([]);
    expect((await body(await getVideoRoute(request("GET", "/api/videos/x", { caller: alice }), params({ id: v.id })))).video.visibility).toBe("private");
  });
});
