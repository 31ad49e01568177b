/** /api/queue: pause and resume the whole queue. */
import { afterEach, describe, expect } from "vitest";

import { GET as queueRoute } from "../../app/api/queue/route";
import { POST as pauseRoute } from "../../app/api/queue/pause/route";
import { POST as resumeRoute } from "../../app/api/queue/resume/route";
import { POST as createJob } from "../../app/api/jobs/route";
import { claim } from "../../lib/queue";
import { body, it, newCaller, request } from "./helpers";

afterEach(() => {
  delete process.env.SPACETIME_ADMIN_TOKEN;
});

describe("pause and resume", () => {
  it("stops claims while paused and starts them again", async ({ t }) => {
    const alice = newCaller();
    await createJob(request("POST", "/api/jobs", { caller: alice, body: { prompt: "a ball" } }));
    const paused = await pauseRoute(request("POST", "/api/queue/pause", { caller: alice }));
    expect(paused.status).toBe(200);
    expect(await body(paused)).toEqual({ paused: true });
    expect(await body(await queueRoute(request("GET", "/api/queue")))).toEqual({ paused: true });
    expect(await claim({ db: t.db, workerId: "w" })).toBeNull();

    expect(await body(await resumeRoute(request("POST", "/api/queue/resume", { caller: alice })))).toEqual({ paused: false });
    expect(await claim({ db: t.db, workerId: "w" })).not.toBeNull();
  });

  it("needs an identity, the admin token when one is set, and a same-site request", async ({ t }) => {
    expect((await pauseRoute(request("POST", "/api/queue/pause"))).status).toBe(401);
    expect((await pauseRoute(request("POST", "/api/queue/pause", { caller: newCaller(), origin: "https://evil.example" }))).status).toBe(403);
    process.env.SPACETIME_ADMIN_TOKEN = "s3cret-admin-token";
    expect((await pauseRoute(request("POST", "/api/queue/pause", { caller: newCaller() }))).status).toBe(403);
    expect((await pauseRoute(request("POST", "/api/queue/pause", { caller: newCaller(), headers: { authorization: "Bearer wrong" } }))).status).toBe(403);
    const ok = await pauseRoute(request("POST", "/api/queue/pause", { caller: newCaller(), headers: { authorization: "Bearer s3cret-admin-token" } }));
    expect(ok.status).toBe(200);
    expect(await body(await queueRoute(request("GET", "/api/queue")))).toEqual({ paused: true });
  });
});
