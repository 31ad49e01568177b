import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";

import { checkOutFolder, parseCli } from "../../lib/pipeline/cli";

describe("generate CLI", () => {
  it("parses every option", () => {
    const o = parseCli(
      "--prompt,a red ball,--negative,blur,--seed,7,--steps,12,--guidance,3.5,--frames,20,--extend,1,--loop,--plan-guidance,on,--model,m,--out,x.mp4,--provider,auto,--scheduler,flow-match-dpmpp-2m".split(","),
    );
    expect(o).toMatchObject({
      prompt: "a red ball",
      negativePrompt: "blur",
      seed: 7,
      steps: 12,
      guidance: 3.5,
      frames: 20,
      extend: 1,
      loop: true,
      planGuidance: "all",
      modelDir: "m",
      out: path.resolve("x.mp4"),
      provider: "auto",
      scheduler: "flow-match-dpmpp-2m",
    });
    expect(parseCli(["--prompt", "x"])).toMatchObject({ modelDir: "models/dev", out: path.resolve("clip.mp4") });
  });

  it("rejects malformed numbers and a missing prompt", () => {
    expect(() => parseCli(["--prompt", "x", "--seed", "-3"])).toThrow(/--seed/);
    expect(() => parseCli(["--prompt", "x", "--guidance", "lots"])).toThrow(/--guidance/);
    expect(() => parseCli(["--seed", "1"])).toThrow(/give --prompt or --shot/);
    expect(() => parseCli(["--prompt", "x", "--shot", "x:1"])).toThrow(/give --prompt or --shot \(one or more\), not both/);
    expect(() => parseCli(["--prompt", "x", "--colour", "red"])).toThrow(/colour/);
    expect(() => parseCli(["--prompt", "x", "--plan-guidance", "yes"])).toThrow(/--plan-guidance must be on, camera or off/);
    expect(parseCli(["--prompt", "x", "--plan-guidance", "camera"]).planGuidance).toBe("camera");
  });

  it("parses a storyboard of --shot PROMPT:SECONDS[:CAMERA]", () => {
    const o = parseCli(["--shot", "a red ball bouncing in the snow:4", "--shot", "at 10:30 a red ball moving right:2.5:static"]);
    expect(o.shots).toEqual([
      { prompt: "a red ball bouncing in the snow", seconds: 4 },
      { prompt: "at 10:30 a red ball moving right", seconds: 2.5, camera: "static" },
    ]);
    expect(o).not.toHaveProperty("prompt");
    expect(() => parseCli(["--shot", "a red ball"])).toThrow(/--shot must be PROMPT:SECONDS/);
    expect(() => parseCli(["--shot", "a red ball:four"])).toThrow(/--shot must be PROMPT:SECONDS/);
  });

  it("makes a storyboard end to end on the planned stub model; a camera move exits 2 naming the shot", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "spacetime-cli-"));
    const cli = (...shots: string[]) => {
      const args = ["tsx", "lib/pipeline/cli.ts", "--model", "tests/pipeline/fixtures/stub-planned-model", "--steps", "1", "--seed", "3", "--out", path.join(dir, "c.mp4")];
      try {
        return { status: 0, stdout: execFileSync("npx", [...args, ...shots.flatMap((s) => ["--shot", s])], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] }), stderr: "" };
      } catch (err) {
        return err as { status: number; stdout: string; stderr: string };
      }
    };
    try {
      const made = cli("a red ball bouncing in the snow:1", "a red ball moving right in the snow:1");
      expect(made.status, made.stderr).toBe(0);
      expect(made.stdout).toMatch(/clip: 17 frames 64x64 @ 8 fps \(2\.1\d s, 2 chunk\(s\)\)/);
      expect(made.stdout).toContain("followed a scene plan of 1 object(s)");
      const panned = cli("a red ball:1", "a red ball:1:pan-left");
      expect(panned.status).toBe(2);
      expect(panned.stderr).toMatch(/shots\.1\.camera: model .* renders no camera moves/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("refuses an --out in a folder that does not exist, or that is a file, before generating", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "spacetime-cli-"));
    try {
      expect(() => checkOutFolder(path.join(dir, "c.mp4"))).not.toThrow();
      const missing = path.join(dir, "some", "missing");
      expect(() => checkOutFolder(path.join(missing, "c.mp4"))).toThrow(`the folder ${missing} does not exist`);
      writeFileSync(path.join(dir, "file"), "");
      expect(() => checkOutFolder(path.join(dir, "file", "c.mp4"))).toThrow(/is not a folder/);
      // The CLI exits 2 with the reason (no model is loaded: this one does not even exist).
      let failure: { status: number; stderr: string } | null = null;
      try {
        execFileSync("npx", ["tsx", "lib/pipeline/cli.ts", "--prompt", "x", "--model", path.join(dir, "no-model"), "--out", path.join(missing, "c.mp4")], {
          encoding: "utf8",
          stdio: ["ignore", "pipe", "pipe"],
        });
      } catch (err) {
        failure = err as { status: number; stderr: string };
      }
      expect(failure?.status).toBe(2);
      expect(failure?.stderr).toContain(`--out: the folder ${missing} does not exist`);
      expect(readdirSync(dir)).toEqual(["file"]); // nothing created
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("takes --fps and --aspect; a bad one, or one the model lacks, exits 2 naming it", () => {
    expect(parseCli(["--prompt", "x", "--fps", "24", "--aspect", "16:9"])).toMatchObject({ fps: 24, aspect: "16:9" });
    expect(() => parseCli(["--prompt", "x", "--fps", "fast"])).toThrow(/--fps must be a non-negative integer/);
    expect(() => parseCli(["--prompt", "x", "--aspect", "wide"])).toThrow(/--aspect must be W:H/);
    const dir = mkdtempSync(path.join(tmpdir(), "spacetime-cli-"));
    try {
      const run = (...extra: string[]) => {
        try {
          execFileSync("npx", ["tsx", "lib/pipeline/cli.ts", "--prompt", "a red ball", "--steps", "1", "--model", "tests/pipeline/fixtures/stub-model", "--out", path.join(dir, "c.mp4"), ...extra], {
            encoding: "utf8",
            stdio: ["ignore", "pipe", "pipe"],
          });
          return { status: 0, stderr: "" };
        } catch (err) {
          return err as { status: number; stderr: string };
        }
      };
      const wide = run("--fps", "30");
      expect(wide.status).toBe(2);
      expect(wide.stderr).toMatch(/fps: this model makes clips at 8 or 24 fps/);
      const square = run("--aspect", "4:3");
      expect(square.status).toBe(2);
      expect(square.stderr).toMatch(/aspect: this model draws 1:1, 16:9, 9:16/);
      expect(readdirSync(dir)).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("runs end to end on the stub model", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "spacetime-cli-"));
    try {
      const args = ["--prompt", "a red ball in the sky today", "--model", "tests/pipeline/fixtures/stub-model", "--steps", "2"];
      const out = execFileSync("npx", ["tsx", "lib/pipeline/cli.ts", ...args, "--out", path.join(dir, "c.mp4")], {
        encoding: "utf8",
        stdio: ["ignore", "pipe", "pipe"],
      });
      expect(out).toContain("unknown words (the model reads them as [UNK]): today");
      expect(out).toMatch(/denoise\s+\d+\.\d\d s/);
      expect(readdirSync(dir).sort()).toEqual(["c.mp4", "c.png", "c.webm", "c.webp"]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
