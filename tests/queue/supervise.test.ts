/**
 * scripts/supervise.mjs, the launcher's supervisor, on real child processes: a child killed by
 * SIGKILL is restarted and the restart logged with its cause; a crash loop gives up with a
 * message saying so; an exit status marked fatal is not restarted; stop() ends the child.
 */
import { afterEach, describe, expect, it } from "vitest";

import { supervise, type SuperviseOptions, type Supervised } from "../../scripts/supervise.mjs";
import { waitFor } from "./helpers";

const running: Supervised[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((s) => s.stop("SIGKILL")));
});

function start(script: string, extra: Partial<SuperviseOptions> = {}) {
  const lines: string[] = [];
  const gaveUp: { reason: string; status: number }[] = [];
  const s = supervise({
    name: "child",
    command: process.execPath,
    args: ["-e", script],
    spawnOptions: { stdio: "ignore" },
    log: (l: string) => lines.push(l),
    delayMs: 20,
    onGiveUp: (reason: string, status: number) => gaveUp.push({ reason, status }),
    ...extra,
  });
  running.push(s);
  return { s, lines, gaveUp };
}

describe("the launcher's supervisor", () => {
  it("restarts a child killed by SIGKILL, logging what it restarted and why", async () => {
    const { s, lines } = start("setInterval(() => {}, 1000)");
    const first = s.pid()!;
    process.kill(first, "SIGKILL");
    await waitFor(async () => s.pid() !== undefined && s.pid() !== first, 10_000, "the restart");
    expect(lines).toContain(`child started (pid ${first})`);
    expect(lines).toContain("child was killed by SIGKILL; restarting it in 20 ms (restart 1 of at most 5 in 60 s)");
    expect(lines.at(-1)).toBe(`child started (pid ${s.pid()})`);
    expect(s.restarts()).toBe(1);
    expect(await s.stop()).toBe(128 + 15);
  });

  it("gives up on a crash loop with a clear message instead of spinning", async () => {
    const { s, lines, gaveUp } = start("process.exit(1)", { restarts: 3, windowMs: 60_000 });
    await waitFor(async () => gaveUp.length > 0, 10_000, "the supervisor to give up");
    expect(s.restarts()).toBe(3);
    expect(gaveUp).toEqual([{ reason: expect.stringMatching(/^child exited with status 1; it died 4 times in 60 s, so it is not restarted again \(a crash loop/), status: 1 }]);
    expect(lines.at(-1)).toMatch(/^giving up: child exited with status 1; it died 4 times/);
    await new Promise((r) => setTimeout(r, 200));
    expect(s.pid()).toBeUndefined(); // nothing was started after giving up
  });

  it("does not restart a child whose exit status says it cannot run as configured", async () => {
    const { s, gaveUp } = start("process.exit(2)", { fatalStatuses: [2] });
    await waitFor(async () => gaveUp.length > 0, 10_000, "the supervisor to give up");
    expect(s.restarts()).toBe(0);
    expect(gaveUp[0]).toMatchObject({ status: 2, reason: expect.stringMatching(/cannot run as configured/) });
  });
});
