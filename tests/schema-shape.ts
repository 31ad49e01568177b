/**
 * The shape of a database's tables (columns, indexes, foreign keys), read straight through the
 * drivers, so that a database built by the committed migrations can be compared with one built
 * from the datamodel alone: equal shapes = the migrations are in step with prisma/schema.prisma.
 * Tables only the migrations make (search indexes such as FTS5's, written by hand) are not the
 * datamodel's business and are left out of the comparison (see `datamodelPart`).
 */
import Database from "better-sqlite3";
import pg from "pg";

export type Shape = Record<string, { columns: string[]; indexes: string[]; foreignKeys: string[] }>;

export function sqliteShape(file: string): Shape {
  const db = new Database(file, { readonly: true });
  try {
    const tables = db
      .prepare(`SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name <> '_prisma_migrations'`)
      .all() as { name: string }[];
    const shape: Shape = {};
    for (const { name } of tables) {
      const columns = (db.prepare(`SELECT * FROM pragma_table_info(?) ORDER BY name`).all(name) as Record<string, unknown>[]).map(
        (c) => `${c.name} ${c.type} notnull=${c.notnull} default=${c.dflt_value} pk=${c.pk}`,
      );
      const indexes = (db.prepare(`SELECT * FROM pragma_index_list(?) ORDER BY name`).all(name) as Record<string, unknown>[]).map((i) => {
        const cols = (db.prepare(`SELECT * FROM pragma_index_xinfo(?) WHERE key = 1 ORDER BY seqno`).all(i.name) as Record<string, unknown>[])
          .map((c) => `${c.name}${c.desc ? " DESC" : ""}`)
          .join(", ");
        return `${i.name} unique=${i.unique} (${cols})`;
      });
      const foreignKeys = (db.prepare(`SELECT * FROM pragma_foreign_key_list(?) ORDER BY "from"`).all(name) as Record<string, unknown>[]).map(
        (f) => `${f.from} -> ${f.table}.${f.to} on delete ${f.on_delete} on update ${f.on_update}`,
      );
      shape[name] = { columns, indexes, foreignKeys };
    }
    return shape;
  } finally {
    db.close();
  }
}

export async function postgresShape(url: string): Promise<Shape> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const q = async (sql: string) => (await client.query(sql)).rows as Record<string, string>[];
    const columns = await q(`SELECT table_name, column_name, data_type, is_nullable, column_default FROM information_schema.columns
      WHERE table_schema = 'public' ORDER BY table_name, column_name`);
    const indexes = await q(`SELECT tablename, indexname, indexdef FROM pg_indexes WHERE schemaname = 'public' ORDER BY indexname`);
    const foreignKeys = await q(`SELECT conrelid::regclass::text AS table_name, conname, pg_get_constraintdef(oid) AS def FROM pg_constraint
      WHERE contype = 'f' AND connamespace = 'public'::regnamespace ORDER BY conname`);
    const shape: Shape = {};
    const entry = (t: string) => (shape[t.replace(/^"|"$/g, "")] ??= { columns: [], indexes: [], foreignKeys: [] });
    for (const c of columns) {
      if (c.table_name === "_prisma_migrations") continue;
      entry(c.table_name!).columns.push(`${c.column_name} ${c.data_type} nullable=${c.is_nullable} default=${c.column_default}`);
    }
    for (const i of indexes) if (i.tablename !== "_prisma_migrations") entry(i.tablename!).indexes.push(i.indexdef!);
    for (const f of foreignKeys) entry(f.table_name!).foreignKeys.push(`${f.conname} ${f.def}`);
    return shape;
  } finally {
    await client.end();
  }
}

/** The tables of `built` that the datamodel knows, for comparing with the datamodel's own shape. */
export function datamodelPart(built: Shape, datamodel: Shape): Shape {
  return Object.fromEntries(Object.keys(datamodel).map((t) => [t, built[t] ?? { columns: [], indexes: [], foreignKeys: [] }]));
}
