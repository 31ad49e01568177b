/**
 * The PostgreSQL driver adapter for the Prisma CLI (prisma.config.ts), not for the app.
 *
 * Prisma 6.19's JavaScript schema engine reads PostgreSQL's catalogs through the adapter, and
 * @prisma/adapter-pg refuses catalog columns of the types `name` and `"char"` ("Column type
 * 'name' could not be deserialized", prisma/orm#27403), so `migrate deploy` fails on any
 * database. Both types are plain strings: the pool below reports them as text. Its shadow
 * databases (for `migrate diff --from-migrations`) get the same pool; adapter-pg's own
 * connectToShadowDb would also reconnect to the main database when given a connection string.
 */
import { randomUUID } from "node:crypto";

import { PrismaPg } from "@prisma/adapter-pg";
import pg from "pg";

const CATALOG_TEXT_TYPES = new Set([18 /* "char" */, 19 /* name */]);
const TEXT = 25;

function asText<R>(result: R): R {
  for (const field of (result as { fields?: { dataTypeID: number }[] } | undefined)?.fields ?? []) {
    if (CATALOG_TEXT_TYPES.has(field.dataTypeID)) field.dataTypeID = TEXT;
  }
  return result;
}

function patchQuery<C extends { query: (...args: never[]) => unknown }>(client: C): C {
  const query = client.query.bind(client) as (...args: unknown[]) => unknown;
  (client as { query: unknown }).query = (...args: unknown[]) => {
    const result = query(...args);
    // adapter-pg always uses the promise form.
    return result instanceof Promise ? result.then(asText) : result;
  };
  return client;
}

class CatalogTolerantPool extends pg.Pool {
  constructor(config: pg.PoolConfig) {
    // allowExitOnIdle: the CLI exits when done, not after the pool's 10 s idle timeout.
    super({ ...config, allowExitOnIdle: true });
    patchQuery(this);
  }

  // Both of pg's forms: adapter-pg awaits a client, pool.query() passes a callback.
  override connect(): Promise<pg.PoolClient>;
  override connect(callback: (err: Error | undefined, client: pg.PoolClient | undefined, done: (release?: unknown) => void) => void): void;
  override connect(callback?: (err: Error | undefined, client: pg.PoolClient | undefined, done: (release?: unknown) => void) => void) {
    if (!callback) return super.connect().then(patchQuery);
    super.connect((err, client, done) => callback(err, client && patchQuery(client), done));
  }
}

export class MigratePrismaPg extends PrismaPg {
  readonly #url: string;

  constructor(url: string) {
    super(new CatalogTolerantPool({ connectionString: url }), { disposeExternalPool: true });
    this.#url = url;
  }

  override async connectToShadowDb() {
    const main = await this.connect();
    const database = `prisma_migrate_shadow_db_${randomUUID().replaceAll("-", "")}`;
    await main.executeScript(`CREATE DATABASE "${database}"`);
    const url = new URL(this.#url);
    url.pathname = `/${database}`;
    const shadow = await new PrismaPg(new CatalogTolerantPool({ connectionString: url.toString() }), { disposeExternalPool: true }).connect();
    const dispose = shadow.dispose.bind(shadow);
    shadow.dispose = async () => {
      await dispose();
      await main.executeScript(`DROP DATABASE IF EXISTS "${database}"`);
      await main.dispose();
    };
    return shadow;
  }
}
