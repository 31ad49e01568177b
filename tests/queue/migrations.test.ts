/** The committed migrations build the database the app opens, through `prisma migrate deploy`. */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";

import { openDb, type Db } from "../../lib/db/client";
import { migrateDeploy } from "../../lib/db/migrate";
import { claim } from "../../lib/queue";
import { ROOT } from "./helpers";

const dirs: string[] = [];
const dbs: Db[] = [];
afterEach(async () => {
  await Promise.all(dbs.splice(0).map((db) => db.close()));
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function tempUrl() {
  const dir = mkdtempSync(path.join(tmpdir(), "spacetime-migrate-"));
  dirs.push(dir);
  return `file:${path.join(dir, "nested", "app.db")}`; // the folder is created, as ./data is on a fresh clone
}

describe("migrations", () => {
  it("migrate deploy creates the schema (again: a no-op), and the app opens it in WAL mode", async () => {
    const url = tempUrl();
    migrateDeploy({ url, cwd: ROOT });
    migrateDeploy({ url, cwd: ROOT });
    const db = openDb({ url });
    dbs.push(db);
    const [mode] = await db.run((p) => p.$queryRawUnsafe<{ journal_mode: string }[]>("PRAGMA journal_mode"));
    expect(mode!.journal_mode).toBe("wal");
    const tables = await db.run((p) => p.$queryRawUnsafe<{ name: string }[]>(`SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name`));
    expect(tables.map((r) => r.name)).toEqual(expect.arrayContaining(["Job", "QueueState", "Video", "Worker", "_prisma_migrations"]));
    // The claim's query uses the claim index, not a table scan.
    const plan = await db.run((p) =>
      p.$queryRawUnsafe<{ detail: string }[]>(
        `EXPLAIN QUERY PLAN SELECT "id" FROM "Job" WHERE "state" = 'queued' AND "runAt" <= 0 ORDER BY "priority", "createdAt", "id" LIMIT 1`,
      ),
    );
    expect(plan.map((r) => r.detail).join(" | ")).toMatch(/USING (COVERING )?INDEX Job_state_priority_createdAt_runAt_idx/);
  });

  it("a database that was never migrated gives a clear UNAVAILABLE", async () => {
    const db = openDb({ url: tempUrl() });
    dbs.push(db);
    await expect(claim({ db, workerId: "w" })).rejects.toMatchObject({ code: "UNAVAILABLE", message: /npm run db:migrate/ });
  });
});
