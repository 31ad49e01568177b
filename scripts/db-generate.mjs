// `npm run db:generate` (also the postinstall step): generates both Prisma clients from their
// schemas, the SQLite one to node_modules/.prisma/client (what @prisma/client exports) and the
// PostgreSQL one to node_modules/.prisma/client-postgresql (lib/db/client.ts loads it for
// postgres:// URLs).
//
// A client generated to a custom folder gets its own copy of Prisma's runtime. The queue's SQL
// is built with Prisma.sql from @prisma/client, and a runtime only splices fragments made by
// its own Sql class (others become bound parameters), so the copy is replaced by the very
// module @prisma/client uses: same version, same install.
import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const cli = join(root, "node_modules", "prisma", "build", "index.js");

// Each schema with a URL of its own provider: prisma.config.ts picks the provider from
// DATABASE_URL, and a mismatch sends `prisma generate` off to download a query engine.
const clients = [
  { schema: "prisma/schema.prisma", url: "file:./data/spacetime.db" },
  { schema: "prisma/postgresql/schema.prisma", url: "postgresql://localhost/generate-only" },
];
for (const { schema, url } of clients) {
  const run = spawnSync(process.execPath, [cli, "generate", "--schema", schema], {
    cwd: root,
    stdio: "inherit",
    env: { ...process.env, DATABASE_URL: url, PRISMA_HIDE_UPDATE_MESSAGE: "1" },
  });
  if (run.status !== 0) process.exit(run.status ?? 1);
}

writeFileSync(
  join(root, "node_modules", ".prisma", "client-postgresql", "runtime", "client.js"),
  "// Replaced by scripts/db-generate.mjs: one runtime (and one Prisma.sql) for both clients.\nmodule.exports = require('@prisma/client/runtime/client.js');\n",
);
