// The launcher's supervisor (scripts/start.mjs): keeps one child process running, restarting
// it when it dies with a growing delay and a log line saying why, and gives up on a crash loop
// (too many restarts in a short window) or on an exit status that says a restart cannot help.
import { spawn } from "node:child_process";

const SIGNALS = { SIGINT: 2, SIGTERM: 15, SIGKILL: 9, SIGSEGV: 11, SIGABRT: 6 };

/** The conventional status of a process: its exit code, or 128 + the signal that ended it. */
export function exitStatus(code, signal) {
  return code ?? 128 + (SIGNALS[signal] ?? 1);
}

/**
 * Starts `command args` and keeps it running until stop().
 *
 * options: name (for the log), command, args, spawnOptions, log (line => void),
 *   restarts (at most this many in `windowMs`, then give up; default 5 in 60 s),
 *   delayMs (first restart's delay, doubling with each restart in the window; default 1000),
 *   fatalStatuses (exit statuses that mean "do not restart": the child said it cannot run),
 *   onGiveUp(reason, status): called once when the supervisor stops trying.
 * Returns { stop(signal): Promise<status>, pid(): number | undefined, restarts(): number }.
 */
export function supervise(options) {
  const { name, command, args, spawnOptions = {}, log, onGiveUp } = options;
  const limit = options.restarts ?? 5;
  const windowMs = options.windowMs ?? 60_000;
  const delayMs = options.delayMs ?? 1_000;
  const fatal = new Set(options.fatalStatuses ?? []);
  const recent = []; // restart times within the window
  let child = null;
  let stopping = false;
  let timer = null;
  let total = 0;
  let exited = null; // resolves with the last child's status once stopping and it is gone

  function start() {
    child = spawn(command, args, spawnOptions);
    log(`${name} started (pid ${child.pid})`);
    const current = child;
    current.on("error", (err) => log(`${name} could not be started: ${err.message}`));
    current.on("exit", (code, signal) => {
      const status = exitStatus(code, signal);
      if (child === current) child = null;
      if (stopping) return exited?.resolve(status);
      const how = signal ? `was killed by ${signal}` : `exited with status ${code}`;
      if (fatal.has(status)) return giveUp(`${name} ${how}, which means it cannot run as configured (see its message above)`, status);
      const now = Date.now();
      while (recent.length && now - recent[0] > windowMs) recent.shift();
      if (recent.length >= limit) {
        return giveUp(`${name} ${how}; it died ${recent.length + 1} times in ${Math.round(windowMs / 1000)} s, so it is not restarted again (a crash loop: see its messages above)`, status || 1);
      }
      recent.push(now);
      total++;
      const wait = Math.min(delayMs * 2 ** (recent.length - 1), 30_000);
      log(`${name} ${how}; restarting it in ${wait} ms (restart ${recent.length} of at most ${limit} in ${Math.round(windowMs / 1000)} s)`);
      timer = setTimeout(() => {
        timer = null;
        if (!stopping) start();
      }, wait);
    });
  }

  function giveUp(reason, status) {
    stopping = true;
    log(`giving up: ${reason}`);
    onGiveUp?.(reason, status);
  }

  start();
  return {
    pid: () => child?.pid,
    restarts: () => total,
    /** Stops supervising and ends the child with `signal`; resolves with its status (0 if none was running). */
    stop(signal = "SIGTERM") {
      stopping = true;
      if (timer) clearTimeout(timer);
      if (!child) return Promise.resolve(0);
      return new Promise((resolve) => {
        exited = { resolve };
        child.kill(signal);
      });
    },
  };
}
