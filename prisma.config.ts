/**
 * Prisma CLI configuration: the JavaScript schema engine over a driver adapter, so
 * `prisma migrate deploy|diff` run without downloading an engine binary. DATABASE_URL (default
 * ./data/spacetime.db, see lib/db/url.ts) picks the provider, and with it the schema and the
 * migrations folder: the CLI migrates the very database the app opens.
 */
import { PrismaBetterSQLite3 } from "@prisma/adapter-better-sqlite3";
import { defineConfig } from "prisma/config";

import { MigratePrismaPg } from "./lib/db/pg-migrate-adapter";
import { DEFAULT_DATABASE_URL, PRISMA_PATHS, databaseFile, databaseProvider } from "./lib/db/url";

// The schema's datasource reads env("DATABASE_URL"); without it the CLI cannot read the
// schema's engine type and falls back to downloading a query engine.
process.env.DATABASE_URL ||= DEFAULT_DATABASE_URL;
const url = process.env.DATABASE_URL;
const provider = databaseProvider(url);

export default defineConfig({
  experimental: { adapter: true },
  engine: "js",
  schema: PRISMA_PATHS[provider].schema,
  migrations: { path: PRISMA_PATHS[provider].migrations },
  async adapter() {
    return provider === "sqlite"
      ? new PrismaBetterSQLite3({ url: databaseFile(url) }, { timestampFormat: "unixepoch-ms" })
      : new MigratePrismaPg(url);
  },
});
