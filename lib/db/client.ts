/**
 * The database connection: Prisma Client over a driver adapter (no engine binary), for the
 * provider DATABASE_URL names (lib/db/url.ts).
 *
 * SQLite (file:PATH, the embedded default) runs in WAL mode so the web server and the workers
 * (separate processes, one host) read while one of them writes. Two rules keep it honest:
 * - A transaction that reads and then writes must hold the write lock from its start
 *   (BEGIN IMMEDIATE): a deferred one that upgrades later fails with SQLITE_BUSY at once,
 *   without waiting for busy_timeout. The adapter only issues a plain BEGIN, so `write()`
 *   makes its first statement a no-op UPDATE, which takes the write lock (waiting up to
 *   busy_timeout) before anything is read: the same effect.
 * - The adapter has one connection per client, and statements sent outside a transaction
 *   while one is open would run inside it. `run()` and `write()` therefore take turns on a
 *   per-connection lock; every function in lib/db goes through them.
 *
 * PostgreSQL (postgres://, for workers on many hosts) has a pool, so calls run side by side.
 * `write()` keeps SQLite's guarantee that read-then-write transactions (limits counted before
 * an insert, say) never interleave: each first takes one transaction-scoped advisory lock.
 * The queue's hot statements (claim, heartbeat) are single statements and never take it.
 * Its client is the one generated from prisma/postgresql/schema.prisma (the same datamodel,
 * so the same API; only the SQL it compiles to differs), loaded only when PostgreSQL is used.
 *
 * Not `import "server-only"`: that package throws outside Next's react-server build, and the
 * worker and the tests import this module from plain Node. The guard below serves instead.
 */
import { chmodSync, existsSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";

import { PrismaBetterSQLite3 } from "@prisma/adapter-better-sqlite3";
import { PrismaPg } from "@prisma/adapter-pg";
import { Prisma, PrismaClient } from "@prisma/client";

import { AppError } from "./errors";
import { databaseFile, databaseProvider, databaseUrl, redactUrl, type DatabaseProvider } from "./url";

if (typeof window !== "undefined") {
  throw new Error("lib/db is server-only: it must never be bundled for the browser");
}

export type Tx = Prisma.TransactionClient;

export interface Db {
  readonly provider: DatabaseProvider;
  /** The database, as DATABASE_URL names it (password redacted), for logs. */
  readonly where: string;
  /** One operation (on SQLite: one at a time on this connection). */
  run<T>(fn: (prisma: PrismaClient) => Promise<T>): Promise<T>;
  /** A transaction that no other write() interleaves with (see above). `fn` must use `tx`
   *  only: a run() or write() inside it would wait for its own turn forever. */
  write<T>(fn: (tx: Tx) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

export interface OpenDbOptions {
  url?: string; // "file:PATH" or "postgres://..."; default DATABASE_URL or ./data/spacetime.db
  busyTimeoutMs?: number; // how long a statement waits for another process's lock (or a free pooled connection)
  poolSize?: number; // PostgreSQL: connections in the pool (default 5)
  onQuery?: (sql: string) => void; // sees every statement sent (tests count them)
}

export function openDb(options: OpenDbOptions = {}): Db {
  const url = databaseUrl(options.url);
  return databaseProvider(url) === "sqlite" ? openSqlite(url, options) : openPostgres(url, options);
}

const TAKE_SQLITE_WRITE_LOCK = Prisma.sql`UPDATE "QueueState" SET "id" = "id" WHERE 0`;

/**
 * The database holds every caller's prompts and clips: its file (and its WAL and shared-memory
 * files, which SQLite creates with the main file's mode) is the owner's alone, as is the folder
 * databaseFile() makes for it. An older file made with looser permissions is tightened.
 */
function makeDatabasePrivate(file: string): void {
  if (!existsSync(file)) writeFileSync(file, "", { mode: 0o600, flag: "a" });
  for (const f of [file, `${file}-wal`, `${file}-shm`]) if (existsSync(f)) chmodSync(f, 0o600);
}

function openSqlite(url: string, options: OpenDbOptions): Db {
  const file = databaseFile(url);
  makeDatabasePrivate(file);
  const busyTimeoutMs = options.busyTimeoutMs ?? 10_000;
  const adapter = new PrismaBetterSQLite3({ url: file, timeout: busyTimeoutMs }, { timestampFormat: "unixepoch-ms" });
  const prisma: PrismaClient = new PrismaClient({ adapter, ...queryLog(options) });
  watchQueries(prisma, options);

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
    provider: "sqlite",
    where: file,
    run: (fn) => exclusive(() => fn(prisma)),
    write: (fn) =>
      exclusive(() =>
        prisma.$transaction(
          async (tx) => {
            await tx.$executeRaw(TAKE_SQLITE_WRITE_LOCK);
            return fn(tx);
          },
          { timeout: busyTimeoutMs + 5_000, maxWait: busyTimeoutMs },
        ),
      ),
    close: () => exclusive(() => prisma.$disconnect()),
  };
}

// Any constant: the key of the advisory lock every write() transaction takes first.
const WRITE_LOCK_KEY = 0x5370_6163; // "Spac"

function openPostgres(url: string, options: OpenDbOptions): Db {
  const busyTimeoutMs = options.busyTimeoutMs ?? 10_000;
  const client = (async () => {
    // Generated by `npm run db:generate` (the postinstall step) from prisma/postgresql/schema.prisma,
    // beside the SQLite client in node_modules/.prisma; CommonJS, and not a name ESM import() accepts.
    const generated = createRequire(import.meta.url)(".prisma/client-postgresql") as { PrismaClient: new (o: object) => unknown };
    const adapter = new PrismaPg({ connectionString: url, max: options.poolSize ?? 5, connectionTimeoutMillis: busyTimeoutMs });
    // Same datamodel, same model API as the SQLite client's type (see above).
    const prisma = new generated.PrismaClient({ adapter, ...queryLog(options) }) as PrismaClient;
    watchQueries(prisma, options);
    return prisma;
  })();

  const call = async <T>(fn: (prisma: PrismaClient) => Promise<T>): Promise<T> => {
    try {
      return await fn(await client);
    } catch (err) {
      throw translate(err);
    }
  };

  return {
    provider: "postgresql",
    where: redactUrl(url),
    run: call,
    write: (fn) =>
      call((prisma) =>
        prisma.$transaction(
          async (tx) => {
            await tx.$executeRaw`SELECT pg_advisory_xact_lock(${WRITE_LOCK_KEY})`;
            return fn(tx);
          },
          { timeout: busyTimeoutMs + 5_000, maxWait: busyTimeoutMs },
        ),
      ),
    close: () => call((prisma) => prisma.$disconnect()),
  };
}

/** Prisma emits query events only when asked to at construction. */
const queryLog = (options: OpenDbOptions): { log?: Prisma.LogDefinition[] } => (options.onQuery ? { log: [{ emit: "event", level: "query" }] } : {});

function watchQueries(prisma: PrismaClient, options: OpenDbOptions): void {
  const onQuery = options.onQuery;
  if (onQuery) (prisma as PrismaClient<Prisma.PrismaClientOptions, "query">).$on("query", (e) => onQuery(e.query));
}

/** Database failures the caller can act on become AppErrors; anything else is rethrown as is. */
function translate(err: unknown): unknown {
  if (err instanceof AppError) return err;
  const message = err instanceof Error ? err.message : String(err);
  const code = (err as { code?: string }).code;
  if (/SQLITE_BUSY|database is locked|Timed out|timeout|ECONNREFUSED|too many clients|Can't reach database/i.test(message)) {
    return new AppError("UNAVAILABLE", "the database is busy or unreachable; try again", { cause: err });
  }
  if (/no such table|relation "[^"]+" does not exist/i.test(message) || code === "P2021") {
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
