// "Continue from here" (issue 18): a clip re-made from its settings up to the cut, then continued.
// It is only a continuation if the new clip's first frames are the clip's own, byte for byte.
import { afterAll, describe, expect, it } from "vitest";

import { generate } from "../../lib/pipeline/generate";
import { releaseRuntimes } from "../../lib/pipeline/sessions";

afterAll(releaseRuntimes);

const STUB = "tests/pipeline/fixtures/stub-model";
const PLANNED = "tests/pipeline/fixtures/stub-planned-model";
const same = (a: Uint8Array[], b: Uint8Array[]) => Buffer.concat(a).equals(Buffer.concat(b));

describe("continue from a frame", () => {
  const base = { prompt: "a red ball bouncing in the snow", seed: 21, steps: 2, modelDir: STUB, previewEvery: 0, extend: 1 };

  // The stub's windows: 5 latent frames of 2 video frames each (9 frames), 1 context frame, so chunk 1 adds frames 10-17.
  it.each([
    [6, 5], // inside the first chunk: latent frames 0-2 kept
    [12, 11], // inside the second chunk
    [17, 17], // the clip's last frame: every frame kept
  ])("at frame %i keeps the clip's first %i frames exactly, then continues under the new prompt", async (frame, kept) => {
    const clip = await generate(base);
    expect(clip.frames).toHaveLength(17);
    const more = await generate({ ...base, extend: 0, prompt: "a blue cube sliding in the desert", frames: kept + 8, continueOf: { frame, prompt: base.prompt, plan: null } });
    expect(more.cutFrames).toBe(kept);
    expect(more.frames).toHaveLength(kept + 8);
    expect(same(more.frames.slice(0, kept), clip.frames.slice(0, kept))).toBe(true);
    // The new frames are new: not the clip's frames after the cut (where it had any).
    if (kept < clip.frames.length) expect(same(more.frames.slice(kept, 17), clip.frames.slice(kept))).toBe(false);
  });

  it("at the clip's last frame, under its own prompt, is the clip extended by a chunk (conditioned on the frames before the cut)", async () => {
    const extended = await generate({ ...base, extend: 2 });
    const more = await generate({ ...base, extend: 0, frames: 25, continueOf: { frame: 17, prompt: base.prompt, plan: null } });
    expect(same(more.frames, extended.frames)).toBe(true);
  });

  it("refuses a length that keeps no new frame, and a plan of its own, naming the field", async () => {
    const continueOf = { frame: 6, prompt: base.prompt, plan: null };
    await expect(generate({ ...base, extend: 0, frames: 5, continueOf })).rejects.toMatchObject({ code: "BAD_INPUT", message: expect.stringMatching(/^frames: 5, no more than the 5 kept/) });
    await expect(generate({ ...base, extend: 0, frames: 9, continueOf, plan: null })).rejects.toMatchObject({ code: "BAD_INPUT", message: expect.stringMatching(/^plan: /) });
    await expect(generate({ ...base, extend: 0, frames: 9, continueOf, loop: true })).rejects.toMatchObject({ code: "BAD_INPUT", message: expect.stringMatching(/continueOf: /) });
  });
});

describe("continue a planned clip from a frame", () => {
  const base = { prompt: "a red ball moving right in the snow", seed: 5, steps: 2, modelDir: PLANNED, previewEvery: 0, fps: 8 };

  it("keeps the clip's frames and plan up to the cut, and its objects go on from where they are", async () => {
    const clip = await generate({ ...base, extend: 1 });
    const more = await generate({ ...base, prompt: "a red ball moving left in the snow", frames: 11 + 16, continueOf: { frame: 12, prompt: base.prompt, plan: clip.plan } });
    expect(more.cutFrames).toBe(11);
    expect(same(more.frames.slice(0, 11), clip.frames.slice(0, 11))).toBe(true);
    const [was] = clip.plan!.objects;
    const [ball] = more.plan!.objects;
    expect(ball!.id).toBe(was!.id);
    expect(ball!.track.x.slice(0, 11)).toEqual(was!.track.x.slice(0, 11));
    // No jump at the cut: one frame's step, at most what the clip's own steps were; then it heads left.
    const step = Math.max(...was!.track.x.slice(1, 11).map((x, i) => Math.abs(x - was!.track.x[i]!)));
    expect(Math.abs(ball!.track.x[11]! - ball!.track.x[10]!)).toBeLessThanOrEqual(step + 1e-9);
    expect(ball!.track.x[26]!).toBeLessThan(ball!.track.x[10]!);
    // The plan covers every window the run decoded.
    expect(more.plan!.frames).toBeGreaterThanOrEqual(27);
  });
});
