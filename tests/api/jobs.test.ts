/** /api/jobs: create, read, cancel, move to front; identity, ownership, idempotency, limits, bodies. */
import { describe, expect } from "vitest";

import { GET as getJobRoute, DELETE as cancelJobRoute } from "../../app/api/jobs/[id]/route";
import { POST as frontRoute } from "../../app/api/jobs/[id]/front/route";
import { GET as listJobsRoute, POST as createJob } from "../../app/api/jobs/route";
import { claim } from "../../lib/queue";
import { body, issuedCookie, it, newCaller, params, request } from "./helpers";

const create = (b: unknown, o: Parameters<typeof request>[2] = {}) => createJob(request("POST", "/api/jobs", { body: b, ...o }));

describe("POST /api/jobs", () => {
  it("queues a job (202) and hands a new browser a signed, httpOnly, SameSite=Lax caller cookie", async ({ t }) => {
    const res = await create({ prompt: "a red ball bounces", steps: 4, seed: 5 }, { caller: null });
    expect(res.status).toBe(202);
    const { jobs } = await body(res);
    expect(jobs).toHaveLength(1);
    expect(jobs[0]).toMatchObject({ state: "queued", prompt: "a red ball bounces", steps: 4, seed: 5, position: 1, progress: { step: 0, total: 0 } });
    expect(jobs[0].id).toMatch(/^[A-Za-z0-9_-]{24}$/);
    expect(jobs[0]).not.toHaveProperty("callerId");

    const cookie = res.headers.get("set-cookie")!;
    expect(cookie).toMatch(/^spacetime_caller=[A-Za-z0-9_-]{24}\.[A-Za-z0-9_-]{43};/);
    expect(cookie).toContain("HttpOnly");
    expect(cookie).toContain("SameSite=Lax");
    expect(cookie).not.toContain("Secure");

    // The cookie is who made it: the same browser sees the job, with its queue position.
    const list = await body(await listJobsRoute(request("GET", "/api/jobs", { caller: issuedCookie(res) })));
    expect(list.jobs.map((j: { id: string }) => j.id)).toEqual([jobs[0].id]);
    const one = await getJobRoute(request("GET", `/api/jobs/${jobs[0].id}`, { caller: issuedCookie(res) }), params({ id: jobs[0].id }));
    expect(one.status).toBe(200);
    expect((await body(one)).job).toMatchObject({ id: jobs[0].id, position: 1, ahead: 0 });
  });

  it("marks the cookie Secure over https behind a trusted proxy, and believes X-Forwarded-Proto from nobody else", async ({ t }) => {
    const spoofed = await create({ prompt: "a ball" }, { caller: null, headers: { "x-forwarded-proto": "https" } });
    expect(spoofed.status).toBe(202);
    expect(spoofed.headers.get("set-cookie")).not.toContain("Secure");
    process.env.TRUSTED_PROXIES = "10.0.0.1";
    process.env.SPACETIME_ANONYMOUS_JOBS = "5"; // a proxy in front makes the instance shared
    try {
      const res = await create({ prompt: "a ball" }, { caller: null, peer: "10.0.0.1", headers: { "x-forwarded-proto": "https", "x-forwarded-for": "198.51.100.7" } });
      expect(res.status).toBe(202);
      expect(res.headers.get("set-cookie")).toContain("Secure");
    } finally {
      delete process.env.TRUSTED_PROXIES;
      delete process.env.SPACETIME_ANONYMOUS_JOBS;
    }
  });

  it("keeps a known caller's identity and issues no new cookie", async ({ t }) => {
    const alice = newCaller();
    const res = await create({ prompt: "a ball" }, { caller: alice });
    expect(res.status).toBe(202);
    expect(res.headers.get("set-cookie")).toBeNull();
  });

  it("treats a tampered cookie as no identity", async ({ t }) => {
    const alice = newCaller();
    const { jobs } = await body(await create({ prompt: "a ball" }, { caller: alice }));
    const forged = { cookie: alice.cookie.slice(0, -2) + (alice.cookie.endsWith("A") ? "BB" : "AA") };
    const res = await getJobRoute(request("GET", `/api/jobs/${jobs[0].id}`, { caller: forged }), params({ id: jobs[0].id }));
    expect(res.status).toBe(401);
    expect((await body(res)).error.code).toBe("UNAUTHORIZED");
    // Someone else's id under a signature of their own making is no better.
    const other = newCaller();
    const swapped = { cookie: `spacetime_caller=${jobs[0].id}.${other.cookie.split(".")[1]}` };
    expect((await getJobRoute(request("GET", `/api/jobs/${jobs[0].id}`, { caller: swapped }), params({ id: jobs[0].id }))).status).toBe(401);
    // Creating with a bad cookie makes a fresh identity, never the forged one.
    const made = await create({ prompt: "a ball" }, { caller: forged });
    expect(made.status).toBe(202);
    expect(made.headers.get("set-cookie")).toMatch(/^spacetime_caller=/);
  });

  it("queues 1-4 variations with consecutive seeds", async ({ t }) => {
    const { jobs } = await body(await create({ prompt: "a ball", seed: 100, variations: 3 }, { caller: newCaller() }));
    expect(jobs.map((j: { seed: number }) => j.seed)).toEqual([100, 101, 102]);
    expect(jobs.map((j: { position: number }) => j.position)).toEqual([1, 2, 3]);
    const res = await create({ prompt: "a ball", variations: 5 }, { caller: newCaller() });
    expect(res.status).toBe(400);
    expect((await body(res)).error.message).toMatch(/variations/);
  });

  it("gives every job a seed, so it can be remixed", async ({ t }) => {
    const { jobs } = await body(await create({ prompt: "a ball" }, { caller: newCaller() }));
    expect(Number.isInteger(jobs[0].seed)).toBe(true);
  });

  it("rejects bad bodies with 400 and a message naming the field", async ({ t }) => {
    const alice = newCaller();
    const cases: [unknown, RegExp][] = [
      [{ prompt: "   " }, /prompt: must not be empty/],
      [{ prompt: "x".repeat(501) }, /prompt: at most 500 characters/],
      [{ prompt: "a ball", steps: "many" }, /steps/],
      [{ prompt: "a ball", steps: 0 }, /steps/],
      [{ prompt: "a ball", guidance: 1e9 }, /guidance/],
      [{ prompt: "a ball", colour: "red" }, /colour|unrecognized/i],
      [{}, /prompt/],
      [[1, 2], /body|expected object/i],
    ];
    for (const [b, message] of cases) {
      const res = await create(b, { caller: alice });
      expect(res.status, JSON.stringify(b)).toBe(400);
      const e = (await body(res)).error;
      expect(e.code).toBe("BAD_REQUEST");
      expect(e.message).toMatch(message);
    }
    const notJson = await create("{prompt:", { caller: alice });
    expect(notJson.status).toBe(400);
    expect((await body(notJson)).error.message).toMatch(/not valid JSON/);
    const form = await create("prompt=x", { caller: alice, headers: { "content-type": "application/x-www-form-urlencoded" } });
    expect(form.status).toBe(415);
    const latin1 = await createJob(
      new Request("http://localhost:3000/api/jobs", { method: "POST", headers: { "content-type": "application/json", cookie: alice.cookie }, body: new Uint8Array([0x7b, 0xff, 0x7d]) }),
    );
    expect(latin1.status).toBe(400);
    expect((await body(latin1)).error.message).toMatch(/UTF-8/);
  });

  it("refuses bodies over 256 KB (room for a minute's scene plan) with 413, declared or not", async ({ t }) => {
    const alice = newCaller();
    const big = JSON.stringify({ prompt: "a ball", negativePrompt: "x".repeat(300_000) });
    const declared = await create(big, { caller: alice, headers: { "content-length": String(big.length) } });
    expect(declared.status).toBe(413);
    expect((await body(declared)).error.code).toBe("PAYLOAD_TOO_LARGE");
    const chunks = new ReadableStream({
      start(c) {
        for (let i = 0; i < 260; i++) c.enqueue(new TextEncoder().encode("x".repeat(1024)));
        c.close();
      },
    });
    const streamed = await createJob(
      new Request("http://localhost:3000/api/jobs", { method: "POST", headers: { "content-type": "application/json", cookie: alice.cookie }, body: chunks, duplex: "half" } as RequestInit),
    );
    expect(streamed.status).toBe(413);
  });

  it("makes one job per idempotency key (a double click), 409 if the key is reused with other settings", async ({ t }) => {
    const alice = newCaller();
    const headers = { "idempotency-key": "click-1" };
    const a = await create({ prompt: "a ball" }, { caller: alice, headers });
    const b = await create({ prompt: "a ball" }, { caller: alice, headers });
    expect(a.status).toBe(202);
    expect(b.status).toBe(202);
    expect(b.headers.get("idempotent-replayed")).toBe("true");
    const [ja, jb] = [(await body(a)).jobs[0], (await body(b)).jobs[0]];
    expect(jb.id).toBe(ja.id);
    expect(jb.seed).toBe(ja.seed);
    expect((await body(await listJobsRoute(request("GET", "/api/jobs", { caller: alice })))).jobs).toHaveLength(1);

    const c = await create({ prompt: "a cube" }, { caller: alice, headers });
    expect(c.status).toBe(409);
    // Keys are per caller: bob's "click-1" is his own.
    const bob = await create({ prompt: "a ball" }, { caller: newCaller(), headers });
    expect((await body(bob)).jobs[0].id).not.toBe(ja.id);
    const bad = await create({ prompt: "a ball" }, { caller: alice, headers: { "idempotency-key": "has space" } });
    expect(bad.status).toBe(400);
  });

  it("answers 429 with Retry-After past the per-caller limit, and takes back a batch that does not fit", async ({ t }) => {
    const alice = newCaller();
    for (let i = 0; i < 8; i++) expect((await create({ prompt: `ball ${i}` }, { caller: alice })).status).toBe(202);
    const batch = await create({ prompt: "four balls", variations: 4 }, { caller: alice });
    expect(batch.status).toBe(429);
    expect(batch.headers.get("retry-after")).toMatch(/^\d+$/);
    const e = (await body(batch)).error;
    expect(e.code).toBe("RATE_LIMITED");
    expect(e.message).toMatch(/queued or running/);
    const queued = (await body(await listJobsRoute(request("GET", "/api/jobs?state=queued", { caller: alice })))).jobs;
    expect(queued).toHaveLength(8);
    expect((await create({ prompt: "two balls", variations: 2 }, { caller: alice })).status).toBe(202);
    expect((await create({ prompt: "one more" }, { caller: alice })).status).toBe(429);
    // Another caller is not held back by alice's jobs.
    expect((await create({ prompt: "a ball" }, { caller: newCaller() })).status).toBe(202);
  });
});

describe("/api/jobs/[id]", () => {
  async function aliceJob() {
    const alice = newCaller();
    const { jobs } = await body(await create({ prompt: "a ball" }, { caller: alice }));
    return { alice, id: jobs[0].id as string };
  }

  it("asks for an identity (401) where only an owner can act", async ({ t }) => {
    const { id } = await aliceJob();
    for (const res of [
      await getJobRoute(request("GET", `/api/jobs/${id}`), params({ id })),
      await cancelJobRoute(request("DELETE", `/api/jobs/${id}`), params({ id })),
      await frontRoute(request("POST", `/api/jobs/${id}/front`), params({ id })),
    ]) {
      expect(res.status).toBe(401);
      expect((await body(res)).error.code).toBe("UNAUTHORIZED");
    }
  });

  it("shows another caller's job as not found (no IDOR), as it does odd ids", async ({ t }) => {
    const { id } = await aliceJob();
    const bob = newCaller();
    for (const res of [
      await getJobRoute(request("GET", `/api/jobs/${id}`, { caller: bob }), params({ id })),
      await cancelJobRoute(request("DELETE", `/api/jobs/${id}`, { caller: bob }), params({ id })),
      await frontRoute(request("POST", `/api/jobs/${id}/front`, { caller: bob }), params({ id })),
      await getJobRoute(request("GET", `/api/jobs/x`, { caller: bob }), params({ id: "x" })),
      await getJobRoute(request("GET", `/api/jobs/..%2f..%2fetc`, { caller: bob }), params({ id: "../../etc" })),
      await getJobRoute(request("GET", `/api/jobs/${"A".repeat(24)}`, { caller: bob }), params({ id: "A".repeat(24) })),
    ]) {
      expect(res.status).toBe(404);
      expect((await body(res)).error).toEqual({ code: "NOT_FOUND", message: "no such job" });
    }
    const mine = await getJobRoute(request("GET", `/api/jobs/${id}`, { caller: bob }), params({ id }));
    expect(mine.status).toBe(404);
    expect((await body(await listJobsRoute(request("GET", "/api/jobs", { caller: bob })))).jobs).toEqual([]);
  });

  it("lists a caller's jobs in one state, newest first, by cursor pages (the gallery's status filter)", async ({ t }) => {
    const alice = newCaller();
    const made: string[] = [];
    for (let i = 0; i < 5; i++) {
      const { jobs } = await body(await createJob(request("POST", "/api/jobs", { caller: alice, body: { prompt: `ball ${i}` } })));
      made.push(jobs[0].id);
    }
    await cancelJobRoute(request("DELETE", `/api/jobs/${made[1]}`, { caller: alice }), params({ id: made[1]! }));
    const ids: string[] = [];
    let cursor: string | null = null;
    do {
      const qs: string = `state=queued&limit=2${cursor ? `&cursor=${cursor}` : ""}`;
      const page = await body(await listJobsRoute(request("GET", `/api/jobs?${qs}`, { caller: alice })));
      ids.push(...page.jobs.map((j: { id: string; state: string }) => (expect(j.state).toBe("queued"), j.id)));
      cursor = page.nextCursor;
    } while (cursor);
    // Jobs made in the same millisecond order by id: compare with one big page, not with `made`.
    const whole = await body(await listJobsRoute(request("GET", "/api/jobs?state=queued&limit=100", { caller: alice })));
    expect(ids).toEqual(whole.jobs.map((j: { id: string }) => j.id));
    expect(new Set(ids)).toEqual(new Set([made[4], made[3], made[2], made[0]]));
    const canceled = await body(await listJobsRoute(request("GET", "/api/jobs?state=canceled", { caller: alice })));
    expect(canceled.jobs.map((j: { id: string }) => j.id)).toEqual([made[1]]);
    expect((await listJobsRoute(request("GET", "/api/jobs?cursor=nope", { caller: alice }))).status).toBe(400);
  });

  it("cancels a queued job at once, again harmlessly, and refuses to cancel a finished one", async ({ t }) => {
    const { alice, id } = await aliceJob();
    const res = await cancelJobRoute(request("DELETE", `/api/jobs/${id}`, { caller: alice }), params({ id }));
    expect(res.status).toBe(200);
    expect((await body(res)).job).toMatchObject({ id, state: "canceled", position: null });
    expect((await cancelJobRoute(request("DELETE", `/api/jobs/${id}`, { caller: alice }), params({ id }))).status).toBe(200);
  });

  it("flags a running job for its worker", async ({ t }) => {
    const { alice, id } = await aliceJob();
    await claim({ db: t.db, workerId: "w" });
    const res = await cancelJobRoute(request("DELETE", `/api/jobs/${id}`, { caller: alice }), params({ id }));
    expect((await body(res)).job).toMatchObject({ state: "running", cancelRequested: true, position: 0 });
  });

  it("moves a queued job to the front; 409 for one that is not queued", async ({ t }) => {
    const alice = newCaller();
    const { jobs } = await body(await create({ prompt: "a ball", variations: 3 }, { caller: alice }));
    const last = jobs[2].id;
    const res = await frontRoute(request("POST", `/api/jobs/${last}/front`, { caller: alice }), params({ id: last }));
    expect(res.status).toBe(200);
    expect((await body(res)).job.position).toBe(1);
    const first = await getJobRoute(request("GET", `/api/jobs/${jobs[0].id}`, { caller: alice }), params({ id: jobs[0].id }));
    expect((await body(first)).job.position).toBe(2);
    await cancelJobRoute(request("DELETE", `/api/jobs/${last}`, { caller: alice }), params({ id: last }));
    expect((await frontRoute(request("POST", `/api/jobs/${last}/front`, { caller: alice }), params({ id: last }))).status).toBe(409);
  });
});

describe("Origin check", () => {
  it("refuses cross-site writes with 403 and allows same-origin and non-browser ones", async ({ t }) => {
    const alice = newCaller();
    const evil = await create({ prompt: "a ball" }, { caller: alice, origin: "https://evil.example" });
    expect(evil.status).toBe(403);
    expect((await body(evil)).error.code).toBe("FORBIDDEN");
    expect((await create({ prompt: "a ball" }, { caller: alice, origin: "null" })).status).toBe(403);
    expect((await create({ prompt: "a ball" }, { caller: alice, origin: "http://localhost:3001" })).status).toBe(403);
    expect((await create({ prompt: "a ball" }, { caller: alice, origin: null, headers: { "sec-fetch-site": "cross-site" } })).status).toBe(403);
    // Nothing was queued by the refused requests.
    expect((await body(await listJobsRoute(request("GET", "/api/jobs", { caller: alice })))).jobs).toEqual([]);

    expect((await create({ prompt: "a ball" }, { caller: alice })).status).toBe(202); // same origin
    expect((await create({ prompt: "a ball" }, { caller: alice, origin: null })).status).toBe(202); // curl
    // X-Forwarded-Host names the origin only when a trusted proxy sent it.
    const spoofed = await create({ prompt: "a ball" }, { caller: alice, origin: "https://studio.example", headers: { "x-forwarded-host": "studio.example" } });
    expect(spoofed.status).toBe(403);
    process.env.TRUSTED_PROXIES = "10.0.0.1";
    process.env.SPACETIME_ANONYMOUS_JOBS = "5";
    try {
      const proxied = await create({ prompt: "a ball" }, { caller: alice, peer: "10.0.0.1", origin: "https://studio.example", headers: { "x-forwarded-host": "studio.example" } });
      expect(proxied.status).toBe(202);
    } finally {
      delete process.env.TRUSTED_PROXIES;
      delete process.env.SPACETIME_ANONYMOUS_JOBS;
    }
    const { jobs } = await body(await listJobsRoute(request("GET", "/api/jobs", { caller: alice })));
    const id = jobs[0].id;
    expect((await cancelJobRoute(request("DELETE", `/api/jobs/${id}`, { caller: alice, origin: "https://evil.example" }), params({ id }))).status).toBe(403);
  });
});
