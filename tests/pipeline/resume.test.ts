// Denoising resume states: a run resumed from any resume state (through its bytes) ends with the
// same frames and final latent as a run that never stopped. Stub model: the point is the
// bookkeeping (noise stream, scheduler state, finished chunks), not image quality.
import { createHash } from "node:crypto";
import { afterAll, describe, expect, it } from "vitest";

import { generate, type DenoiseState, type GenerateOptions } from "../../lib/pipeline/generate";
import { decodeDenoiseState, encodeDenoiseState } from "../../lib/pipeline/resume";
import { releaseRuntimes } from "../../lib/pipeline/sessions";

const modelDir = "tests/pipeline/fixtures/stub-model";
afterAll(releaseRuntimes);

const sha = (frames: Uint8Array[]) => {
  const h = createHash("sha256");
  for (const f of frames) h.update(f);
  return h.digest("hex");
};

/** An uninterrupted run, and the bytes of every resume state it offered. */
async function reference(options: GenerateOptions) {
  const saved: { step: number; bytes: Uint8Array }[] = [];
  const result = await generate({
    ...options,
    resumeStateEvery: 1,
    onResumeState: (state, { step }) => {
      saved.push({ step, bytes: encodeDenoiseState(state) });
    },
  });
  return { result, saved };
}

const cases: [string, GenerateOptions][] = [
  ["euler, CFG, two chunks", { prompt: "a red ball bouncing in the snow", seed: 11, steps: 5, extend: 1, modelDir }],
  ["dpmpp-2m, CFG, three chunks", { prompt: "two blue fish moving left", seed: 12, steps: 4, extend: 2, scheduler: "flow-match-dpmpp-2m", modelDir }],
  ["dpmpp-2m, no guidance, random seed", { prompt: "a star spinning", steps: 6, guidance: 1, scheduler: "flow-match-dpmpp-2m", modelDir }],
  // The few-step default of issue 17: int8, guidance on some steps only (t = 1 runs the conditional half alone).
  ["dpmpp-2m, int8, guidance interval, two chunks", { prompt: "a red ball", seed: 13, steps: 6, extend: 1, scheduler: "flow-match-dpmpp-2m", precision: "int8", guidanceInterval: [0, 0.95], modelDir }],
];

describe.each(cases)("resume (%s)", (_name, options) => {
  it("from every resume state gives the frames and latent of the uninterrupted run", async () => {
    const { result, saved } = await reference(options);
    const total = result.steps * result.chunks;
    expect(saved.map((c) => c.step)).toEqual(Array.from({ length: total - 1 }, (_, i) => i + 1));
    const want = sha(result.frames);
    for (const { step, bytes } of saved) {
      const resumed = await generate({ ...options, resumeFrom: decodeDenoiseState(bytes) });
      expect(resumed.resumedAtStep, `resume state at step ${step}`).toBe(step);
      expect(resumed.seed).toBe(result.seed);
      expect(sha(resumed.frames), `frames after resuming at step ${step} of ${total}`).toBe(want);
      expect(Buffer.from(resumed.lastLatent.buffer).equals(Buffer.from(result.lastLatent.buffer))).toBe(true);
    }
  });
});

describe("resume states", () => {
  const options: GenerateOptions = { prompt: "a red ball", seed: 5, steps: 4, extend: 1, scheduler: "flow-match-dpmpp-2m", modelDir };

  it("dpmpp-2m's previous prediction matters: dropping it changes the clip", async () => {
    const { result, saved } = await reference(options);
    const mid = decodeDenoiseState(saved[1]!.bytes); // step 2 of chunk 1: the next step is second order
    expect(mid.scheduler.previous).not.toBeNull();
    const euler = { ...mid, scheduler: { ...mid.scheduler, previous: new Float32Array(mid.latent.length) } };
    const wrong = await generate({ ...options, resumeFrom: euler });
    expect(sha(wrong.frames)).not.toBe(sha(result.frames));
  });

  it("refuses a state from other settings, and damaged bytes", async () => {
    const { saved } = await reference(options);
    const state = decodeDenoiseState(saved[2]!.bytes);
    await expect(generate({ ...options, seed: 6, resumeFrom: state })).rejects.toMatchObject({ code: "BAD_RESUME_STATE", message: /other settings/ });
    await expect(generate({ ...options, steps: 5, resumeFrom: state })).rejects.toMatchObject({ code: "BAD_RESUME_STATE" });
    const damaged = Uint8Array.from(saved[2]!.bytes);
    damaged[100]! ^= 1;
    expect(() => decodeDenoiseState(damaged)).toThrow(/checksum/);
    expect(() => decodeDenoiseState(saved[2]!.bytes.subarray(0, 50))).toThrow(/checksum|bytes/);
  });

  it("offers a resume state every `resumeStateEvery` steps over all chunks, never after the last", async () => {
    const states: [number, DenoiseState][] = [];
    await generate({ ...options, resumeStateEvery: 3, onResumeState: (s, { step }) => void states.push([step, s]) });
    expect(states.map(([step, s]) => [step, s.chunk, s.step, s.chunkLatents.length])).toEqual([
      [3, 0, 3, 0],
      [6, 1, 2, 1],
    ]);
  });
});
