// loadModel's refusals, on a throwaway directory of dummy files (no ONNX needed).
import { createHash } from "node:crypto";
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";

import { loadModel, parseManifest } from "../../lib/pipeline/manifest";
import { cudaInstalled, getRuntime } from "../../lib/pipeline/sessions";

const STUB = "tests/pipeline/fixtures/stub-model";
const root = mkdtempSync(path.join(tmpdir(), "spacetime-manifest-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** A copy of the stub model to break in one way. */
function copy(name: string, edit?: (manifest: Record<string, any>) => void): string {
  const dir = path.join(root, name);
  cpSync(STUB, dir, { recursive: true });
  if (edit) {
    const file = path.join(dir, "model.json");
    const m = JSON.parse(readFileSync(file, "utf8"));
    edit(m);
    writeFileSync(file, JSON.stringify(m));
  }
  return dir;
}

describe("loadModel", () => {
  it("loads the stub model and verifies its hashes", async () => {
    const model = await loadModel(STUB);
    expect(model.manifest.format_version).toBe(1);
    expect(path.basename(model.paths.dit)).toBe("dit.onnx");
    const dit = createHash("sha256").update(readFileSync(model.paths.dit)).digest("hex");
    expect(dit).toBe(model.manifest.files.dit.sha256);
  });

  it("no model.json: MODEL_FILE_MISSING naming the directory", async () => {
    await expect(loadModel(path.join(root, "nowhere"))).rejects.toMatchObject({
      code: "MODEL_FILE_MISSING",
      message: expect.stringContaining("nowhere"),
    });
  });

  it("a listed file missing: MODEL_FILE_MISSING naming it", async () => {
    const dir = copy("missing");
    rmSync(path.join(dir, "vae_decoder.onnx"));
    await expect(loadModel(dir)).rejects.toMatchObject({ code: "MODEL_FILE_MISSING", message: expect.stringContaining("vae_decoder.onnx") });
  });

  it("a corrupt file: MODEL_FILE_CORRUPT naming it", async () => {
    const dir = copy("corrupt");
    const file = path.join(dir, "dit.onnx");
    const bytes = readFileSync(file);
    bytes[bytes.length - 1] ^= 0xff;
    writeFileSync(file, bytes);
    await expect(loadModel(dir)).rejects.toMatchObject({ code: "MODEL_FILE_CORRUPT", message: expect.stringMatching(/"dit\.onnx".*sha256/) });
  });

  it("a bad manifest: BAD_MANIFEST listing the zod issues", async () => {
    const dir = copy("bad", (m) => {
      m.limits.steps = [10, 1];
      delete m.latent.channels;
      m.files.dit.path = "../../etc/passwd";
    });
    const err = await loadModel(dir).catch((e) => e);
    expect(err.code).toBe("BAD_MANIFEST");
    expect(err.message).toMatch(/limits\.steps/);
    expect(err.message).toMatch(/latent\.channels/);
    expect(err.message).toMatch(/files\.dit\.path: must be a relative path/);
  });

  it("cross-field checks: preview rows per channel, context leaves room", () => {
    const m = JSON.parse(readFileSync(path.join(STUB, "model.json"), "utf8"));
    expect(() => parseManifest({ ...m, preview: { ...m.preview, latent_to_rgb: [[0, 0, 0]] } })).toThrow(/one row per latent channel/);
    expect(() => parseManifest({ ...m, context_frames: { max: m.latent.frames } })).toThrow(/at least one latent frame/);
    expect(() => parseManifest({ ...m, format_version: 2 })).toThrow(/format_version/);
  });
});

describe("execution providers", () => {
  it.skipIf(cudaInstalled())("cuda without its libraries: PROVIDER_UNAVAILABLE saying what to do", async () => {
    await expect(getRuntime(STUB, { provider: "cuda" })).rejects.toMatchObject({
      code: "PROVIDER_UNAVAILABLE",
      message: expect.stringMatching(/cuda.*--provider cpu/is),
    });
  });

  it("an unknown provider is a bad input", async () => {
    await expect(getRuntime(STUB, { provider: "tpu" as never })).rejects.toMatchObject({ code: "BAD_INPUT" });
  });
});
