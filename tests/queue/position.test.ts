import { describe, expect } from "vitest";

import { registerWorker } from "../../lib/db/workers";
import { claim, complete, fleetSpeed, heartbeat, moveToFront, position, submit } from "../../lib/queue";
import { it, settings, type TestDb } from "./helpers";

async function add(t: TestDb, steps: number, extend = 0) {
  return (await submit({ db: t.db, callerId: "alice", settings: settings("x", { steps, extend }), limits: { maxActive: 100, perHour: 100 } })).job;
}

describe("position and ETA", () => {
  it("counts the jobs ahead; no ETA until a step time has been measured", async ({ t }) => {
    const a = await add(t, 10);
    const b = await add(t, 10);
    expect(await position({ db: t.db, jobId: a.id })).toMatchObject({ state: "queued", position: 1, ahead: 0, etaSeconds: null });
    expect(await position({ db: t.db, jobId: b.id })).toMatchObject({ position: 2, ahead: 1, etaSeconds: null });
    await moveToFront({ db: t.db, jobId: b.id, callerId: "alice" });
    expect(await position({ db: t.db, jobId: b.id })).toMatchObject({ position: 1, ahead: 0 });
    expect(await position({ db: t.db, jobId: a.id })).toMatchObject({ position: 2, ahead: 1 });
  });

  it("estimates from measured seconds per step, the work ahead and the live workers", async ({ t }) => {
    // One finished job measured 0.5 s per step.
    const done = await add(t, 4);
    const c = (await claim({ db: t.db, workerId: "w1" }))!;
    await complete({
      db: t.db,
      jobId: c.id,
      workerId: "w1",
      attempt: 1,
      output: { videoId: "v".repeat(24), mp4Key: `${done.id}/x.mp4`, width: 1, height: 1, frames: 1, fps: 1, seed: 1, steps: 4, guidance: 1, scheduler: "s", modelId: "m", timings: {}, secondsPerStep: 0.5 },
    });

    const running = await add(t, 10); // will run, 4 of 10 steps done
    const r = (await claim({ db: t.db, workerId: "w1" }))!;
    expect(r.id).toBe(running.id);
    await heartbeat({ db: t.db, jobId: r.id, workerId: "w1", attempt: 1, progress: { step: 4, total: 10 } });
    const ahead = await add(t, 20); // queued, 20 steps
    const mine = await add(t, 8, 1); // queued, 8 steps x 2 chunks

    expect(await position({ db: t.db, jobId: running.id })).toMatchObject({ state: "running", position: 0, etaSeconds: 6 * 0.5 });
    // One worker: (6 left + 20 ahead) then its own 16, at 0.5 s.
    expect(await position({ db: t.db, jobId: mine.id })).toMatchObject({ position: 2, ahead: 1, etaSeconds: (6 + 20 + 16) * 0.5, secondsPerStep: 0.5 });
    // Two live workers share the work ahead.
    await registerWorker({ db: t.db, id: "w1", host: "h", pid: 1, provider: "cpu", model: "m" });
    await registerWorker({ db: t.db, id: "w2", host: "h", pid: 2, provider: "cpu", model: "m" });
    expect((await position({ db: t.db, jobId: mine.id })).etaSeconds).toBe(((6 + 20) / 2 + 16) * 0.5);
    expect(await position({ db: t.db, jobId: done.id })).toMatchObject({ state: "succeeded", position: null, etaSeconds: null });
  });

  it("uses the fleet's throughput: each live worker at its own measured speed", async ({ t }) => {
    const setSpeed = (id: string, secondsPerStep: number) =>
      t.db.run((p) => p.worker.update({ where: { id }, data: { secondsPerStep } }));
    for (const [id, pid] of [["gpu", 1], ["cpu", 2]] as const) await registerWorker({ db: t.db, id, host: "h", pid, provider: id, model: "m" });
    await setSpeed("gpu", 0.5); // 2 steps/s
    await setSpeed("cpu", 2); // 0.5 steps/s
    const running = await add(t, 10);
    const r = (await claim({ db: t.db, workerId: "cpu" }))!;
    await heartbeat({ db: t.db, jobId: r.id, workerId: "cpu", attempt: 1, progress: { step: 4, total: 10 } });
    const ahead = await add(t, 20);
    const mine = await add(t, 8);
    expect(ahead.id).not.toBe(mine.id);

    // The running job: its 6 steps left at its own worker's 2 s.
    expect((await position({ db: t.db, jobId: running.id })).etaSeconds).toBe(12);
    // Queued: 26 steps ahead at 2.5 steps/s, then 8 at the typical worker's 2 / 2.5 = 0.8 s.
    const p = await position({ db: t.db, jobId: mine.id });
    expect(p.etaSeconds).toBeCloseTo(26 / 2.5 + 8 * 0.8, 9);
    expect(p.secondsPerStep).toBeCloseTo(0.8, 9);
    // A third worker not measured yet counts at the typical speed.
    await registerWorker({ db: t.db, id: "new", host: "h2", pid: 3, provider: "cpu", model: "m" });
    expect((await position({ db: t.db, jobId: mine.id })).etaSeconds).toBeCloseTo(26 / (2.5 + 1 / 0.8) + 8 * 0.8, 9);
  });

  it("fleetSpeed: nothing measured, nothing to say; recent jobs stand in for unmeasured workers", () => {
    expect(fleetSpeed([], null)).toBeNull();
    expect(fleetSpeed([{ secondsPerStep: null }], null)).toBeNull();
    expect(fleetSpeed([], 0.25)).toEqual({ stepsPerSecond: 4, secondsPerStep: 0.25 });
    expect(fleetSpeed([{ secondsPerStep: null }, { secondsPerStep: null }], 0.5)).toEqual({ stepsPerSecond: 4, secondsPerStep: 0.5 });
    expect(fleetSpeed([{ secondsPerStep: 1 }, { secondsPerStep: null }], 0.1)).toEqual({ stepsPerSecond: 2, secondsPerStep: 1 });
  });
});
