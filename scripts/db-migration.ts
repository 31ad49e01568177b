/**
 * `npm run db:migration -- NAME`: after a change to prisma/schema.prisma (the one source of the
 * datamodel), writes the migration for both providers under one folder name,
 *   prisma/migrations/<stamp>_NAME/migration.sql             (SQLite)
 *   prisma/postgresql/migrations/<stamp>_NAME/migration.sql  (PostgreSQL)
 * and regenerates prisma/postgresql/schema.prisma. Each migration is Prisma's diff from the
 * datamodel of the last migration (the PostgreSQL schema file as it was) to the new one, so
 * no database is needed.
 *
 * `npm run db:migration` with no NAME brings the PostgreSQL side level when the newest SQLite
 * migration was written without it: its PostgreSQL twin gets the same folder name.
 *
 * Hand-written SQL (triggers, SQLite's FTS5, ...) is not in the datamodel: append it to the
 * SQLite migration and its PostgreSQL equivalent to the other. tests/queue/schemas.test.ts
 * (and tests/postgres/migrations.test.ts) fail while the two sides are out of step.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

import { PRISMA_PATHS, type DatabaseProvider } from "../lib/db/url";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

const GENERATED_HEADER = `// GENERATED from prisma/schema.prisma by \`npm run db:migration\`: do not edit.
// The PostgreSQL twin of the SQLite schema; its client is generated to
// node_modules/.prisma/client-postgresql (lib/db/client.ts loads it for postgres:// URLs).
`;
const PG_CLIENT_OUTPUT = "../../node_modules/.prisma/client-postgresql";

/** prisma/postgresql/schema.prisma as it must be for a given prisma/schema.prisma. */
export function postgresSchemaFrom(source: string): string {
  const provider = /(datasource\s+db\s*\{[^}]*?provider\s*=\s*)"sqlite"/;
  if (!provider.test(source)) throw new Error('prisma/schema.prisma: no `provider = "sqlite"` in its datasource block');
  const generator = /(generator\s+client\s*\{[^}]*?engineType\s*=\s*"client"[^\n]*\n)/;
  if (!generator.test(source)) throw new Error('prisma/schema.prisma: no `engineType = "client"` line in its generator block');
  return (
    GENERATED_HEADER +
    source.replace(provider, '$1"postgresql"').replace(generator, `$1  output     = "${PG_CLIENT_OUTPUT}"\n`)
  );
}

/** The SQLite datamodel a generated PostgreSQL schema was made from (comments aside). */
function sqliteSchemaFrom(postgres: string): string {
  return postgres
    .replace(/(datasource\s+db\s*\{[^}]*?provider\s*=\s*)"postgresql"/, '$1"sqlite"')
    .replace(/^\s*output\s*=.*\n/m, "");
}

/** Migration folder names of a provider, oldest first. */
export function migrationNames(provider: DatabaseProvider, root = ROOT): string[] {
  const dir = path.join(root, PRISMA_PATHS[provider].migrations);
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isDirectory() && existsSync(path.join(dir, e.name, "migration.sql")))
    .map((e) => e.name)
    .sort();
}

/** Prisma's SQL from one datamodel to another (null: `from` is empty). */
export function diffSql(provider: DatabaseProvider, from: string | null, to: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), "spacetime-diff-"));
  try {
    const toFile = path.join(dir, "to.prisma");
    writeFileSync(toFile, to);
    const fromArgs = from === null ? ["--from-empty"] : ["--from-schema-datamodel", path.join(dir, "from.prisma")];
    if (from !== null) writeFileSync(path.join(dir, "from.prisma"), from);
    const cli = path.join(ROOT, "node_modules/prisma/build/index.js");
    // A datamodel diff renders SQL for the datamodels' provider and needs no database, but
    // the CLI opens its config's adapter: a scratch SQLite file serves both providers (the
    // PostgreSQL adapter would connect to a server).
    const url = `file:${path.join(dir, "unused.db")}`;
    const run = spawnSync(process.execPath, [cli, "migrate", "diff", ...fromArgs, "--to-schema-datamodel", toFile, "--script"], {
      cwd: ROOT,
      env: { ...process.env, DATABASE_URL: url, PRISMA_HIDE_UPDATE_MESSAGE: "1" },
      encoding: "utf8",
    });
    if (run.status !== 0) throw new Error(`prisma migrate diff (${provider}) failed:\n${run.stderr || run.stdout}`);
    return run.stdout.replace(/^Loaded Prisma config.*\n+/m, "");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const isEmptyMigration = (sql: string) => /^-- This is an empty migration\.\s*$/.test(sql.trim());

function writeMigration(provider: DatabaseProvider, name: string, sql: string) {
  const dir = path.join(ROOT, PRISMA_PATHS[provider].migrations);
  mkdirSync(path.join(dir, name), { recursive: true });
  writeFileSync(path.join(dir, name, "migration.sql"), sql);
  const lock = path.join(dir, "migration_lock.toml");
  if (!existsSync(lock)) {
    writeFileSync(lock, `# Please do not edit this file manually\n# It should be added in your version-control system (e.g., Git)\nprovider = "${provider}"\n`);
  }
  console.log(`db:migration: wrote ${path.relative(ROOT, path.join(dir, name, "migration.sql"))}`);
}

function stamp(now = new Date()): string {
  return now.toISOString().replace(/[-:T]/g, "").slice(0, 14);
}

function main(name: string | undefined) {
  const source = readFileSync(path.join(ROOT, PRISMA_PATHS.sqlite.schema), "utf8");
  const pgSchemaFile = path.join(ROOT, PRISMA_PATHS.postgresql.schema);
  const lastPg = existsSync(pgSchemaFile) ? readFileSync(pgSchemaFile, "utf8") : null;
  const nextPg = postgresSchemaFrom(source);

  const sqliteNames = migrationNames("sqlite");
  const pgNames = new Set(migrationNames("postgresql"));
  const orphans = [...pgNames].filter((n) => !sqliteNames.includes(n));
  if (orphans.length) throw new Error(`PostgreSQL migrations without a SQLite twin: ${orphans.join(", ")}`);
  const missing = sqliteNames.filter((n) => !pgNames.has(n));

  if (missing.length > 1) {
    throw new Error(`${missing.length} SQLite migrations lack a PostgreSQL twin (${missing.join(", ")}): only the newest can be derived`);
  }
  if (missing.length === 1) {
    if (name) throw new Error(`first bring the PostgreSQL side level (${missing[0]}): run \`npm run db:migration\` without a name`);
    if (missing[0] !== sqliteNames.at(-1)) throw new Error(`${missing[0]} is not the newest SQLite migration`);
    writeMigration("postgresql", missing[0]!, diffSql("postgresql", lastPg, nextPg));
    console.log(
      `db:migration: if prisma/migrations/${missing[0]}/migration.sql has hand-written SQL (triggers, FTS5, ...), add its PostgreSQL equivalent`,
    );
  } else {
    if (!name || !/^[a-z0-9_]+$/.test(name)) throw new Error("usage: npm run db:migration -- NAME   (lower-case letters, digits, _)");
    const sqliteSql = diffSql("sqlite", lastPg === null ? null : sqliteSchemaFrom(lastPg), source);
    const pgSql = diffSql("postgresql", lastPg, nextPg);
    if (isEmptyMigration(sqliteSql) && isEmptyMigration(pgSql)) {
      console.log("db:migration: the datamodel has not changed since the last migration; nothing to migrate");
    } else {
      const folder = `${stamp()}_${name}`;
      writeMigration("sqlite", folder, sqliteSql);
      writeMigration("postgresql", folder, pgSql);
    }
  }
  mkdirSync(path.dirname(pgSchemaFile), { recursive: true });
  writeFileSync(pgSchemaFile, nextPg);
  console.log(`db:migration: wrote ${PRISMA_PATHS.postgresql.schema}; run \`npm run db:generate\` to rebuild both clients`);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    main(process.argv[2]);
  } catch (err) {
    console.error(`db:migration: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  }
}
