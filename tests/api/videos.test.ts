/** /api/videos and /media: the gallery, visibility, publish, extend, delete, and serving files with ranges. */
import { existsSync } from "node:fs";
import path from "node:path";

import { describe, expect } from "vitest";

import { POST as extendRoute } from "../../app/api/videos/[id]/extend/route";
import { MAX_EXTEND } from "../../lib/pipeline/contract";
import { DELETE as deleteRoute, GET as getRoute, PATCH as patchRoute } from "../../app/api/videos/[id]/route";
import { GET as listRoute } from "../../app/api/videos/route";
import { GET as mediaRoute, HEAD as mediaHead } from "../../app/media/[videoId]/[file]/route";
import { GET as embedRoute } from "../../app/v/[slug]/embed/route";
import { body, issuedCookie, it, makeVideo, newCaller, params, request } from "./helpers";

const ids = (b: { videos: { id: string }[] }) => b.videos.map((v) => v.id);
const publish = (id: string, caller: { cookie: string }, visibility = "public") =>
  patchRoute(request("PATCH", `/api/videos/${id}`, { caller, body: { visibility } }), params({ id }));

describe("GET /api/videos", () => {
  it("pages newest first by cursor, searches prompts and filters mine/public", async ({ t }) => {
    const alice = newCaller();
    const bob = newCaller();
    const base = Date.parse("2026-01-01T00:00:00Z");
    const mine = [];
    for (let i = 0; i < 5; i++) mine.push(await makeVideo(t, alice.id, `red ball ${i}`, { at: base + i * 1000 }));
    const bobs = await makeVideo(t, bob.id, "blue cube", { at: base + 10_000 });
    const secret = await makeVideo(t, bob.id, "red secret", { at: base + 11_000 });
    expect((await publish(bobs.id, bob)).status).toBe(200);

    const p1 = await body(await listRoute(request("GET", "/api/videos?limit=4", { caller: alice })));
    expect(ids(p1)).toEqual([bobs.id, mine[4]!.id, mine[3]!.id, mine[2]!.id]);
    expect(p1.nextCursor).toEqual(expect.any(String));
    const p2 = await body(await listRoute(request("GET", `/api/videos?limit=4&cursor=${p1.nextCursor}`, { caller: alice })));
    expect(ids(p2)).toEqual([mine[1]!.id, mine[0]!.id]);
    expect(p2.nextCursor).toBeNull();
    expect([...ids(p1), ...ids(p2)]).not.toContain(secret.id);

    expect(p1.videos[0]).toMatchObject({ mine: false, jobId: null, visibility: "public", shareUrl: `/v/${bobs.slug}`, media: { mp4: `/media/${bobs.id}/video.mp4`, poster: `/media/${bobs.id}/poster.png`, webm: null } });
    expect(p1.videos[1]).toMatchObject({ mine: true, jobId: mine[4]!.jobId, visibility: "private", shareUrl: null });
    expect(p1.videos[0]).not.toHaveProperty("callerId");
    expect(p1.videos[0]).not.toHaveProperty("mp4Key");

    expect(ids(await body(await listRoute(request("GET", "/api/videos?q=BALL%203", { caller: alice }))))).toEqual([mine[3]!.id]);
    expect(ids(await body(await listRoute(request("GET", "/api/videos?q=red", { caller: alice }))))).toHaveLength(5); // not bob's private "red secret"
    expect(ids(await body(await listRoute(request("GET", "/api/videos?scope=mine", { caller: alice }))))).toHaveLength(5);
    expect(ids(await body(await listRoute(request("GET", "/api/videos?scope=public", { caller: alice }))))).toEqual([bobs.id]);

    // A stranger sees the published clip only, and gets an identity.
    const stranger = await listRoute(request("GET", "/api/videos"));
    expect(ids(await body(stranger))).toEqual([bobs.id]);
    expect(stranger.headers.get("set-cookie")).toMatch(/^spacetime_caller=/);
  });

  it("rejects bad queries with 400", async ({ t }) => {
    const alice = newCaller();
    for (const q of ["scope=everyone", "limit=0", "limit=abc", "cursor=garbage", `q=${"x".repeat(201)}`, "bogus=1"]) {
      const res = await listRoute(request("GET", `/api/videos?${q}`, { caller: alice }));
      expect(res.status, q).toBe(400);
      expect((await body(res)).error.code).toBe("BAD_REQUEST");
    }
  });
});

describe("/api/videos/[id]", () => {
  it("shows a private clip to its owner only; publishing opens it to everyone, unpublishing closes it", async ({ t }) => {
    const alice = newCaller();
    const bob = newCaller();
    const v = await makeVideo(t, alice.id, "a ball");
    const get = (caller?: { cookie: string }) => getRoute(request("GET", `/api/videos/${v.id}`, { caller }), params({ id: v.id }));

    expect((await get(alice)).status).toBe(200);
    expect((await get(bob)).status).toBe(404);
    expect((await get()).status).toBe(404);
    expect((await body(await get(bob))).error).toEqual({ code: "NOT_FOUND", message: "no such video" });

    // Only the owner may publish: bob gets the same 404 as for a clip that does not exist.
    expect((await publish(v.id, bob)).status).toBe(404);
    const pub = await publish(v.id, alice);
    expect((await body(pub)).video).toMatchObject({ visibility: "public", shareUrl: `/v/${v.slug}` });
    expect((await get(bob)).status).toBe(200);
    expect((await body(await get())).video).toMatchObject({ id: v.id, mine: false });

    await publish(v.id, alice, "private");
    expect((await get(bob)).status).toBe(404);

    expect((await patchRoute(request("PATCH", `/api/videos/${v.id}`, { caller: alice, body: { visibility: "everyone" } }), params({ id: v.id }))).status).toBe(400);
    expect((await patchRoute(request("PATCH", `/api/videos/${v.id}`, { body: { visibility: "public" } }), params({ id: v.id }))).status).toBe(401);
    expect((await patchRoute(request("PATCH", `/api/videos/${v.id}`, { caller: alice, origin: "https://evil.example", body: { visibility: "public" } }), params({ id: v.id }))).status).toBe(403);
  });

  it("soft-deletes for the owner only: gone from everywhere, files removed", async ({ t }) => {
    const alice = newCaller();
    const bob = newCaller();
    const v = await makeVideo(t, alice.id, "a ball");
    await publish(v.id, alice);
    const del = (caller?: { cookie: string }) => deleteRoute(request("DELETE", `/api/videos/${v.id}`, { caller }), params({ id: v.id }));
    expect((await del()).status).toBe(401);
    expect((await del(bob)).status).toBe(404);
    const file = path.join(t.media, v.mp4Key);
    expect(existsSync(file)).toBe(true);
    expect((await del(alice)).status).toBe(204);
    expect(existsSync(file)).toBe(false);
    expect((await getRoute(request("GET", `/api/videos/${v.id}`, { caller: alice }), params({ id: v.id }))).status).toBe(404);
    expect((await del(alice)).status).toBe(404);
    expect(ids(await body(await listRoute(request("GET", "/api/videos", { caller: bob }))))).toEqual([]);
    expect((await mediaRoute(request("GET", `/media/${v.id}/video.mp4`, { caller: alice }), params({ videoId: v.id, file: "video.mp4" }))).status).toBe(404);
  });
});

describe("GET /media/[videoId]/[file]", () => {
  const media = (videoId: string, file: string, o: Parameters<typeof request>[2] = {}) =>
    mediaRoute(request("GET", `/media/${videoId}/${file}`, o), params({ videoId, file }));

  it("serves the owner's file whole, with type, length, ETag and nosniff; 304 on a matching ETag", async ({ t }) => {
    const alice = newCaller();
    const v = await makeVideo(t, alice.id, "a ball", { bytes: 1000 });
    const res = await media(v.id, "video.mp4", { caller: alice });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("video/mp4");
    expect(res.headers.get("content-length")).toBe("1000");
    expect(res.headers.get("accept-ranges")).toBe("bytes");
    expect(res.headers.get("x-content-type-options")).toBe("nosniff");
    // Revalidated on every use, so a deleted clip does not live on in the browser's cache.
    expect(res.headers.get("cache-control")).toBe("private, no-cache");
    const etag = res.headers.get("etag")!;
    expect(etag).toMatch(/^"[^"]+"$/);
    const bytes = new Uint8Array(await res.arrayBuffer());
    expect(bytes.length).toBe(1000);
    expect(bytes[300]).toBe(300 % 251);

    const poster = await media(v.id, "poster.png", { caller: alice });
    expect(poster.headers.get("content-type")).toBe("image/png");
    await poster.arrayBuffer();
    expect((await media(v.id, "video.mp4", { caller: alice, headers: { "if-none-match": etag } })).status).toBe(304);
    const head = await mediaHead(request("HEAD", `/media/${v.id}/video.mp4`, { caller: alice }), params({ videoId: v.id, file: "video.mp4" }));
    expect(head.status).toBe(200);
    expect(head.headers.get("content-length")).toBe("1000");
  });

  it("answers byte ranges with 206 and impossible ones with 416", async ({ t }) => {
    const alice = newCaller();
    const v = await makeVideo(t, alice.id, "a ball", { bytes: 1000 });
    const range = async (r: string, extra: Record<string, string> = {}) => media(v.id, "video.mp4", { caller: alice, headers: { range: r, ...extra } });

    const first = await range("bytes=0-99");
    expect(first.status).toBe(206);
    expect(first.headers.get("content-range")).toBe("bytes 0-99/1000");
    expect(first.headers.get("content-length")).toBe("100");
    const b = new Uint8Array(await first.arrayBuffer());
    expect(b.length).toBe(100);
    expect(b[99]).toBe(99);

    const open = await range("bytes=990-");
    expect(open.headers.get("content-range")).toBe("bytes 990-999/1000");
    expect((await open.arrayBuffer()).byteLength).toBe(10);
    const suffix = await range("bytes=-5");
    expect(suffix.headers.get("content-range")).toBe("bytes 995-999/1000");
    expect(new Uint8Array(await suffix.arrayBuffer())[4]).toBe(999 % 251);
    const clipped = await range("bytes=900-5000");
    expect(clipped.headers.get("content-range")).toBe("bytes 900-999/1000");
    await clipped.arrayBuffer();

    const past = await range("bytes=1000-");
    expect(past.status).toBe(416);
    expect(past.headers.get("content-range")).toBe("bytes */1000");
    expect((await range("bytes=-0")).status).toBe(416);
    // Malformed or several ranges: ignored, the whole file (RFC 9110 allows it).
    for (const r of ["bytes=abc", "bytes=0-1,5-6", "items=0-1", "bytes=50-10"]) {
      const res = await range(r);
      expect(res.status, r).toBe(200);
      await res.arrayBuffer();
    }
    // If-Range with a stale ETag: the whole (new) file, not a piece of it.
    const stale = await range("bytes=0-9", { "if-range": '"old"' });
    expect(stale.status).toBe(200);
    await stale.arrayBuffer();
  });

  it("gives 404 for other callers' private clips, odd ids, unknown names and traversal", async ({ t }) => {
    const alice = newCaller();
    const v = await makeVideo(t, alice.id, "a ball");
    expect((await media(v.id, "video.mp4", { caller: newCaller() })).status).toBe(404);
    expect((await media(v.id, "video.mp4")).status).toBe(404);
    const cases: [string, string][] = [
      [v.id, "video.webm"], // the clip has none
      [v.id, `${v.id}.mp4`],
      [v.id, "../../../../etc/passwd"],
      [v.id, "..%2F..%2Fetc%2Fpasswd"],
      [v.id, "video.mp4/"],
      [v.id, "VIDEO.MP4"],
      [v.id, "toString"],
      ["..", "video.mp4"],
      ["../../etc", "passwd"],
      [v.jobId.slice(0, 23) + "/", "video.mp4"],
      ["%2e%2e", "video.mp4"],
      ["A".repeat(24), "video.mp4"],
      [v.id + "A", "video.mp4"],
      ["", ""],
    ];
    for (const [id, file] of cases) {
      const res = await media(id, file, { caller: alice });
      expect(res.status, `${id}/${file}`).toBe(404);
      expect((await body(res)).error.code).toBe("NOT_FOUND");
    }
    // Published: anyone, cookie or not.
    await publish(v.id, alice);
    const anon = await media(v.id, "video.mp4");
    expect(anon.status).toBe(200);
    expect(anon.headers.get("set-cookie")).toBeNull();
    await anon.arrayBuffer();
  });

  it("gives 404, not 500, when a file has gone missing from disk", async ({ t }) => {
    const alice = newCaller();
    const v = await makeVideo(t, alice.id, "a ball");
    const { rmSync } = await import("node:fs");
    rmSync(path.join(t.media, v.mp4Key));
    expect((await media(v.id, "video.mp4", { caller: alice })).status).toBe(404);
  });
});

// Keeps the issued-cookie helper honest for the gallery's first visit.
it("a gallery visit without a cookie issues one that later requests are recognised by", async ({ t }) => {
  const first = await listRoute(request("GET", "/api/videos?scope=mine"));
  const again = await listRoute(request("GET", "/api/videos?scope=mine", { caller: issuedCookie(first) }));
  expect(again.status).toBe(200);
  expect(again.headers.get("set-cookie")).toBeNull();
});

describe("GET /v/[slug]/embed", () => {
  it("plays a published clip for anyone, with the prompt escaped and no script; 404 otherwise", async ({ t }) => {
    const alice = newCaller();
    const v = await makeVideo(t, alice.id, `<script>alert(1)</script><img src=x onerror="alert(2)">`);
    const embed = () => embedRoute(request("GET", `/v/${v.slug}/embed`), params({ slug: v.slug }));
    expect((await embed()).status).toBe(404);
    expect((await embedRoute(request("GET", "/v/../embed"), params({ slug: ".." }))).status).toBe(404);
    await publish(v.id, alice);
    const res = await embed();
    expect(res.status).toBe(200);
    expect(res.headers.get("content-security-policy")).toMatch(/default-src 'none'.*frame-ancestors \*/);
    const html = await res.text();
    expect(html).not.toMatch(/<script|<img/i);
    expect(html).toContain("&#60;script&#62;");
    expect(html).toContain(`src="/media/${v.id}/video.mp4"`);
    await publish(v.id, alice, "private");
    expect((await embed()).status).toBe(404);
  });
});

describe("POST /api/videos/[id]/extend", () => {
  it("queues the clip's settings with one chunk more, for any clip the caller can see, once per key", async ({ t }) => {
    const alice = newCaller();
    const bob = newCaller();
    const v = await makeVideo(t, alice.id, "a red ball bouncing");
    // The clip was made of 3 chunks of 4 steps (12 denoising steps in all).
    await t.db.run((p) => p.job.update({ where: { id: v.jobId }, data: { progressTotal: 12 } }));
    const extend = (caller?: { cookie: string }, key?: string) =>
      extendRoute(request("POST", `/api/videos/${v.id}/extend`, { caller, headers: key ? { "idempotency-key": key } : {} }), params({ id: v.id }));

    const res = await extend(alice, "k1");
    expect(res.status).toBe(202);
    const { jobs } = await body(res);
    expect(jobs[0]).toMatchObject({ state: "queued", prompt: "a red ball bouncing", seed: v.seed, steps: v.steps, guidance: v.guidance, scheduler: v.scheduler });
    const job = await t.db.run((p) => p.job.findUniqueOrThrow({ where: { id: jobs[0].id } }));
    expect(job).toMatchObject({ extend: 3, frames: null, callerId: alice.id });
    const again = await extend(alice, "k1");
    expect(again.headers.get("idempotent-replayed")).toBe("true");
    expect((await body(again)).jobs[0].id).toBe(jobs[0].id);

    // Bob cannot see the private clip; once it is published he may extend it, as his own job.
    expect((await extend(bob)).status).toBe(404);
    await publish(v.id, alice);
    const bobs = await body(await extend(bob));
    expect((await t.db.run((p) => p.job.findUniqueOrThrow({ where: { id: bobs.jobs[0].id } }))).callerId).toBe(bob.id);

    // A clip as long as clips get cannot grow further: a clear 400.
    await t.db.run((p) => p.job.update({ where: { id: v.jobId }, data: { progressTotal: 4 * (1 + MAX_EXTEND) } }));
    const tooLong = await extend(alice);
    expect(tooLong.status).toBe(400);
    expect((await body(tooLong)).error.message).toMatch(/extend/);
  });
});
