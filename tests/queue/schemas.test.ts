/**
 * The two providers' schemas and migrations are in step with prisma/schema.prisma, the one
 * source: the PostgreSQL schema is the generated one, both migration folders hold the same
 * migrations, and the SQLite migrations build exactly the datamodel's tables, columns and
 * indexes. (tests/postgres/migrations.test.ts checks the PostgreSQL migrations the same way.)
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import Database from "better-sqlite3";
import { afterAll, describe, expect, it } from "vitest";

import { migrateDeploy } from "../../lib/db/migrate";
import { PRISMA_PATHS } from "../../lib/db/url";
import { diffSql, migrationNames, postgresSchemaFrom } from "../../scripts/db-migration";
import { datamodelPart, sqliteShape } from "../schema-shape";
import { ROOT } from "./helpers";

const read = (file: string) => readFileSync(path.join(ROOT, file), "utf8");
const dir = mkdtempSync(path.join(tmpdir(), "spacetime-schemas-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("schemas from one source", () => {
  it("prisma/postgresql/schema.prisma is the one generated from prisma/schema.prisma", () => {
    const expected = postgresSchemaFrom(read(PRISMA_PATHS.sqlite.schema));
    expect(read(PRISMA_PATHS.postgresql.schema), "out of step: run `npm run db:migration -- NAME` (see scripts/db-migration.ts)").toBe(expected);
    expect(expected).toMatch(/provider\s*=\s*"postgresql"/);
    expect(expected).not.toMatch(/provider\s*=\s*"sqlite"/);
  });

  it("refuses a source schema it cannot translate", () => {
    expect(() => postgresSchemaFrom('datasource db {\n  provider = "mysql"\n}\n')).toThrow(/sqlite/);
  });

  it("every migration exists for both providers, under the same name", () => {
    const sqlite = migrationNames("sqlite");
    expect(sqlite.length).toBeGreaterThan(0);
    expect(migrationNames("postgresql"), "a migration lacks its twin: run `npm run db:migration`").toEqual(sqlite);
  });

  it("the SQLite migrations build exactly the datamodel's tables, columns, indexes and keys", () => {
    const migrated = path.join(dir, "migrated.db");
    migrateDeploy({ url: `file:${migrated}`, cwd: ROOT });
    const fromDatamodel = path.join(dir, "datamodel.db");
    const db = new Database(fromDatamodel);
    db.exec(diffSql("sqlite", null, read(PRISMA_PATHS.sqlite.schema)));
    db.close();
    const want = sqliteShape(fromDatamodel);
    expect(Object.keys(want)).toEqual(expect.arrayContaining(["Job", "Video", "Worker"]));
    expect(datamodelPart(sqliteShape(migrated), want)).toEqual(want);
  });
});
