/**
 * The committed PostgreSQL migrations, applied by `prisma migrate deploy` as `npm run db:migrate`
 * applies them, build exactly the datamodel's tables, columns, indexes and keys (the PostgreSQL
 * half of tests/queue/schemas.test.ts), each recorded as applied.
 */
import { readFileSync } from "node:fs";
import path from "node:path";

import pg from "pg";
import { describe, expect, inject, it } from "vitest";

import { migrateDeploy } from "../../lib/db/migrate";
import { PRISMA_PATHS } from "../../lib/db/url";
import { diffSql, migrationNames } from "../../scripts/db-migration";
import { ROOT } from "../queue/helpers";
import { datamodelPart, postgresShape } from "../schema-shape";
import { POSTGRES_MISSING, postgresBinDir } from "./server";

async function createDatabase(name: string): Promise<string> {
  const server = inject("postgresUrl");
  const client = new pg.Client({ connectionString: server });
  await client.connect();
  await client.query(`CREATE DATABASE "${name}"`);
  await client.end();
  const url = new URL(server);
  url.pathname = `/${name}`;
  return url.toString();
}

describe.skipIf(!postgresBinDir())(`PostgreSQL migrations${postgresBinDir() ? "" : ` (skipped: ${POSTGRES_MISSING})`}`, () => {
  it("build the datamodel exactly, and are recorded as applied", async () => {
    const migrated = await createDatabase("migrations_check");
    migrateDeploy({ url: migrated, cwd: ROOT });
    const client = new pg.Client({ connectionString: migrated });
    await client.connect();
    const applied = await client.query(`SELECT migration_name FROM _prisma_migrations WHERE finished_at IS NOT NULL ORDER BY migration_name`);
    await client.end();
    expect(applied.rows.map((r) => r.migration_name)).toEqual(migrationNames("postgresql"));

    const fromDatamodel = await createDatabase("datamodel_check");
    const direct = new pg.Client({ connectionString: fromDatamodel });
    await direct.connect();
    await direct.query(diffSql("postgresql", null, readFileSync(path.join(ROOT, PRISMA_PATHS.postgresql.schema), "utf8")));
    await direct.end();

    const want = await postgresShape(fromDatamodel);
    expect(Object.keys(want)).toEqual(expect.arrayContaining(["Job", "Video", "Worker", "QueueState"]));
    expect(datamodelPart(await postgresShape(migrated), want)).toEqual(want);
  });
});
