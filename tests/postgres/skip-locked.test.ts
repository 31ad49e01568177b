/**
 * On PostgreSQL the claim passes over rows another transaction has locked (FOR UPDATE SKIP
 * LOCKED) instead of waiting for them: concurrent claims never queue up behind each other.
 */
import pg from "pg";
import { afterEach, beforeEach, describe, expect, it } from "vitest";

import { claim } from "../../lib/queue";
import { freshDb, queueJobs, TEST_PROVIDER, type TestDb } from "../queue/helpers";
import { POSTGRES_MISSING, postgresBinDir } from "./server";

const skip = !postgresBinDir() || TEST_PROVIDER !== "postgresql";

describe.skipIf(skip)(`the PostgreSQL claim${skip ? ` (skipped: ${POSTGRES_MISSING})` : ""}`, () => {
  let t: TestDb;
  beforeEach(() => {
    t = freshDb();
  });
  afterEach(() => t.cleanup());

  it("skips the row another transaction holds, at once, and takes it once released", async () => {
    const [first, second] = await queueJobs(t.db, 2);
    const other = new pg.Client({ connectionString: t.url });
    await other.connect();
    try {
      await other.query("BEGIN");
      await other.query(`SELECT "id" FROM "Job" WHERE "id" = $1 FOR UPDATE`, [first]);
      const started = Date.now();
      expect((await claim({ db: t.db, workerId: "w1" }))?.id).toBe(second);
      expect(Date.now() - started).toBeLessThan(2_000); // not waiting for the lock
      expect(await claim({ db: t.db, workerId: "w2" })).toBeNull(); // the locked one is not claimable yet
      await other.query("COMMIT");
      expect((await claim({ db: t.db, workerId: "w2" }))?.id).toBe(first);
    } finally {
      await other.end();
    }
  });
});
