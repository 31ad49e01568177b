/**
 * The job list and the event streams' poller read a fixed number of statements per page (per
 * poll), however many jobs the page (the poll) holds: counted on the connection itself.
 */
import { test as base, describe, expect, vi } from "vitest";

// Marks where each poll of the event streams starts (its first read is of the watched jobs),
// and makes every poll find the queue changed, so that each one builds every queued job's view again.
const polls = vi.hoisted(() => ({ queries: null as string[] | null, starts: [] as number[], changes: 0 }));
vi.mock("../../lib/db/watch", async (importOriginal) => {
  const real = await importOriginal<typeof import("../../lib/db/watch")>();
  return {
    ...real,
    jobsByIds: (...args: Parameters<typeof real.jobsByIds>) => {
      if (polls.queries) polls.starts.push(polls.queries.length);
      return real.jobsByIds(...args);
    },
    queueFingerprint: async (...args: Parameters<typeof real.queueFingerprint>) => `${await real.queueFingerprint(...args)}/${++polls.changes}`,
  };
});

import { GET as listRoute } from "../../app/api/jobs/route";
import type { Job } from "../../lib/db/jobs";
import { watchJob } from "../../lib/http/job-watch";
import { claim, complete, submit } from "../../lib/queue";
import { outputFor, settings, waitFor, type TestDb } from "../queue/helpers";
import { apiTestDb, body, newCaller, request } from "./helpers";

const it = base.extend<{ queries: string[]; t: TestDb }>({
  queries: async ({}, use) => use([]),
  t: async ({ queries }, use) => {
    const t = apiTestDb({ onQuery: (sql) => queries.push(sql) });
    await use(t);
    await t.cleanup();
  },
});

const SIZES = [1, 25];

async function submitFor(t: TestDb, callerId: string, n: number): Promise<Job[]> {
  const jobs: Job[] = [];
  for (let i = 0; i < n; i++) jobs.push((await submit({ db: t.db, callerId, settings: settings(`job ${i}`), limits: { maxActive: 1000, perHour: 1000 } })).job);
  return jobs;
}

/** Claims every queued job (completing them all when `finish`). */
async function claimAll(t: TestDb, finish: boolean): Promise<void> {
  for (let job = await claim({ db: t.db, workerId: "w" }); job; job = await claim({ db: t.db, workerId: "w" })) {
    if (finish) await complete({ db: t.db, jobId: job.id, workerId: "w", attempt: job.attempt, output: outputFor(job) });
  }
}

describe("statements per page", () => {
  it("the job list: the same for 1 job of each state as for 25", async ({ t, queries }) => {
    const callers = SIZES.map(() => newCaller());
    // Each caller: n succeeded, n running and n queued jobs.
    for (const [i, c] of callers.entries()) await submitFor(t, c.id, SIZES[i]!);
    await claimAll(t, true);
    for (const [i, c] of callers.entries()) await submitFor(t, c.id, SIZES[i]!);
    await claimAll(t, false);
    for (const [i, c] of callers.entries()) await submitFor(t, c.id, SIZES[i]!);

    const counts: number[] = [];
    for (const [i, caller] of callers.entries()) {
      const before = queries.length;
      const res = await listRoute(request("GET", "/api/jobs?limit=100", { caller }));
      counts.push(queries.length - before);
      const { jobs } = await body<{ jobs: { state: string; position: number | null; video: unknown }[] }>(res);
      const n = SIZES[i]!;
      expect(jobs).toHaveLength(3 * n);
      expect(jobs.filter((j) => j.state === "queued").map((j) => j.position)).toEqual(
        Array.from({ length: n }, (_, k) => (i === 0 ? 0 : SIZES[0]!) + n - k), // newest first, behind the first caller's
      );
      expect(jobs.filter((j) => j.state === "running").every((j) => j.position === 0)).toBe(true);
      expect(jobs.filter((j) => j.state === "succeeded").every((j) => j.video !== null)).toBe(true);
    }
    expect(counts[1]).toBe(counts[0]);
    expect(counts[0]).toBeLessThanOrEqual(10);
  });

  it("the event streams' poll: the same for 1 queued job watched as for 25", async ({ t, queries }) => {
    process.env.SPACETIME_SSE_POLL_MS = "20";
    try {
      const perPoll: number[] = [];
      for (const n of SIZES) {
        const caller = newCaller();
        const jobs = await submitFor(t, caller.id, n);
        const seen = new Set<string>();
        const errors: unknown[] = [];
        const stops = jobs.map((job) => watchJob(job, caller.id, { snapshot: (s) => seen.add(s.view.id), error: (err) => errors.push(err) }));
        await waitFor(async () => seen.size === n, 10_000, "every job's first snapshot");
        polls.queries = queries;
        polls.starts = [];
        await waitFor(async () => polls.starts.length >= 4, 10_000, "four polls");
        polls.queries = null;
        for (const stop of stops) stop();
        expect(errors).toEqual([]);
        // Whole polls only: from the start of one to the start of the next.
        const [a, b, c] = [polls.starts[1]! - polls.starts[0]!, polls.starts[2]! - polls.starts[1]!, polls.starts[3]! - polls.starts[2]!];
        expect(b).toBe(a);
        expect(c).toBe(a);
        perPoll.push(a);
      }
      expect(perPoll[1]).toBe(perPoll[0]);
      expect(perPoll[0]).toBeLessThanOrEqual(10);
    } finally {
      delete process.env.SPACETIME_SSE_POLL_MS;
    }
  });
});
