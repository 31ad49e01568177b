/**
 * Not exported from lib/db/index.ts: it spawns the CLI, which no request handler should do
 * (and webpack cannot trace its require.resolve).
 *
 * Applies the committed migrations (prisma/migrations) to a database file with
 * `prisma migrate deploy`, the command `npm run db:migrate` runs. Tests call this too, so
 * their databases are built exactly as the app's.
 */
import { spawnSync } from "node:child_process";
import { createRequire } from "node:module";
import path from "node:path";

import { databaseFile } from "./url";

const require = createRequire(import.meta.url);

export function migrateDeploy(options: { url?: string; cwd?: string } = {}): void {
  const cwd = options.cwd ?? process.cwd();
  const file = databaseFile(options.url);
  const cli = require.resolve("prisma/build/index.js", { paths: [cwd] });
  const run = spawnSync(process.execPath, [cli, "migrate", "deploy"], {
    cwd,
    env: { ...process.env, DATABASE_URL: `file:${file}`, PRISMA_HIDE_UPDATE_MESSAGE: "1" },
    encoding: "utf8",
  });
  if (run.status !== 0) {
    throw new Error(`prisma migrate deploy failed for ${path.relative(cwd, file) || file}:\n${run.stderr || run.stdout}`);
  }
}
