/**
 * Private data on disk is the owner's alone: the SQLite database (new, or an older one made
 * world-readable) and its WAL are 0600, media folders 0700, whatever the process umask.
 */
import { chmodSync, existsSync, mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";

import { openDb } from "../../lib/db/client";
import { getJob } from "../../lib/db/jobs";
import { migrateDeploy } from "../../lib/db/migrate";
import { submit } from "../../lib/queue";
import { standInHandler } from "../../lib/queue/testing/stand-in-handler";
import { createWorker } from "../../lib/queue/worker";
import { freshDb, ROOT, settings, waitFor, type TestDb } from "./helpers";

const mode = (p: string) => statSync(p).mode & 0o777;

let dir: string;
let umask: number;
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), "spacetime-private-"));
  umask = process.umask(0o022); // the usual default, which makes files 0644 and folders 0755
});
afterEach(() => {
  process.umask(umask);
  rmSync(dir, { recursive: true, force: true });
});

describe("private files", () => {
  it("a new SQLite database, its folder and its WAL are the owner's alone", async () => {
    const file = path.join(dir, "data", "spacetime.db");
    const db = openDb({ url: `file:${file}` });
    await db.run((p) => p.$executeRawUnsafe("CREATE TABLE t (x)"));
    await db.run((p) => p.$executeRawUnsafe("INSERT INTO t VALUES (1)"));
    expect(mode(file)).toBe(0o600);
    expect(existsSync(`${file}-wal`)).toBe(true);
    expect(mode(`${file}-wal`)).toBe(0o600);
    expect(mode(path.dirname(file))).toBe(0o700);
    await db.close();
  });

  it("an existing world-readable database (as `prisma migrate deploy` makes it) is tightened on open", async () => {
    const file = path.join(dir, "old.db");
    migrateDeploy({ url: `file:${file}`, cwd: ROOT });
    chmodSync(file, 0o644);
    const db = openDb({ url: `file:${file}` });
    await db.run((p) => p.queueState.findMany());
    expect(mode(file)).toBe(0o600);
    await db.close();
  });
});

describe("media folders", () => {
  let t: TestDb;
  beforeEach(() => {
    t = freshDb();
  });
  afterEach(() => t.cleanup());

  it("the media root (an older 0755 one too) and each job's folder are 0700", async () => {
    chmodSync(t.media, 0o755);
    const { job } = await submit({ db: t.db, callerId: "alice", settings: settings("a ball", { steps: 2 }) });
    const w = createWorker({ handler: standInHandler({ stepMs: 1 }), db: t.db, id: "w1", mediaRoot: t.media, idleMs: { min: 10, max: 20 }, log: () => {} });
    const loop = w.start();
    await waitFor(async () => (await getJob({ db: t.db, jobId: job.id })).state === "succeeded", 30_000, "the job to finish");
    await w.stop();
    await loop;
    expect(mode(t.media)).toBe(0o700);
    expect(mode(path.join(t.media, job.id))).toBe(0o700);
  });
});
