import { spawn } from "node:child_process";
import path from "node:path";
import { describe, expect } from "vitest";

import { openDb } from "../../lib/db/client";
import { getJob } from "../../lib/db/jobs";
import { claim } from "../../lib/queue";
import { drain, it, queueJobs, ROOT } from "./helpers";

describe("claim", () => {
  it("takes the oldest queued job and sets state, lease, worker, attempt and start together", async ({ t }) => {
    const [first, second] = await queueJobs(t.db, 2);
    const before = Date.now();
    const job = await claim({ db: t.db, workerId: "w1", leaseMs: 10_000 });
    expect(job).toMatchObject({ id: first, state: "running", workerId: "w1", attempt: 1 });
    expect(job!.startedAt!.getTime()).toBeGreaterThanOrEqual(before);
    expect(job!.leaseExpiresAt!.getTime() - job!.startedAt!.getTime()).toBe(10_000);
    expect((await claim({ db: t.db, workerId: "w2" }))?.id).toBe(second);
    expect(await claim({ db: t.db, workerId: "w3" })).toBeNull();
  });

  it("gives each job to exactly one of several claiming processes", async ({ t }) => {
    const ids = await queueJobs(t.db, 60);
    const claimers = [1, 2, 3].map((n) => {
      const child = spawn(process.execPath, ["--import", "tsx", path.join(__dirname, "fixtures/claimer.ts"), `claimer-${n}`], {
        cwd: ROOT,
        env: { ...process.env, DATABASE_URL: t.url },
        stdio: ["pipe", "pipe", "inherit"],
      });
      let out = "";
      child.stdout.setEncoding("utf8").on("data", (d: string) => (out += d));
      const ready = new Promise<void>((resolve) => child.stdout.on("data", () => out.includes("ready") && resolve()));
      const done = new Promise<string[]>((resolve, reject) =>
        child.on("exit", (code) => (code === 0 ? resolve(JSON.parse(out.split("\n")[1]!) as string[]) : reject(new Error(`claimer exited ${code}`)))),
      );
      return { child, ready, done };
    });
    await Promise.all(claimers.map((c) => c.ready));
    for (const c of claimers) c.child.stdin.end("go\n");
    const got = await Promise.all(claimers.map((c) => c.done));
    const all = got.flat();
    expect(all).toHaveLength(60);
    expect(new Set(all)).toEqual(new Set(ids));
    expect(got.filter((g) => g.length > 0).length).toBeGreaterThan(1); // they really did share the work
    for (const id of ids.slice(0, 5)) expect((await getJob({ db: t.db, jobId: id })).attempt).toBe(1);
  });

  it("is exclusive across connections claiming at the same time", async ({ t }) => {
    const ids = await queueJobs(t.db, 20);
    const conns = [openDb({ url: t.url }), openDb({ url: t.url }), openDb({ url: t.url }), openDb({ url: t.url })];
    try {
      const all = (await Promise.all(conns.map((db, i) => drain(db, `w${i}`)))).flat();
      expect(all.sort()).toEqual([...ids].sort());
    } finally {
      await Promise.all(conns.map((db) => db.close()));
    }
  });
});
