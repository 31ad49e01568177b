/**
 * Prisma CLI configuration: the JavaScript schema engine over the better-sqlite3 driver
 * adapter, so `prisma migrate deploy|diff|dev` run without downloading an engine binary.
 * The database file is the one the app opens (lib/db/url.ts), DATABASE_URL or ./data/spacetime.db.
 */
import { PrismaBetterSQLite3 } from "@prisma/adapter-better-sqlite3";
import { defineConfig } from "prisma/config";

import { DEFAULT_DATABASE_URL, databaseFile } from "./lib/db/url";

// The schema's datasource reads env("DATABASE_URL"); without it the CLI cannot read the
// schema's engine type and falls back to downloading a query engine.
process.env.DATABASE_URL ||= DEFAULT_DATABASE_URL;

export default defineConfig({
  experimental: { adapter: true },
  engine: "js",
  schema: "prisma/schema.prisma",
  migrations: { path: "prisma/migrations" },
  async adapter() {
    return new PrismaBetterSQLite3({ url: databaseFile() }, { timestampFormat: "unixepoch-ms" });
  },
});
