// `npm start`: build once if needed, apply the database migrations, then serve the production
// app with `next start` beside one queue worker (`npm run worker` starts more, here or on other
// machines; START_WORKER=0 serves the web app alone, for a web host without the model's
// hardware). The web server listens on 127.0.0.1 unless HOST names another address. Ctrl-C or SIGTERM stops both; the worker first returns its running job to the queue.
//
// Both are supervised (./supervise.mjs): one that dies is restarted after a delay that doubles
// with each restart, and every restart is logged with its cause; the other keeps running, so a
// crashed worker does not take the web server down (its job resumes from its last resume state once
// the lease runs out). More than START_RESTARTS restarts (default 5) of one of them within
// START_RESTART_WINDOW_S (default 60) is a crash loop: the launcher says so, stops both and
// exits non-zero, as it does at once when the worker exits with status 2 (it cannot run as
// configured: a bad provider, no model, no ffmpeg).
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

import { tsImport } from "tsx/esm/api";

import { supervise } from "./supervise.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const nextBin = join(root, "node_modules", "next", "dist", "bin", "next");
const prismaBin = join(root, "node_modules", "prisma", "build", "index.js");
// The environment is read and checked by lib/config.ts, this launcher's settings and the web
// server's alike, so a bad value stops `npm start` at once with the variable named (the worker
// checks its own when it starts, and exits with status 2).
const { ConfigError, checkServerConfig, startConfig } = await tsImport("../lib/config.ts", import.meta.url);
const log = (line) => console.log(`start: ${line}`);
const fail = (line, status = 2) => {
  console.error(`start: ${line}`);
  process.exit(status);
};
let settings;
try {
  settings = startConfig();
  checkServerConfig();
} catch (err) {
  if (!(err instanceof ConfigError)) throw err;
  fail(`cannot start: ${err.message}`);
}
// Loopback unless told otherwise, as ComfyUI and AUTOMATIC1111 do: HOST=0.0.0.0 (or an address)
// opens the studio to the network, which makes it a shared instance (lib/auth/mode.ts reads
// HOST in the web server, so it is handed to it).
const { port, host, withWorker, restarts, restartWindowMs: windowMs } = settings;

// Everything the studio writes (the database, media, the secret) is the owner's alone.
process.umask(0o077);

if (!existsSync(join(root, ".next", "BUILD_ID"))) {
  log("no production build found, running `next build`");
  const build = spawnSync(process.execPath, [nextBin, "build"], { cwd: root, stdio: "inherit" });
  if (build.status !== 0) process.exit(build.status ?? 1);
}

// The database (DATABASE_URL, default ./data/spacetime.db) is created or brought up to date.
const migrate = spawnSync(process.execPath, [prismaBin, "migrate", "deploy"], { cwd: root, stdio: "inherit" });
if (migrate.status !== 0) fail("`prisma migrate deploy` failed", migrate.status ?? 1);

let stopping = false;
const children = [];
const stopAll = async (signal, status) => {
  if (stopping) return;
  stopping = true;
  await Promise.all(children.map((c) => c.stop(signal)));
  process.exit(status);
};
const childEnv = { ...process.env, HOST: host };
const common = { log, restarts, windowMs, spawnOptions: { cwd: root, stdio: "inherit", env: childEnv }, onGiveUp: (_reason, status) => void stopAll("SIGTERM", status || 1) };

children.push(supervise({ ...common, name: "web server", command: process.execPath, args: [nextBin, "start", "-p", String(port), "-H", host] }));
if (withWorker) {
  // One process (no tsx CLI wrapper) so that signals reach the worker itself.
  const workerArgs = ["--import", "tsx", join(root, "scripts", "worker.ts")];
  children.push(supervise({ ...common, name: "worker", command: process.execPath, args: workerArgs, fatalStatuses: [2] }));
}

for (const signal of ["SIGINT", "SIGTERM"]) {
  process.on(signal, () => {
    log(`${signal}: stopping`);
    void stopAll(signal, 0);
  });
}
