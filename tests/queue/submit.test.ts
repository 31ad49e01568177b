import { describe, expect } from "vitest";

import { AppError } from "../../lib/db/errors";
import { ID_PATTERN } from "../../lib/db/ids";
import { getJob } from "../../lib/db/jobs";
import { JOB_STATES, submit } from "../../lib/queue";
import { it, settings } from "./helpers";

describe("submit", () => {
  it("queues a job with an unguessable id and the settings given", async ({ t }) => {
    const { job, created } = await submit({ db: t.db, callerId: "alice", settings: settings("a ball", { seed: 2 ** 32 - 1, steps: 12, guidance: 3.5 }) });
    expect(created).toBe(true);
    expect(job.id).toMatch(ID_PATTERN);
    expect(job).toMatchObject({ state: JOB_STATES.QUEUED, callerId: "alice", prompt: "a ball", seed: 2 ** 32 - 1, steps: 12, guidance: 3.5, attempt: 0 });
    expect(await getJob({ db: t.db, jobId: job.id, callerId: "alice" })).toEqual(job);
  });

  it("hides a job from other callers", async ({ t }) => {
    const { job } = await submit({ db: t.db, callerId: "alice", settings: settings() });
    await expect(getJob({ db: t.db, jobId: job.id, callerId: "bob" })).rejects.toMatchObject({ code: "NOT_FOUND", status: 404 });
  });

  it("rejects bad settings with BAD_REQUEST naming the field", async ({ t }) => {
    const err = await submit({ db: t.db, callerId: "alice", settings: { prompt: "  ", steps: 0 } }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AppError);
    expect(err).toMatchObject({ code: "BAD_REQUEST", status: 400 });
    expect((err as Error).message).toMatch(/prompt: must not be empty/);
    expect((err as Error).message).toMatch(/steps/);
    await expect(submit({ db: t.db, callerId: "alice", settings: { prompt: "x", bogus: 1 } })).rejects.toMatchObject({ code: "BAD_REQUEST" });
  });

  it("makes one job per idempotency key, per caller", async ({ t }) => {
    const a = await submit({ db: t.db, callerId: "alice", idempotencyKey: "click-1", settings: settings() });
    const b = await submit({ db: t.db, callerId: "alice", idempotencyKey: "click-1", settings: settings() });
    expect(b).toEqual({ job: a.job, created: false });
    // Concurrent double click: still one job.
    const [c, d] = await Promise.all([
      submit({ db: t.db, callerId: "alice", idempotencyKey: "click-2", settings: settings() }),
      submit({ db: t.db, callerId: "alice", idempotencyKey: "click-2", settings: settings() }),
    ]);
    expect(c.job.id).toBe(d.job.id);
    expect([c.created, d.created].sort()).toEqual([false, true]);
    // Another caller's identical key is theirs alone.
    const e = await submit({ db: t.db, callerId: "bob", idempotencyKey: "click-1", settings: settings() });
    expect(e.created).toBe(true);
    expect(e.job.id).not.toBe(a.job.id);
  });

  it("refuses to reuse an idempotency key for different settings", async ({ t }) => {
    await submit({ db: t.db, callerId: "alice", idempotencyKey: "k", settings: settings("one") });
    await expect(submit({ db: t.db, callerId: "alice", idempotencyKey: "k", settings: settings("two") })).rejects.toMatchObject({
      code: "CONFLICT",
      status: 409,
    });
  });
});

describe("rate limits", () => {
  it("caps queued + running jobs per caller with RATE_LIMITED", async ({ t }) => {
    const limits = { maxActive: 2, perHour: 100 };
    await submit({ db: t.db, callerId: "alice", settings: settings(), limits });
    await submit({ db: t.db, callerId: "alice", settings: settings(), limits });
    const err = await submit({ db: t.db, callerId: "alice", settings: settings(), limits }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: "RATE_LIMITED", status: 429 });
    expect((err as Error).message).toMatch(/2 jobs queued or running.*at once is 2/);
    // Other callers are not affected.
    await expect(submit({ db: t.db, callerId: "bob", settings: settings(), limits })).resolves.toMatchObject({ created: true });
  });

  it("caps submissions per hour and says when to come back", async ({ t }) => {
    const limits = { maxActive: 100, perHour: 3 };
    const start = new Date("2026-01-01T12:00:00Z");
    for (let i = 0; i < 3; i++) {
      await submit({ db: t.db, callerId: "alice", settings: settings(), limits, now: new Date(start.getTime() + i * 60_000) });
    }
    const at = new Date(start.getTime() + 10 * 60_000);
    const err = (await submit({ db: t.db, callerId: "alice", settings: settings(), limits, now: at }).catch((e: unknown) => e)) as AppError;
    expect(err).toMatchObject({ code: "RATE_LIMITED", status: 429 });
    expect(err.retryAfterSeconds).toBe(50 * 60); // the oldest of the three leaves the window at 13:00
    expect(err.message).toMatch(/3 jobs in the last hour.*try again in 50 min/);
    expect(err.toJSON()).toEqual({ error: { code: "RATE_LIMITED", message: err.message } });
    // An hour after the first, one slot is free again.
    await expect(submit({ db: t.db, callerId: "alice", settings: settings(), limits, now: new Date(start.getTime() + 3_600_001) })).resolves.toMatchObject({
      created: true,
    });
  });

  it("an idempotent repeat does not count against the limits", async ({ t }) => {
    const limits = { maxActive: 1, perHour: 1 };
    await submit({ db: t.db, callerId: "alice", idempotencyKey: "k", settings: settings(), limits });
    await expect(submit({ db: t.db, callerId: "alice", idempotencyKey: "k", settings: settings(), limits })).resolves.toMatchObject({ created: false });
  });
});
