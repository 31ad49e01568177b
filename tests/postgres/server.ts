/**
 * A throwaway PostgreSQL server for tests and benchmarks: initdb into a temp folder, pg_ctl on
 * a free loopback port, fsync off (the data dies with the test anyway). Debian's binaries
 * (package postgresql-15, installed by scripts/setup-system.sh) are found on PATH or under
 * /usr/lib/postgresql/<version>/bin. initdb refuses to run as root, so as root the server runs
 * as the `postgres` user the Debian package creates; otherwise as the current user.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";

import pg from "pg";

export interface PostgresServer {
  /** postgres://spacetime@127.0.0.1:PORT/<database> */
  url(database: string): string;
  createDatabase(name: string, options?: { template?: string }): Promise<string>;
  stop(): void;
}

/** The folder with initdb, pg_ctl and psql, or null when PostgreSQL is not installed. */
export function postgresBinDir(): string | null {
  const onPath = spawnSync("sh", ["-c", "command -v pg_ctl"], { encoding: "utf8" }).stdout.trim();
  // Debian links some of them into /usr/local/bin or /usr/bin: the real folder has them all (psql too).
  if (onPath) return path.dirname(realpathSync(onPath));
  const base = "/usr/lib/postgresql";
  if (!existsSync(base)) return null;
  const versions = readdirSync(base)
    .filter((v) => existsSync(path.join(base, v, "bin", "pg_ctl")))
    .sort((a, b) => Number(b) - Number(a));
  return versions.length ? path.join(base, versions[0]!, "bin") : null;
}

export const POSTGRES_MISSING =
  "PostgreSQL server binaries (initdb, pg_ctl) not found: `bash scripts/setup-system.sh` installs Debian's postgresql-15";

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export async function startPostgres(options: { maxConnections?: number } = {}): Promise<PostgresServer> {
  const bin = postgresBinDir();
  if (!bin) throw new Error(POSTGRES_MISSING);
  const dir = mkdtempSync(path.join(tmpdir(), "spacetime-pg-"));
  const asRoot = process.getuid?.() === 0;
  if (asRoot) {
    const uid = Number(execFileSync("id", ["-u", "postgres"], { encoding: "utf8" }).trim());
    const gid = Number(execFileSync("id", ["-g", "postgres"], { encoding: "utf8" }).trim());
    chownSync(dir, uid, gid);
  }
  const run = (cmd: string, args: string[]) => {
    const [file, argv] = asRoot ? ["runuser", ["-u", "postgres", "--", path.join(bin, cmd), ...args]] : [path.join(bin, cmd), args];
    const r = spawnSync(file, argv, { encoding: "utf8" });
    if (r.status !== 0) throw new Error(`${cmd} failed (${r.status}):\n${r.stderr || r.stdout}`);
  };

  const data = path.join(dir, "data");
  run("initdb", ["-D", data, "-U", "spacetime", "--auth=trust", "-E", "UTF8", "--locale=C", "--no-sync"]);
  const port = await freePort();
  const settings = [
    `-p ${port}`,
    `-k ${dir}`, // its Unix socket goes here, not to /var/run/postgresql
    "-c listen_addresses=127.0.0.1",
    "-c fsync=off",
    "-c synchronous_commit=off",
    "-c full_page_writes=off",
    `-c max_connections=${options.maxConnections ?? 200}`,
  ].join(" ");
  const log = path.join(dir, "server.log");
  try {
    run("pg_ctl", ["-D", data, "-o", settings, "-l", log, "-w", "-t", "60", "start"]);
  } catch (err) {
    const tail = existsSync(log) ? readFileSync(log, "utf8").slice(-2000) : "";
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`${(err as Error).message}\n${tail}`);
  }

  const url = (database: string) => `postgres://spacetime@127.0.0.1:${port}/${database}`;
  let stopped = false;
  const stop = () => {
    if (stopped) return;
    stopped = true;
    try {
      run("pg_ctl", ["-D", data, "-m", "immediate", "-w", "stop"]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
  // A test run that dies must not leave a server behind.
  process.once("exit", stop);

  return {
    url,
    async createDatabase(name, o = {}) {
      if (!/^[a-z0-9_]+$/.test(name)) throw new Error(`bad database name ${name}`);
      const client = new pg.Client({ connectionString: url("postgres") });
      await client.connect();
      try {
        await client.query(`CREATE DATABASE "${name}"${o.template ? ` TEMPLATE "${o.template}"` : ""}`);
      } finally {
        await client.end();
      }
      return url(name);
    },
    stop,
  };
}

