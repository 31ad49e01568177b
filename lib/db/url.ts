/**
 * Which database, from DATABASE_URL (default file:./data/spacetime.db):
 *   file:PATH                         SQLite, PATH relative to the working directory (one host)
 *   postgres://USER:PASS@HOST/DB      PostgreSQL (also postgresql://), for workers on many hosts
 * Shared by the app, the worker and prisma.config.ts, so the CLI migrates the very database the
 * app opens, with the schema and migrations of its provider (PRISMA_PATHS).
 */
import { mkdirSync } from "node:fs";
import path from "node:path";

import { DEFAULT_DATABASE_URL, databaseConfig } from "../config";

export { DEFAULT_DATABASE_URL };

export type DatabaseProvider = "sqlite" | "postgresql";

/** Each provider's Prisma schema and migrations. prisma/schema.prisma is the one source;
 *  the PostgreSQL schema is generated from it by `npm run db:migration` (scripts/db-migration.ts). */
export const PRISMA_PATHS: Readonly<Record<DatabaseProvider, { schema: string; migrations: string }>> = Object.freeze({
  sqlite: { schema: "prisma/schema.prisma", migrations: "prisma/migrations" },
  postgresql: { schema: "prisma/postgresql/schema.prisma", migrations: "prisma/postgresql/migrations" },
});

export function databaseUrl(url?: string): string {
  return url || databaseConfig().databaseUrl;
}

export function databaseProvider(url: string = databaseUrl()): DatabaseProvider {
  if (url.startsWith("file:")) return "sqlite";
  if (/^postgres(ql)?:\/\//.test(url)) return "postgresql";
  throw new Error(`DATABASE_URL must be "file:PATH" (SQLite) or "postgres://..." (PostgreSQL), got "${redactUrl(url)}"`);
}

/** The SQLite file of a file: URL, absolute; its directory is created if missing (the owner's alone: it holds private data). */
export function databaseFile(url: string = databaseUrl()): string {
  if (databaseProvider(url) !== "sqlite") {
    throw new Error(`not a SQLite "file:PATH" URL: "${redactUrl(url)}"`);
  }
  const file = path.resolve(url.slice("file:".length).replace(/\?.*$/, ""));
  mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  return file;
}

/** The URL with its password replaced, for messages and logs. */
export function redactUrl(url: string): string {
  return url.replace(/^([a-z]+:\/\/[^:/@]*:)[^@]*@/i, "$1***@");
}
