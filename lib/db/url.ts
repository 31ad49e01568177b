/**
 * Where the SQLite file is: DATABASE_URL ("file:PATH", PATH relative to the working
 * directory) or ./data/spacetime.db. Shared by the app, the worker and prisma.config.ts,
 * so the CLI migrates the very file the app opens. Its directory is created if missing.
 */
import { mkdirSync } from "node:fs";
import path from "node:path";

export const DEFAULT_DATABASE_URL = "file:./data/spacetime.db";

export function databaseFile(url: string = process.env.DATABASE_URL || DEFAULT_DATABASE_URL): string {
  if (!url.startsWith("file:")) {
    throw new Error(`DATABASE_URL must be a SQLite "file:PATH" URL, got "${url}"`);
  }
  const file = path.resolve(url.slice("file:".length).replace(/\?.*$/, ""));
  mkdirSync(path.dirname(file), { recursive: true });
  return file;
}
