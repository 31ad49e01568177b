/**
 * Every role against every action of the API, on a shared instance (accounts exist) and on a
 * local one: allowed, or 401/403/404 as lib/auth/actor.ts says. Runs on SQLite and on
 * PostgreSQL (vitest.config.ts).
 *
 * Fixtures: an admin (the first account), two users, alice and bob, a pending account, and an
 * anonymous browser (a signed caller cookie, no account; anonymous use is off by default).
 * alice and bob each have a queued job and a private clip; alice also has a published one.
 */
import { describe, expect } from "vitest";

import { GET as accountRoute } from "../../app/api/account/route";
import { GET as adminJobsList, POST as adminJobsBulk } from "../../app/api/admin/jobs/route";
import { GET as adminSettingsGet, PATCH as adminSettingsPatch } from "../../app/api/admin/settings/route";
import { POST as adminPasswordRoute } from "../../app/api/admin/users/[id]/password/route";
import { PATCH as adminUserPatch } from "../../app/api/admin/users/[id]/route";
import { DELETE as adminSessionsRoute } from "../../app/api/admin/users/[id]/sessions/route";
import { GET as adminUsersRoute } from "../../app/api/admin/users/route";
import { GET as meRoute } from "../../app/api/auth/me/route";
import { GET as eventsRoute } from "../../app/api/jobs/[id]/events/route";
import { POST as frontRoute } from "../../app/api/jobs/[id]/front/route";
import { DELETE as cancelRoute, GET as getJobRoute } from "../../app/api/jobs/[id]/route";
import { GET as listJobsRoute, POST as createJobRoute } from "../../app/api/jobs/route";
import { POST as pauseRoute } from "../../app/api/queue/pause/route";
import { POST as resumeRoute } from "../../app/api/queue/resume/route";
import { POST as extendRoute } from "../../app/api/videos/[id]/extend/route";
import { DELETE as deleteVideoRoute, GET as getVideoRoute, PATCH as patchVideoRoute } from "../../app/api/videos/[id]/route";
import { GET as galleryRoute } from "../../app/api/videos/route";
import { GET as workersRoute } from "../../app/api/workers/route";
import { GET as mediaRoute } from "../../app/media/[videoId]/[file]/route";
import type { Video } from "../../lib/db/videos";
import { submit } from "../../lib/queue";
import { settings, type TestDb } from "../queue/helpers";
import { body, it, makeUser, makeVideo, newCaller, params, request } from "./helpers";

type Who = "admin" | "alice" | "bob" | "pending" | "anonymous";
const WHO: Who[] = ["admin", "alice", "bob", "pending", "anonymous"];

interface Fixture {
  cookie: Record<Who, { cookie: string }>;
  id: Record<Who, string>;
  job: { alice: string; bob: string };
  clip: { alice: Video; bob: Video; alicePublic: Video };
}

async function fixture(t: TestDb): Promise<Fixture> {
  const admin = await makeUser(t, "root"); // the first account: admin
  expect(admin.user.role).toBe("admin");
  const alice = await makeUser(t, "alice", "user");
  const bob = await makeUser(t, "bob", "user");
  const pending = await makeUser(t, "penny", "pending");
  const anon = newCaller();
  const limits = { maxActive: 100, perHour: 100 };
  const clip = {
    alice: await makeVideo(t, alice.user.id, "alice's private clip"),
    bob: await makeVideo(t, bob.user.id, "bob's private clip"),
    alicePublic: await makeVideo(t, alice.user.id, "alice's published clip"),
  };
  await t.db.run((p) => p.video.update({ where: { id: clip.alicePublic.id }, data: { published: true } }));
  const job = {
    alice: (await submit({ db: t.db, callerId: alice.user.id, settings: settings("alice queued"), limits })).job.id,
    bob: (await submit({ db: t.db, callerId: bob.user.id, settings: settings("bob queued"), limits })).job.id,
  };
  return {
    cookie: { admin, alice, bob, pending, anonymous: anon },
    id: { admin: admin.user.id, alice: alice.user.id, bob: bob.user.id, pending: pending.user.id, anonymous: anon.id },
    job,
    clip,
  };
}

type Call = (f: Fixture, who: Who) => Promise<Response>;
type Statuses = [Who, number][];

/** Runs `call` as each actor, in the order given (refusals before the one that changes things), and checks each status. */
async function expectStatuses(f: Fixture, call: Call, expected: Statuses) {
  const got: Statuses = [];
  for (const [who] of expected) got.push([who, (await call(f, who)).status]);
  expect(got).toEqual(expected);
}

const as = (f: Fixture, who: Who) => ({ caller: f.cookie[who] });
const P = (id: string) => params({ id });

// The answers most actions give, refusals first.
/** Anyone but `owner` and the admin is told there is no such thing (404), then `owner` and the admin get `ok`. */
const ownerAndAdmin = (owner: "alice" | "bob", ok = 200): Statuses => [[owner === "alice" ? "bob" : "alice", 404], ["pending", 404], ["anonymous", 404], [owner, ok], ["admin", ok]];
/** Pending accounts may not (403), anonymous visitors must sign in (401; anonymous use is off), the others get `ok`. */
const signedIn = (ok: number, ...others: Who[]): Statuses => [["pending", 403], ["anonymous", 401], ...others.map((w): [Who, number] => [w, ok])];
/** Users and pending accounts 403, anonymous 401, the admin `ok`. */
const adminOnly = (ok = 200): Statuses => [["alice", 403], ["pending", 403], ["anonymous", 401], ["admin", ok]];
const everyone = (ok = 200): Statuses => WHO.map((w): [Who, number] => [w, ok]);

/** Actions whose statuses say it all: each runs on a fixture of its own. */
const STATUSES: { action: string; call: Call; expected: Statuses }[] = [
  {
    action: "POST /api/jobs: users and the admin queue; pending 403; anonymous 401 (anonymous use off)",
    call: (f, w) => createJobRoute(request("POST", "/api/jobs", { ...as(f, w), body: { prompt: "a ball" } })),
    expected: signedIn(202, "alice", "admin"),
  },
  {
    action: "POST /api/jobs/:id/front: the owner (among their own jobs) and the admin; others 404",
    call: (f, w) => frontRoute(request("POST", "/api/jobs/x/front", as(f, w)), P(f.job.bob)),
    expected: ownerAndAdmin("bob"),
  },
  { action: "POST /api/queue/pause: the admin only", call: (f, w) => pauseRoute(request("POST", "/api/queue/pause", as(f, w))), expected: adminOnly() },
  { action: "POST /api/queue/resume: the admin only", call: (f, w) => resumeRoute(request("POST", "/api/queue/resume", as(f, w))), expected: adminOnly() },
  { action: "GET /api/workers (the fleet): the admin only", call: (f, w) => workersRoute(request("GET", "/api/workers", as(f, w))), expected: adminOnly() },
  {
    action: "GET /api/videos/:id of a published clip: everyone",
    call: (f, w) => getVideoRoute(request("GET", "/api/videos/x", as(f, w)), P(f.clip.alicePublic.id)),
    expected: everyone(),
  },
  {
    action: "PATCH /api/videos/:id (publish): the owner only; others 404, pending 403, anonymous 401",
    call: (f, w) => patchVideoRoute(request("PATCH", "/api/videos/x", { ...as(f, w), body: { visibility: "public" } }), P(f.clip.alice.id)),
    expected: [["bob", 404], ["admin", 404], ["pending", 403], ["anonymous", 401], ["alice", 200]],
  },
  {
    action: "POST /api/videos/:id/extend of a published clip: users and the admin; pending 403; anonymous 401",
    call: (f, w) => extendRoute(request("POST", "/api/videos/x/extend", as(f, w)), P(f.clip.alicePublic.id)),
    expected: signedIn(202, "bob", "admin"),
  },
];

describe("roles x actions on a shared instance", () => {
  it.for(STATUSES)("$action", async ({ call, expected }, { t }) => {
    await expectStatuses(await fixture(t), call, expected);
  });

  it("GET /api/jobs: own jobs for users and the admin; pending 403; anonymous 401", async ({ t }) => {
    const f = await fixture(t);
    await expectStatuses(f, (f, w) => listJobsRoute(request("GET", "/api/jobs", as(f, w))), signedIn(200, "bob", "alice", "admin"));
    const mine = await body(await listJobsRoute(request("GET", "/api/jobs?state=queued", as(f, "alice"))));
    expect(mine.jobs.map((j: { id: string }) => j.id)).toEqual([f.job.alice]);
  });

  it("GET /api/jobs/:id and its events: the owner and the admin; anyone else 404", async ({ t }) => {
    const f = await fixture(t);
    await expectStatuses(f, (f, w) => getJobRoute(request("GET", "/api/jobs/x", as(f, w)), P(f.job.alice)), ownerAndAdmin("alice"));
    await expectStatuses(f, (f, w) => eventsRoute(request("GET", "/api/jobs/x/events", as(f, w)), P(f.job.alice)), ownerAndAdmin("alice").slice(0, 3));
  });

  it("DELETE /api/jobs/:id: the owner cancels; the admin cancels anyone's; others 404", async ({ t }) => {
    const f = await fixture(t);
    await expectStatuses(f, (f, w) => cancelRoute(request("DELETE", "/api/jobs/x", as(f, w)), P(f.job.alice)), ownerAndAdmin("alice").slice(0, 4));
    await expectStatuses(f, (f, w) => cancelRoute(request("DELETE", "/api/jobs/x", as(f, w)), P(f.job.bob)), [["admin", 200]]);
    const bobs = await body(await getJobRoute(request("GET", "/api/jobs/x", as(f, "bob")), P(f.job.bob)));
    expect(bobs.job.state).toBe("canceled");
  });

  it("GET /api/videos/:id and /media: a private clip for its owner and the admin", async ({ t }) => {
    const f = await fixture(t);
    await expectStatuses(f, (f, w) => getVideoRoute(request("GET", "/api/videos/x", as(f, w)), P(f.clip.alice.id)), ownerAndAdmin("alice"));
    const media: Call = (f, w) => mediaRoute(request("GET", "/media/x/poster.png", as(f, w)), params({ videoId: f.clip.alice.id, file: "poster.png" }));
    await expectStatuses(f, media, [["bob", 404], ["anonymous", 404], ["alice", 200]]);
  });

  it("GET /api/videos: the gallery answers everyone; pending and anonymous see public clips only", async ({ t }) => {
    const f = await fixture(t);
    await expectStatuses(f, (f, w) => galleryRoute(request("GET", "/api/videos", as(f, w))), everyone());
    const seen = async (w: Who) => (await body(await galleryRoute(request("GET", "/api/videos", as(f, w))))).videos.map((v: { id: string }) => v.id).sort();
    expect(await seen("pending")).toEqual([f.clip.alicePublic.id]);
    expect(await seen("anonymous")).toEqual([f.clip.alicePublic.id]);
    expect(await seen("alice")).toEqual([f.clip.alice.id, f.clip.alicePublic.id].sort());
  });

  it("DELETE /api/videos/:id: the owner, and the admin for any clip; others 404", async ({ t }) => {
    const f = await fixture(t);
    await expectStatuses(f, (f, w) => deleteVideoRoute(request("DELETE", "/api/videos/x", as(f, w)), P(f.clip.alice.id)), ownerAndAdmin("alice", 204).slice(0, 4));
    await expectStatuses(f, (f, w) => deleteVideoRoute(request("DELETE", "/api/videos/x", as(f, w)), P(f.clip.bob.id)), [["admin", 204]]);
    expect((await getVideoRoute(request("GET", "/api/videos/x", as(f, "bob")), P(f.clip.bob.id))).status).toBe(404);
  });

  it("the admin API (users, password reset, sessions, settings, the whole queue): the admin only", async ({ t }) => {
    const f = await fixture(t);
    const refusals: Statuses = [["alice", 403], ["bob", 403], ["pending", 403], ["anonymous", 401]];
    const calls: Call[] = [
      (f, w) => adminUsersRoute(request("GET", "/api/admin/users", as(f, w))),
      (f, w) => adminUserPatch(request("PATCH", "/api/admin/users/x", { ...as(f, w), body: { role: "user" } }), P(f.id.pending)),
      (f, w) => adminPasswordRoute(request("POST", "/api/admin/users/x/password", { ...as(f, w), body: { password: "a new password" } }), P(f.id.bob)),
      (f, w) => adminSessionsRoute(request("DELETE", "/api/admin/users/x/sessions", as(f, w)), P(f.id.bob)),
      (f, w) => adminSettingsGet(request("GET", "/api/admin/settings", as(f, w))),
      (f, w) => adminSettingsPatch(request("PATCH", "/api/admin/settings", { ...as(f, w), body: { signupPolicy: "open" } })),
      (f, w) => adminJobsList(request("GET", "/api/admin/jobs", as(f, w))),
      (f, w) => adminJobsBulk(request("POST", "/api/admin/jobs", { ...as(f, w), body: { action: "cancel", callerId: f.id.bob } })),
    ];
    for (const call of calls) await expectStatuses(f, call, refusals);
    // Nothing was changed by the refusals.
    expect((await body(await meRoute(request("GET", "/api/auth/me", as(f, "pending"))))).role).toBe("pending");
    expect((await body(await getJobRoute(request("GET", "/api/jobs/x", as(f, "bob")), P(f.job.bob)))).job.state).toBe("queued");
    // The admin may do each (the password reset and session revocation last: they end bob's sessions).
    for (const call of calls) await expectStatuses(f, call, [["admin", 200]]);
    expect((await body(await meRoute(request("GET", "/api/auth/me", as(f, "admin"))))).role).toBe("admin");
  });

  it("GET /api/account and /api/auth/me: accounts see their own; anonymous has no account (401) but a role", async ({ t }) => {
    const f = await fixture(t);
    await expectStatuses(f, (f, w) => accountRoute(request("GET", "/api/account", as(f, w))), [["anonymous", 401], ["pending", 200], ["alice", 200], ["admin", 200]]);
    const roles: Record<string, string> = {};
    for (const w of WHO) roles[w] = (await body(await meRoute(request("GET", "/api/auth/me", as(f, w))))).role;
    expect(roles).toEqual({ admin: "admin", alice: "user", bob: "user", pending: "pending", anonymous: "anonymous" });
    const anon = await body(await meRoute(request("GET", "/api/auth/me", as(f, "anonymous"))));
    expect(anon).toMatchObject({ mode: "shared", can: { create: false, manageQueue: false } });
  });
});

describe("roles x actions on a local studio (loopback, no accounts)", () => {
  it("the local owner has every right: queue, pause, fleet, the whole queue, moving to the very front", async ({ t }) => {
    const owner = newCaller();
    const other = newCaller();
    const limits = { maxActive: 100, perHour: 100 };
    const others = (await submit({ db: t.db, callerId: other.id, settings: settings("other"), limits })).job;
    const created = await createJobRoute(request("POST", "/api/jobs", { caller: owner, body: { prompt: "a ball" } }));
    expect(created.status).toBe(202);
    const mine = (await body(created)).jobs[0];
    expect(await body(await meRoute(request("GET", "/api/auth/me", { caller: owner })))).toMatchObject({ mode: "local", role: "owner" });
    expect((await pauseRoute(request("POST", "/api/queue/pause", { caller: owner }))).status).toBe(200);
    expect((await resumeRoute(request("POST", "/api/queue/resume", { caller: owner }))).status).toBe(200);
    expect((await workersRoute(request("GET", "/api/workers", { caller: owner }))).status).toBe(200);
    expect((await adminJobsList(request("GET", "/api/admin/jobs", { caller: owner }))).status).toBe(200);
    // Move to front puts the owner's job ahead of every other, as before accounts.
    const front = await body(await frontRoute(request("POST", "/api/jobs/x/front", { caller: owner }), P(mine.id)));
    expect(front.job.position).toBe(1);
    // Another browser's jobs are still not the owner's to see one by one.
    expect((await getJobRoute(request("GET", "/api/jobs/x", { caller: owner }), P(others.id))).status).toBe(404);
  });

  it("a request relayed by an undeclared proxy is not the local owner", async ({ t }) => {
    const caller = newCaller();
    const proxied = { caller, headers: { "x-forwarded-for": "203.0.113.5" } };
    expect(await body(await meRoute(request("GET", "/api/auth/me", proxied)))).toMatchObject({ mode: "shared", role: "anonymous" });
    expect((await pauseRoute(request("POST", "/api/queue/pause", proxied))).status).toBe(401);
    expect((await createJobRoute(request("POST", "/api/jobs", { ...proxied, body: { prompt: "a ball" } }))).status).toBe(401);
  });
});
