import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";

import { parseCli } from "../../lib/pipeline/cli";

describe("generate CLI", () => {
  it("parses every option", () => {
    const o = parseCli(
      "--prompt,a red ball,--negative,blur,--seed,7,--steps,12,--guidance,3.5,--frames,20,--extend,1,--model,m,--out,x.mp4,--provider,auto,--scheduler,flow-match-dpmpp-2m".split(","),
    );
    expect(o).toMatchObject({
      prompt: "a red ball",
      negativePrompt: "blur",
      seed: 7,
      steps: 12,
      guidance: 3.5,
      frames: 20,
      extend: 1,
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
    expect(() => parseCli(["--seed", "1"])).toThrow(/--prompt is required/);
    expect(() => parseCli(["--prompt", "x", "--colour", "red"])).toThrow(/colour/);
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
