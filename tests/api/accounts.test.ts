/**
 * Accounts on a shared instance: sign-up policies and the first admin, login and its rate
 * limit, sessions that expire and can be revoked, claiming anonymous clips, the admin's
 * password reset, quotas (429 with the reason and Retry-After), fair "move to front", and
 * the anonymous flood behind a trusted proxy that the admin clears with one request.
 * Runs on SQLite and on PostgreSQL (vitest.config.ts).
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";

import { GET as accountRoute } from "../../app/api/account/route";
import { POST as adminJobsBulk } from "../../app/api/admin/jobs/route";
import { PATCH as adminSettingsPatch } from "../../app/api/admin/settings/route";
import { POST as adminPasswordRoute } from "../../app/api/admin/users/[id]/password/route";
import { PATCH as adminUserPatch } from "../../app/api/admin/users/[id]/route";
import { POST as loginRoute } from "../../app/api/auth/login/route";
import { POST as logoutRoute } from "../../app/api/auth/logout/route";
import { GET as meRoute } from "../../app/api/auth/me/route";
import { POST as signupRoute } from "../../app/api/auth/signup/route";
import { POST as frontRoute } from "../../app/api/jobs/[id]/front/route";
import { GET as listJobsRoute, POST as createJobRoute } from "../../app/api/jobs/route";
import { GET as galleryRoute } from "../../app/api/videos/route";
import { LOGIN_FAILURES, resetLoginLimits } from "../../lib/auth/login-limit";
import { createSession } from "../../lib/db/sessions";
import { claim, position, submit } from "../../lib/queue";
import { settings, type TestDb } from "../queue/helpers";
import { apiTestDb, body, makeUser, makeVideo, newCaller, params, request, sessionCookieOf, TEST_PASSWORD } from "./helpers";

let t: TestDb;
const ENV = ["SPACETIME_SIGNUP", "TRUSTED_PROXIES", "SPACETIME_ANONYMOUS_JOBS", "QUEUE_MAX_COST_IN_FLIGHT", "QUEUE_MAX_COST_PER_HOUR", "QUEUE_MAX_QUEUED", "SPACETIME_MODE"];
beforeEach(() => {
  t = apiTestDb();
  resetLoginLimits();
});
afterEach(async () => {
  for (const k of ENV) delete process.env[k];
  await t.cleanup();
});

const signup = (b: unknown, o: Parameters<typeof request>[2] = {}) => signupRoute(request("POST", "/api/auth/signup", { body: b, ...o }));
const login = (b: unknown, o: Parameters<typeof request>[2] = {}) => loginRoute(request("POST", "/api/auth/login", { body: b, ...o }));
const me = async (caller: { cookie: string }) => body(await meRoute(request("GET", "/api/auth/me", { caller })));

describe("sign-up", () => {
  it("makes the first account the admin, then follows the policy: approval -> pending, open -> user, closed -> 403", async () => {
    const first = await signup({ username: "Root", email: "root@example.org", password: "root password 1" });
    expect(first.status).toBe(201);
    expect((await body(first)).user).toMatchObject({ username: "root", email: "root@example.org", role: "admin" });
    const admin = sessionCookieOf(first);
    expect(await me(admin)).toMatchObject({ mode: "shared", role: "admin", can: { manageQueue: true, manageUsers: true } });

    const second = await signup({ username: "alice", password: "alice password" });
    expect((await body(second)).user.role).toBe("pending"); // SPACETIME_SIGNUP defaults to approval
    expect((await adminSettingsPatch(request("PATCH", "/api/admin/settings", { caller: admin, body: { signupPolicy: "open" } }))).status).toBe(200);
    expect((await body(await signup({ username: "bob", password: "bob password" }))).user.role).toBe("user");
    await adminSettingsPatch(request("PATCH", "/api/admin/settings", { caller: admin, body: { signupPolicy: "closed" } }));
    const closed = await signup({ username: "carol", password: "carol password" });
    expect(closed.status).toBe(403);
    expect((await body(closed)).error.message).toMatch(/closed/);
  });

  it("refuses taken names (409) and bad input (400, naming the field) without making an account", async () => {
    expect((await signup({ username: "root", password: "root password 1" })).status).toBe(201);
    expect((await signup({ username: "ROOT", password: "another password" })).status).toBe(409);
    const short = await signup({ username: "x", password: "short" });
    expect(short.status).toBe(400);
    expect((await body(short)).error.message).toMatch(/username.*password|password.*username/s);
    expect((await signup({ username: "dave", password: "long enough", role: "admin" })).status).toBe(400);
  });

  it("sets an httpOnly SameSite=Lax session cookie; behind a trusted https proxy Secure with the __Host- prefix", async () => {
    const plain = await signup({ username: "root", password: "root password 1" });
    const c = plain.headers.getSetCookie().find((h) => h.startsWith("spacetime_session="))!;
    expect(c).toMatch(/HttpOnly/);
    expect(c).toMatch(/SameSite=Lax/);
    expect(c).toMatch(/Path=\//);
    expect(c).not.toMatch(/Secure/);
    process.env.TRUSTED_PROXIES = "10.0.0.1";
    const https = await login({ login: "root", password: "root password 1" }, { peer: "10.0.0.1", headers: { "x-forwarded-proto": "https", "x-forwarded-for": "198.51.100.4" } });
    expect(https.status).toBe(200);
    const h = https.headers.getSetCookie().find((v) => v.startsWith("__Host-spacetime_session="))!;
    expect(h).toMatch(/Secure/);
    expect(h).toMatch(/HttpOnly/);
    expect(h).not.toMatch(/Domain=/);
    // A client that says https without a trusted proxy gets no Secure cookie (it is plain http).
    delete process.env.TRUSTED_PROXIES;
    const spoofed = await login({ login: "root", password: "root password 1" }, { headers: { "x-forwarded-proto": "https" } });
    expect(spoofed.headers.getSetCookie().some((v) => v.startsWith("__Host-"))).toBe(false);
  });

  it("claims the browser's anonymous jobs and clips into the account at its first login, and only then", async () => {
    const browser = newCaller();
    const clip = await makeVideo(t, browser.id, "made before signing up");
    const signed = await signup({ username: "root", password: "root password 1" }, { caller: browser });
    expect((await body(signed)).claimed).toEqual({ jobs: 1, videos: 1 });
    const root = sessionCookieOf(signed);
    const mine = await body(await galleryRoute(request("GET", "/api/videos?scope=mine", { caller: root })));
    expect(mine.videos.map((v: { id: string }) => v.id)).toEqual([clip.id]);
    // The same browser later signing up another account claims nothing more.
    const other = newCaller();
    await makeVideo(t, other.id, "someone else's");
    await adminSettingsPatch(request("PATCH", "/api/admin/settings", { caller: root, body: { signupPolicy: "open" } }));
    const second = await login({ login: "root", password: "root password 1" }, { caller: other });
    expect((await body(second)).claimed).toEqual({ jobs: 0, videos: 0 });
  });
});

describe("login", () => {
  it("takes the username or the email, any case; a wrong password or name is the same 401", async () => {
    await signup({ username: "root", email: "Root@Example.org", password: "root password 1" });
    expect((await login({ login: "ROOT", password: "root password 1" })).status).toBe(200);
    expect((await login({ login: "root@example.org", password: "root password 1" })).status).toBe(200);
    const wrong = await login({ login: "root", password: "not it at all" });
    const nobody = await login({ login: "nobody", password: "not it at all" });
    expect([wrong.status, nobody.status]).toEqual([401, 401]);
    expect((await body(wrong)).error.message).toBe((await body(nobody)).error.message);
  });

  it(`is rate-limited: after ${LOGIN_FAILURES} failures 429 with Retry-After, even with the right password, from any address`, async () => {
    await signup({ username: "root", password: "root password 1" });
    for (let i = 0; i < LOGIN_FAILURES; i++) expect((await login({ login: "root", password: `guess ${i} wrong` }, { peer: `198.51.100.${i + 1}` })).status).toBe(401);
    const limited = await login({ login: "root", password: "root password 1" }, { peer: "203.0.113.77" });
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get("retry-after"))).toBeGreaterThan(60);
    expect((await body(limited)).error.message).toMatch(/too many failed sign-in attempts/);
  });
});

describe("sessions", () => {
  it("expire: an expired session gets 401 on its next request, and its cookie is cleared", async () => {
    const admin = await makeUser(t, "root");
    const { token } = await createSession({ db: t.db, userId: admin.user.id, ttlMs: 60_000, now: new Date(Date.now() - 120_000) });
    const res = await listJobsRoute(request("GET", "/api/jobs", { caller: { cookie: `spacetime_session=${token}` } }));
    expect(res.status).toBe(401);
    expect((await body(res)).error.message).toMatch(/expired or was revoked/);
    expect(res.headers.getSetCookie().some((c) => /^spacetime_session=;.*Max-Age=0/.test(c))).toBe(true);
    expect((await listJobsRoute(request("GET", "/api/jobs", { caller: admin }))).status).toBe(200); // the live one still works
  });

  it("are revoked by logging out (401 next request), everywhere at once, and by the admin's password reset", async () => {
    const admin = await makeUser(t, "root");
    const first = sessionCookieOf(await login({ login: "root", password: TEST_PASSWORD }));
    const second = sessionCookieOf(await login({ login: "root", password: TEST_PASSWORD }));
    expect((await logoutRoute(request("POST", "/api/auth/logout", { caller: first }))).status).toBe(200);
    expect((await listJobsRoute(request("GET", "/api/jobs", { caller: first }))).status).toBe(401);
    expect((await listJobsRoute(request("GET", "/api/jobs", { caller: second }))).status).toBe(200);
    const out = await body(await logoutRoute(request("POST", "/api/auth/logout", { caller: second, body: { everywhere: true } })));
    expect(out.revoked).toBe(2); // second and the one makeUser made
    expect((await listJobsRoute(request("GET", "/api/jobs", { caller: second }))).status).toBe(401);
    expect((await listJobsRoute(request("GET", "/api/jobs", { caller: admin }))).status).toBe(401);

    const root = sessionCookieOf(await login({ login: "root", password: TEST_PASSWORD }));
    const alice = await makeUser(t, "alice");
    const reset = await adminPasswordRoute(request("POST", "/api/admin/users/x/password", { caller: root, body: { password: "a brand new one" } }), params({ id: alice.user.id }));
    expect(await body(reset)).toEqual({ revokedSessions: 1 });
    expect((await accountRoute(request("GET", "/api/account", { caller: alice }))).status).toBe(401);
    expect((await login({ login: "alice", password: TEST_PASSWORD })).status).toBe(401);
    expect((await login({ login: "alice", password: "a brand new one" })).status).toBe(200);
  });

  it("of a user the admin suspends (back to pending) end; approving one opens the Create page's rights", async () => {
    const root = await makeUser(t, "root");
    const penny = await makeUser(t, "penny", "pending");
    expect((await me(penny)).can.create).toBe(false);
    const approved = await adminUserPatch(request("PATCH", "/api/admin/users/x", { caller: root, body: { role: "user" } }), params({ id: penny.user.id }));
    expect((await body(approved)).user.role).toBe("user");
    expect((await me(penny)).can).toMatchObject({ create: true, manageQueue: false });
    await adminUserPatch(request("PATCH", "/api/admin/users/x", { caller: root, body: { role: "pending" } }), params({ id: penny.user.id }));
    expect((await listJobsRoute(request("GET", "/api/jobs", { caller: penny }))).status).toBe(401);
    // The last admin cannot demote themselves.
    expect((await adminUserPatch(request("PATCH", "/api/admin/users/x", { caller: root, body: { role: "user" } }), params({ id: root.user.id }))).status).toBe(409);
  });
});

describe("quotas", () => {
  const create = (caller: { cookie: string }, b: unknown) => createJobRoute(request("POST", "/api/jobs", { caller, body: b }));

  it("answer 429 with the reason and Retry-After: cost in flight, cost per hour, the global cap, per-user overrides", async () => {
    process.env.QUEUE_MAX_COST_IN_FLIGHT = "100";
    process.env.QUEUE_MAX_COST_PER_HOUR = "150";
    process.env.QUEUE_MAX_QUEUED = "4";
    const root = await makeUser(t, "root");
    const alice = await makeUser(t, "alice");
    const bob = await makeUser(t, "bob");

    expect((await create(alice, { prompt: "a ball", steps: 40 })).status).toBe(202); // 40
    expect((await create(alice, { prompt: "a ball", steps: 20, extend: 1 })).status).toBe(202); // 40 more: 80
    const inFlight = await create(alice, { prompt: "a ball", steps: 30 }); // 110 > 100
    expect(inFlight.status).toBe(429);
    expect((await body(inFlight)).error.message).toMatch(/costs 30 steps x chunks.*already cost 80.*at once is 100/);
    expect(Number(inFlight.headers.get("retry-after"))).toBeGreaterThan(0);

    // Canceling frees the in-flight cost but not the hour's: 80 + 80 = 160 > 150.
    await adminJobsBulk(request("POST", "/api/admin/jobs", { caller: root, body: { action: "cancel", callerId: alice.user.id } }));
    const hourly = await create(alice, { prompt: "a ball", steps: 80 });
    expect(hourly.status).toBe(429);
    expect((await body(hourly)).error.message).toMatch(/submitted 80 in the last hour.*most allowed is 150/);
    const wait = Number(hourly.headers.get("retry-after"));
    expect(wait).toBeGreaterThan(3000);
    expect(wait).toBeLessThanOrEqual(3600);

    // The admin raises alice's quotas; bob's stay the defaults.
    const raised = await adminUserPatch(
      request("PATCH", "/api/admin/users/x", { caller: root, body: { quotas: { maxCostInFlight: 1000, maxCostPerHour: 1000 } } }),
      params({ id: alice.user.id }),
    );
    expect((await body(raised)).user.quotas).toMatchObject({ maxCostInFlight: 1000, maxCostPerHour: 1000 });
    expect((await create(alice, { prompt: "a ball", steps: 80 })).status).toBe(202);
    expect((await create(bob, { prompt: "a ball", steps: 60, extend: 1 })).status).toBe(429); // 120 > 100
    expect((await body(await accountRoute(request("GET", "/api/account", { caller: bob })))).quotas).toMatchObject({ maxCostInFlight: 100, maxCostPerHour: 150 });

    // The global cap: 4 queued in all.
    expect((await create(bob, { prompt: "a ball", steps: 10 })).status).toBe(202);
    expect((await create(root, { prompt: "a ball", steps: 10 })).status).toBe(202);
    expect((await create(root, { prompt: "a ball", steps: 10 })).status).toBe(202);
    const full = await create(bob, { prompt: "a ball", steps: 10 });
    expect(full.status).toBe(429);
    expect((await body(full)).error.message).toMatch(/the queue is full/);
    expect(full.headers.get("retry-after")).toBe("60");
  });

  it("move to front by a user passes only their own jobs: nobody else's job moves", async () => {
    const root = await makeUser(t, "root");
    const alice = await makeUser(t, "alice");
    const bob = await makeUser(t, "bob");
    const limits = { maxActive: 100, perHour: 100 };
    const at = (s: number) => new Date(Date.now() - 60_000 + s * 1000);
    const q = async (callerId: string, name: string, s: number) => (await submit({ db: t.db, callerId, settings: settings(name), limits, now: at(s) })).job.id;
    const a1 = await q(alice.user.id, "a1", 1);
    const b1 = await q(bob.user.id, "b1", 2);
    const a2 = await q(alice.user.id, "a2", 3);
    const b2 = await q(bob.user.id, "b2", 4);
    const a3 = await q(alice.user.id, "a3", 5);
    const order = async () => {
      const ids = [a1, b1, a2, b2, a3];
      const pos = await Promise.all(ids.map(async (id) => [id, (await position({ db: t.db, jobId: id })).position!] as const));
      return pos.sort((x, y) => x[1] - y[1]).map(([id]) => ({ [a1]: "a1", [a2]: "a2", [a3]: "a3", [b1]: "b1", [b2]: "b2" })[id]);
    };
    expect((await frontRoute(request("POST", "/api/jobs/x/front", { caller: alice }), params({ id: a3 }))).status).toBe(200);
    expect(await order()).toEqual(["a3", "b1", "a1", "b2", "a2"]);
    // New jobs still join at the back; the admin's move goes ahead of everyone.
    const a4 = await q(alice.user.id, "a4", 6);
    expect((await position({ db: t.db, jobId: a4 })).position).toBe(6);
    await frontRoute(request("POST", "/api/jobs/x/front", { caller: root }), params({ id: b2 }));
    expect(await order()).toEqual(["b2", "a3", "b1", "a1", "a2"]);
    expect((await claim({ db: t.db, workerId: "w" }))!.id).toBe(b2);
  });
});

describe("the anonymous flood", () => {
  it("50 cookie-less POSTs behind a trusted proxy queue at most the anonymous cap; the admin clears the queue with one request", async () => {
    process.env.TRUSTED_PROXIES = "10.0.0.1";
    process.env.SPACETIME_ANONYMOUS_JOBS = "3";
    const root = await makeUser(t, "root");
    const flood = { peer: "10.0.0.1", headers: { "x-forwarded-for": "198.51.100.66" } };
    const statuses: number[] = [];
    for (let i = 0; i < 50; i++) {
      const res = await createJobRoute(request("POST", "/api/jobs", { ...flood, caller: null, body: { prompt: "a ball", steps: 100, extend: 32 } }));
      statuses.push(res.status);
      if (res.status === 429) expect(Number(res.headers.get("retry-after"))).toBeGreaterThan(0);
    }
    // Each cookie-less request is a new identity, so only the per-address cap holds it; cost
    // 3,300 steps x chunks each fits the default cost quota once per identity.
    expect(statuses.filter((s) => s === 202).length).toBe(3);
    expect(statuses.filter((s) => s === 429).length).toBe(47);
    // Another client behind the same proxy still gets in; a forged extra hop does not.
    expect((await createJobRoute(request("POST", "/api/jobs", { peer: "10.0.0.1", headers: { "x-forwarded-for": "198.51.100.67" }, caller: null, body: { prompt: "a ball" } }))).status).toBe(202);
    const forged = { peer: "10.0.0.1", headers: { "x-forwarded-for": "1.2.3.4, 198.51.100.66" } };
    expect((await createJobRoute(request("POST", "/api/jobs", { ...forged, caller: null, body: { prompt: "a ball" } }))).status).toBe(429);

    const cleared = await adminJobsBulk(request("POST", "/api/admin/jobs", { caller: root, body: { action: "cancel" } }));
    expect(await body(cleared)).toEqual({ canceled: 4, flagged: 0, deleted: 0 });
    expect(await t.db.run((p) => p.job.count({ where: { state: "queued" } }))).toBe(0);
  });

  it("without TRUSTED_PROXIES a spoofed X-Forwarded-For changes nothing: every request counts against the peer", async () => {
    process.env.SPACETIME_MODE = "shared";
    process.env.SPACETIME_ANONYMOUS_JOBS = "2";
    await makeUser(t, "root");
    const statuses: number[] = [];
    for (let i = 0; i < 10; i++) {
      const res = await createJobRoute(request("POST", "/api/jobs", { peer: "198.51.100.90", headers: { "x-forwarded-for": `203.0.113.${i}` }, caller: null, body: { prompt: "a ball" } }));
      statuses.push(res.status);
    }
    expect(statuses.filter((s) => s === 202).length).toBe(2);
  });

  it("purges by owner, state and age: the admin removes one user's queued jobs, clips are kept", async () => {
    const root = await makeUser(t, "root");
    const alice = await makeUser(t, "alice");
    const bob = await makeUser(t, "bob");
    const limits = { maxActive: 100, perHour: 100 };
    const clip = await makeVideo(t, alice.user.id, "kept"); // first: it claims the next queued job
    const old = new Date(Date.now() - 2 * 3_600_000);
    await submit({ db: t.db, callerId: alice.user.id, settings: settings("old"), limits, now: old });
    await submit({ db: t.db, callerId: alice.user.id, settings: settings("new"), limits });
    await submit({ db: t.db, callerId: bob.user.id, settings: settings("bob's"), limits });
    const aged = await body(await adminJobsBulk(request("POST", "/api/admin/jobs", { caller: root, body: { action: "purge", callerId: alice.user.id, states: ["queued"], olderThanMinutes: 60 } })));
    expect(aged).toEqual({ canceled: 1, flagged: 0, deleted: 1 });
    const all = await body(await adminJobsBulk(request("POST", "/api/admin/jobs", { caller: root, body: { action: "purge", callerId: alice.user.id, states: ["queued", "succeeded"] } })));
    expect(all).toEqual({ canceled: 1, flagged: 0, deleted: 1 });
    expect(await t.db.run((p) => p.job.count({ where: { callerId: alice.user.id } }))).toBe(1); // the clip's job
    expect(await t.db.run((p) => p.video.count({ where: { id: clip.id, deletedAt: null } }))).toBe(1);
    expect(await t.db.run((p) => p.job.count({ where: { callerId: bob.user.id, state: "queued" } }))).toBe(1);
    const bad = await adminJobsBulk(request("POST", "/api/admin/jobs", { caller: root, body: { action: "nuke" } }));
    expect(bad.status).toBe(400);
  });
});
