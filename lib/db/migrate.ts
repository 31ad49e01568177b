/**
 * Not exported from lib/db/index.ts: it spawns the CLI, which no request handler should do
 * (and webpack cannot trace its require.resolve).
 *
 * Applies the committed migrations of the URL's provider (prisma/migrations for SQLite,
 * prisma/postgresql/migrations for PostgreSQL; see prisma.config.ts) with
 * `prisma migrate deploy`, the command `npm run db:migrate` runs. Tests call this too, so
 * their databases are built exactly as the app's.
 */
import { spawnSync } from "node:child_process";
import { createRequire } from "node:module";

import { databaseFile, databaseProvider, databaseUrl, redactUrl } from "./url";

const require = createRequire(import.meta.url);

export function migrateDeploy(options: { url?: string; cwd?: string } = {}): void {
  const cwd = options.cwd ?? process.cwd();
  const given = databaseUrl(options.url);
  // A SQLite path is made absolute (and its folder created) here, relative to the caller's cwd.
  const url = databaseProvider(given) === "sqlite" ? `file:${databaseFile(given)}` : given;
  const cli = require.resolve("prisma/build/index.js", { paths: [cwd] });
  const run = spawnSync(process.execPath, [cli, "migrate", "deploy"], {
    cwd,
    env: { ...process.env, DATABASE_URL: url, PRISMA_HIDE_UPDATE_MESSAGE: "1" },
    encoding: "utf8",
  });
  if (run.status !== 0) {
    throw new Error(`prisma migrate deploy failed for ${redactUrl(url)}:\n${run.stderr || run.stdout}`);
  }
}
