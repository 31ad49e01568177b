// `npm start`: build once if needed, apply the database migrations, then serve the production
// app with `next start` beside one queue worker (`npm run worker` starts more, here or on other
// machines; START_WORKER=0 serves the web app alone, for a web host without the model's
// hardware). Ctrl-C or SIGTERM stops both; the worker first returns its running job to the queue.
import { spawn, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const nextBin = join(root, "node_modules", "next", "dist", "bin", "next");
const prismaBin = join(root, "node_modules", "prisma", "build", "index.js");
const port = process.env.PORT || "3000";
if (!["", "0", "1"].includes(process.env.START_WORKER ?? "")) {
  console.error(`start: START_WORKER must be 1 (default) or 0, got "${process.env.START_WORKER}"`);
  process.exit(2);
}
const withWorker = process.env.START_WORKER !== "0";

if (!existsSync(join(root, ".next", "BUILD_ID"))) {
  console.log("start: no production build found, running `next build`");
  const build = spawnSync(process.execPath, [nextBin, "build"], { cwd: root, stdio: "inherit" });
  if (build.status !== 0) {
    process.exit(build.status ?? 1);
  }
}

// The database (DATABASE_URL, default ./data/spacetime.db) is created or brought up to date.
const migrate = spawnSync(process.execPath, [prismaBin, "migrate", "deploy"], { cwd: root, stdio: "inherit" });
if (migrate.status !== 0) {
  console.error("start: `prisma migrate deploy` failed");
  process.exit(migrate.status ?? 1);
}

const children = [
  spawn(process.execPath, [nextBin, "start", "-p", port], { cwd: root, stdio: "inherit" }),
  // One process (no tsx CLI wrapper) so that signals reach the worker itself.
  ...(withWorker ? [spawn(process.execPath, ["--import", "tsx", join(root, "scripts", "worker.ts")], { cwd: root, stdio: "inherit" })] : []),
];
const running = (c) => c.exitCode === null && c.signalCode === null;
let stopping = false;

for (const signal of ["SIGINT", "SIGTERM"]) {
  process.on(signal, () => {
    stopping = true;
    for (const c of children) if (running(c)) c.kill(signal);
  });
}

let status = 0;
for (const child of children) {
  child.on("exit", (code, signal) => {
    // Child ended by a signal: conventional 128 + signal number.
    const signals = { SIGINT: 2, SIGTERM: 15, SIGKILL: 9 };
    const childStatus = code ?? 128 + (signals[signal] ?? 1);
    if (!stopping) {
      // One of the two died on its own: stop the other rather than run half a studio.
      stopping = true;
      status = childStatus || 1;
      for (const c of children) if (running(c)) c.kill("SIGTERM");
    } else if (code !== 0 && signal === null) {
      status ||= childStatus;
    }
    if (!children.some(running)) process.exit(status);
  });
}
