/**
 * The database connection: Prisma Client over better-sqlite3 (no engine binary), SQLite in
 * WAL mode so the web server and the workers (separate processes, one host) read while one
 * of them writes.
 *
 * Two rules keep SQLite honest under concurrency:
 * - A transaction that reads and then writes must hold the write lock from its start
 *   (BEGIN IMMEDIATE): a deferred one that upgrades later fails with SQLITE_BUSY at once,
 *   without waiting for busy_timeout. The adapter only issues a plain BEGIN, so `write()`
 *   makes its first statement a no-op UPDATE, which takes the write lock (waiting up to
 *   busy_timeout) before anything is read: the same effect.
 * - The adapter has one connection per client, and statements sent outside a transaction
 *   while one is open would run inside it. `run()` and `write()` therefore take turns on a
 *   per-connection lock; every function in lib/db goes through them.
 *
 * Not `import "server-only"`: that package throws outside Next's react-server build, and the
 * worker and the tests import this module from plain Node. The guard below serves instead.
 */
import { PrismaBetterSQLite3 } from "@prisma/adapter-better-sqlite3";
import { Prisma, PrismaClient } from "@prisma/client";

import { AppError } from "./errors";
import { databaseFile } from "./url";

if (typeof window !== "undefined") {
  throw new Error("lib/db is server-only: it must never be bundled for the browser");
}

export type Tx = Prisma.TransactionClient;

export interface Db {
  readonly file: string;
  /** One operation at a time on this connection. */
  run<T>(fn: (prisma: PrismaClient) => Promise<T>): Promise<T>;
  /** A transaction holding the write lock from its first statement (see above). `fn` must use
   *  `tx` only: a run() or write() inside it would wait for its own turn forever. */
  write<T>(fn: (tx: Tx) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

export interface OpenDbOptions {
  url?: string; // "file:PATH"; default DATABASE_URL or ./data/spacetime.db
  busyTimeoutMs?: number; // how long a statement waits for another process's write lock
}

const TAKE_WRITE_LOCK = Prisma.sql`UPDATE "QueueState" SET "id" = "id" WHERE 0`;

export function openDb(options: OpenDbOptions = {}): Db {
  const file = databaseFile(options.url);
  const busyTimeoutMs = options.busyTimeoutMs ?? 10_000;
  const adapter = new PrismaBetterSQLite3({ url: file, timeout: busyTimeoutMs }, { timestampFormat: "unixepoch-ms" });
  const prisma = new PrismaClient({ adapter });

  const ready = (async () => {
    // journal_mode answers with a row, so it goes through $queryRaw.
    await prisma.$queryRawUnsafe("PRAGMA journal_mode = WAL");
    await prisma.$executeRawUnsafe("PRAGMA synchronous = NORMAL"); // durable across app crashes in WAL mode
    await prisma.$executeRawUnsafe("PRAGMA foreign_keys = ON");
  })();
  let turn: Promise<unknown> = Promise.resolve();

  function exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const result = turn.then(() => ready).then(fn);
    turn = result.catch(() => undefined);
    return result.catch((err: unknown) => {
      throw translate(err);
    });
  }

  return {
    file,
    run: (fn) => exclusive(() => fn(prisma)),
    write: (fn) =>
      exclusive(() =>
        prisma.$transaction(
          async (tx) => {
            await tx.$executeRaw(TAKE_WRITE_LOCK);
            return fn(tx);
          },
          { timeout: busyTimeoutMs + 5_000, maxWait: busyTimeoutMs },
        ),
      ),
    close: () => exclusive(() => prisma.$disconnect()),
  };
}

/** Database failures the caller can act on become AppErrors; anything else is rethrown as is. */
function translate(err: unknown): unknown {
  if (err instanceof AppError) return err;
  const message = err instanceof Error ? err.message : String(err);
  if (/SQLITE_BUSY|database is locked|Timed out|timeout/i.test(message)) {
    return new AppError("UNAVAILABLE", "the database is busy; try again", { cause: err });
  }
  if (/no such table/i.test(message) || (err as { code?: string }).code === "P2021") {
    return new AppError("UNAVAILABLE", "the database has no tables yet: run `npm run db:migrate`", { cause: err });
  }
  return err;
}

// One connection per process, kept across Next's hot reloads in development.
const globalForDb = globalThis as unknown as { spacetimeDb?: Db };

export function getDb(): Db {
  globalForDb.spacetimeDb ??= openDb();
  return globalForDb.spacetimeDb;
}
