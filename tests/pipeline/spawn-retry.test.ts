/**
 * ffmpeg spawns that fail for lack of resources (EAGAIN, ENOMEM) are tried again and, if they
 * keep failing, reported as such (FFMPEG_FAILED, retried with the job), never as a missing
 * ffmpeg; a binary that is not there is FFMPEG_MISSING. node:child_process's spawn is wrapped
 * so that the first calls fail the way Node fails them: ENOMEM thrown at once, EAGAIN as an
 * "error" event of a process that never started.
 */
import { EventEmitter } from "node:events";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { PassThrough } from "node:stream";
import { afterAll, beforeEach, describe, expect, it, vi } from "vitest";

const faults = vi.hoisted(() => ({ queue: [] as ("ENOMEM" | "EAGAIN")[], spawns: 0 }));

vi.mock("node:child_process", async (importOriginal) => {
  const real = await importOriginal<typeof import("node:child_process")>();
  const errno = (code: string) => Object.assign(new Error(`spawn ${code}`), { code, errno: code === "ENOMEM" ? -12 : -11, syscall: "spawn" });
  const spawn = ((...args: Parameters<typeof real.spawn>) => {
    faults.spawns++;
    const fault = faults.queue.shift();
    if (fault === "ENOMEM") throw errno("ENOMEM");
    if (fault === "EAGAIN") {
      // What Node hands back for a spawn that failed: pipes that lead nowhere, no pid, an "error" soon after.
      const child = Object.assign(new EventEmitter(), { pid: undefined, exitCode: null, stdin: new PassThrough(), stderr: new PassThrough(), kill: () => false });
      process.nextTick(() => child.emit("error", errno("EAGAIN")));
      return child;
    }
    return real.spawn(...args);
  }) as typeof real.spawn;
  return { ...real, spawn, default: { ...real, spawn } };
});

const { mux } = await import("../../lib/pipeline/ffmpeg");

const dir = mkdtempSync(path.join(tmpdir(), "spacetime-spawn-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
beforeEach(() => {
  faults.queue = [];
  faults.spawns = 0;
});

const W = 16;
const H = 16;
const frames = Array.from({ length: 3 }, (_, f) => new Uint8Array(W * H * 3).fill(40 * f));
const muxTo = (name: string, ffmpegPath?: string) => mux({ frames, width: W, height: H, fps: 8, outputs: { mp4: path.join(dir, name) }, ffmpegPath });

describe("spawning ffmpeg", () => {
  it("tries again after EAGAIN and ENOMEM, and the clip is written", async () => {
    faults.queue = ["ENOMEM", "EAGAIN"];
    const out = await muxTo("retried.mp4");
    expect(existsSync(out.mp4!)).toBe(true);
    expect(faults.spawns).toBe(3);
  });

  it("a system that stays short of resources is FFMPEG_FAILED (the job is retried), not FFMPEG_MISSING", async () => {
    faults.queue = ["EAGAIN", "EAGAIN", "ENOMEM", "EAGAIN", "EAGAIN"];
    await expect(muxTo("never.mp4")).rejects.toMatchObject({ code: "FFMPEG_FAILED", message: expect.stringMatching(/could not start ffmpeg \(EAGAIN, 4 tries\)/) });
    expect(faults.spawns).toBe(4);
    expect(existsSync(path.join(dir, "never.mp4"))).toBe(false);
  });

  it("a binary that is not there is FFMPEG_MISSING at once", async () => {
    await expect(muxTo("missing.mp4", path.join(dir, "no-such-ffmpeg"))).rejects.toMatchObject({ code: "FFMPEG_MISSING" });
  });
});
