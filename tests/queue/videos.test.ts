/** The gallery's data layer: visibility, cursor pages, search, share slugs, delete. */
import { describe, expect } from "vitest";

import { newId } from "../../lib/db/ids";
import { deleteVideo, getVideo, getVideoBySlug, listVideos, setVideoPublished } from "../../lib/db/videos";
import { claim, complete, submit } from "../../lib/queue";
import { it, settings, TEST_PROVIDER, type TestDb } from "./helpers";

async function makeVideo(t: TestDb, callerId: string, prompt: string, at: number) {
  await submit({ db: t.db, callerId, settings: settings(prompt), limits: { maxActive: 100, perHour: 100 } });
  const job = (await claim({ db: t.db, workerId: "w" }))!;
  const videoId = newId();
  const r = await complete({
    db: t.db,
    jobId: job.id,
    workerId: "w",
    attempt: job.attempt,
    now: new Date(at),
    output: { videoId, mp4Key: `${job.id}/${videoId}.mp4`, width: 1, height: 1, frames: 1, fps: 8, seed: 2 ** 33, steps: 4, guidance: 4, scheduler: "s", modelId: "m", timings: {}, secondsPerStep: null },
  });
  if (r.status !== "completed") throw new Error(r.status);
  return r.video;
}

describe("videos", () => {
  it("pages the caller's and published clips newest first, by cursor", async ({ t }) => {
    const base = Date.parse("2026-01-01T00:00:00Z");
    const mine = [];
    for (let i = 0; i < 5; i++) mine.push(await makeVideo(t, "alice", `alice ball ${i}`, base + i * 1000));
    const theirs = await makeVideo(t, "bob", "bob cube", base + 10_000);
    const hidden = await makeVideo(t, "bob", "bob secret", base + 11_000);
    await setVideoPublished({ db: t.db, videoId: theirs.id, callerId: "bob", published: true });

    const p1 = await listVideos({ db: t.db, callerId: "alice", limit: 4 });
    expect(p1.videos.map((v) => v.id)).toEqual([theirs.id, mine[4]!.id, mine[3]!.id, mine[2]!.id]);
    const p2 = await listVideos({ db: t.db, callerId: "alice", limit: 4, cursor: p1.nextCursor });
    expect(p2.videos.map((v) => v.id)).toEqual([mine[1]!.id, mine[0]!.id]);
    expect(p2.nextCursor).toBeNull();
    expect(p1.videos.concat(p2.videos).some((v) => v.id === hidden.id)).toBe(false);

    expect((await listVideos({ db: t.db, callerId: "alice", scope: "mine" })).videos).toHaveLength(5);
    expect((await listVideos({ db: t.db, callerId: "alice", scope: "public" })).videos.map((v) => v.id)).toEqual([theirs.id]);
    expect((await listVideos({ db: t.db, callerId: "alice", q: "BALL 3" })).videos.map((v) => v.id)).toEqual([mine[3]!.id]);
    await expect(listVideos({ db: t.db, callerId: "alice", cursor: "garbage" })).rejects.toMatchObject({ code: "BAD_REQUEST" });
    expect(mine[0]!.seed).toBe(2 ** 33);
  });

  it("searches prompt words (stemmed, any case, FTS syntax inert) newest first, by its own cursor", async ({ t }) => {
    const base = Date.parse("2026-01-01T00:00:00Z");
    const balls = [];
    for (let i = 0; i < 5; i++) balls.push(await makeVideo(t, "alice", `A red ball bouncing ${i}`, base + i * 1000));
    await makeVideo(t, "alice", "a blue cube", base + 9000);
    const other = await makeVideo(t, "bob", "bob's red balls", base + 10_000); // private: never found by alice

    const p1 = await listVideos({ db: t.db, callerId: "alice", q: "BALLS red", limit: 3 });
    expect(p1.videos.map((v) => v.id)).toEqual([balls[4]!.id, balls[3]!.id, balls[2]!.id]);
    const p2 = await listVideos({ db: t.db, callerId: "alice", q: "BALLS red", limit: 3, cursor: p1.nextCursor });
    expect(p2.videos.map((v) => v.id)).toEqual([balls[1]!.id, balls[0]!.id]);
    expect(p2.nextCursor).toBeNull();
    expect((await listVideos({ db: t.db, callerId: "bob", q: "ball" })).videos.map((v) => v.id)).toEqual([other.id]);
    // FTS5's query syntax is inert: quotes and stars are dropped, operators are words like any other.
    const allBalls = [...balls].reverse().map((v) => v.id);
    const inert: [string, string[]][] = [
      ['ball"', allBalls],
      ["ball*", allBalls],
      ["bal*", []], // not a prefix query
      ["NEAR(ball cube)", []],
      ["NEAR(ball bouncing)", []], // "near" is a word that must occur
      ["cube AND NOT", []],
      ["cube NOT ball", []], // not an exclusion: "not" must occur
    ];
    for (const [q, found] of inert) {
      expect((await listVideos({ db: t.db, callerId: "alice", q })).videos.map((v) => v.id), q).toEqual(found);
    }
    expect((await listVideos({ db: t.db, callerId: "alice", q: "ball OR cube" })).videos).toEqual([]); // every word must occur, "or" included
    expect((await listVideos({ db: t.db, callerId: "alice", q: "%%" })).videos).toEqual([]);
    // A listing's cursor is not a search's, and the other way round.
    const list = await listVideos({ db: t.db, callerId: "alice", limit: 1 });
    await expect(listVideos({ db: t.db, callerId: "alice", q: "ball", cursor: list.nextCursor })).rejects.toMatchObject({ code: "BAD_REQUEST" });
    await expect(listVideos({ db: t.db, callerId: "alice", cursor: p1.nextCursor })).rejects.toMatchObject({ code: "BAD_REQUEST" });
  });

  // SQLite's query plans (the "postgresql" project runs the rest of this file on PostgreSQL).
  it.runIf(TEST_PROVIDER === "sqlite")("each scope's page walks an index in cursor order: no table scan, no sort", async ({ t }) => {
    for (const where of [`"callerId" = 'a'`, `"published" = true`]) {
      const plan = await t.db.run((p) =>
        p.$queryRawUnsafe<{ detail: string }[]>(
          `EXPLAIN QUERY PLAN SELECT * FROM "Video" WHERE ${where} AND "deletedAt" IS NULL AND ("createdAt", "id") < (5, 'x') ORDER BY "createdAt" DESC, "id" DESC LIMIT 25`,
        ),
      );
      const text = plan.map((r) => r.detail).join(" | ");
      expect(text).toMatch(/USING INDEX Video_(callerId|published)_createdAt_id_idx/);
      expect(text).not.toMatch(/TEMP B-TREE/);
    }
  });

  it("opens a share slug only while published and not deleted", async ({ t }) => {
    const v = await makeVideo(t, "alice", "a ball", Date.now());
    await expect(getVideoBySlug({ db: t.db, slug: v.slug })).rejects.toMatchObject({ code: "NOT_FOUND" });
    await expect(getVideo({ db: t.db, videoId: v.id, callerId: "bob" })).rejects.toMatchObject({ code: "NOT_FOUND" });
    await expect(setVideoPublished({ db: t.db, videoId: v.id, callerId: "bob", published: true })).rejects.toMatchObject({ code: "NOT_FOUND" });
    await setVideoPublished({ db: t.db, videoId: v.id, callerId: "alice", published: true });
    expect((await getVideoBySlug({ db: t.db, slug: v.slug })).id).toBe(v.id);
    expect((await getVideo({ db: t.db, videoId: v.id, callerId: "bob" })).id).toBe(v.id);

    await expect(deleteVideo({ db: t.db, videoId: v.id, callerId: "bob" })).rejects.toMatchObject({ code: "NOT_FOUND" });
    const deleted = await deleteVideo({ db: t.db, videoId: v.id, callerId: "alice" });
    expect(deleted.deletedAt).not.toBeNull();
    await expect(getVideoBySlug({ db: t.db, slug: v.slug })).rejects.toMatchObject({ code: "NOT_FOUND" });
    await expect(getVideo({ db: t.db, videoId: v.id, callerId: "alice" })).rejects.toMatchObject({ code: "NOT_FOUND" });
    expect((await listVideos({ db: t.db, callerId: "alice" })).videos).toEqual([]);
  });
});
