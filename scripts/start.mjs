// `npm start`: build once if needed, then serve the production app with `next start`.
import { spawn, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const nextBin = join(root, "node_modules", "next", "dist", "bin", "next");
const port = process.env.PORT || "3000";

if (!existsSync(join(root, ".next", "BUILD_ID"))) {
  console.log("start: no production build found, running `next build`");
  const build = spawnSync(process.execPath, [nextBin, "build"], { cwd: root, stdio: "inherit" });
  if (build.status !== 0) {
    process.exit(build.status ?? 1);
  }
}

const child = spawn(process.execPath, [nextBin, "start", "-p", port], { cwd: root, stdio: "inherit" });

for (const signal of ["SIGINT", "SIGTERM"]) {
  process.on(signal, () => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
  });
}

child.on("exit", (code, signal) => {
  if (code !== null) process.exit(code);
  // Child ended by a signal: conventional 128 + signal number.
  const signals = { SIGINT: 2, SIGTERM: 15, SIGKILL: 9 };
  process.exit(128 + (signals[signal] ?? 1));
});
