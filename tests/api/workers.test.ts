/** GET /api/workers: the fleet of workers, whatever host they run on, and its throughput. */
import { afterEach, describe, expect } from "vitest";

import { GET } from "../../app/api/workers/route";
import { registerWorker, stopWorker } from "../../lib/db/workers";
import { claim, submit } from "../../lib/queue";
import { settings, type TestDb } from "../queue/helpers";
import { body, it, newCaller, request } from "./helpers";

afterEach(() => {
  delete process.env.SPACETIME_ADMIN_TOKEN;
});

async function announce(t: TestDb, id: string, host: string, provider: string, secondsPerStep: number | null, heartbeatAgoMs = 0) {
  const now = new Date(Date.now() - heartbeatAgoMs);
  await registerWorker({ db: t.db, id, host, pid: 1, provider, model: "models/dev", now });
  await t.db.run((p) => p.worker.update({ where: { id }, data: { secondsPerStep, jobsDone: secondsPerStep === null ? 0 : 3 } }));
}

describe("GET /api/workers", () => {
  it("lists each worker's host, provider, model, status and speed, and the live ones' throughput", async ({ t }) => {
    await announce(t, "gpu-box-1", "gpu-box", "cuda", 0.25);
    await announce(t, "cpu-box-1", "cpu-box", "cpu", 1);
    await announce(t, "new-box-1", "new-box", "cpu", null);
    await announce(t, "gone-box-1", "gone-box", "cpu", 0.1, 5 * 60_000); // no heartbeat for 5 minutes
    await announce(t, "old-box-1", "old-box", "cpu", 0.1);
    await stopWorker({ db: t.db, workerId: "old-box-1" });
    await submit({ db: t.db, callerId: "alice", settings: settings() });
    await claim({ db: t.db, workerId: "gpu-box-1" });

    const caller = newCaller();
    const res = await GET(request("GET", "/api/workers", { caller }));
    expect(res.status).toBe(200);
    const fleet = await body(res);
    const byId = Object.fromEntries(fleet.workers.map((w: { id: string }) => [w.id, w]));
    expect(byId["gpu-box-1"]).toMatchObject({ host: "gpu-box", provider: "cuda", model: "models/dev", status: "working", running: 1, jobsDone: 3, secondsPerStep: 0.25 });
    expect(byId["cpu-box-1"]).toMatchObject({ status: "idle", running: 0 });
    expect(byId["gone-box-1"]).toMatchObject({ status: "silent" });
    expect(byId["old-box-1"]).toMatchObject({ status: "stopped" });
    expect(fleet.live).toBe(3);
    // 4 + 1 steps/s measured; the unmeasured worker at the typical 2 / 5 = 0.4 s per step.
    expect(fleet.stepsPerSecond).toBeCloseTo(4 + 1 + 1 / 0.4, 9);
    expect(fleet.secondsPerStep).toBeCloseTo(3 / 7.5, 9);
    expect(JSON.stringify(fleet)).not.toMatch(/"pid"/);
  });

  it("needs an identity, and the admin token when the server has one", async ({ t }) => {
    expect((await GET(request("GET", "/api/workers"))).status).toBe(401);
    process.env.SPACETIME_ADMIN_TOKEN = "fleet-admin-token-0123456789";
    const caller = newCaller();
    expect((await GET(request("GET", "/api/workers", { caller }))).status).toBe(403);
    const ok = await GET(request("GET", "/api/workers", { caller, headers: { authorization: "Bearer fleet-admin-token-0123456789" } }));
    expect(ok.status).toBe(200);
    expect(await body(ok)).toMatchObject({ live: 0, stepsPerSecond: null, workers: [] });
  });
});
