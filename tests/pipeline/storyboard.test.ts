// Storyboards through generate(), on the planned stub model: one job over all shots, one plan,
// the context frames chained through every chunk, each chunk conditioned on its shot's text,
// the storyboard in the MP4, and bad storyboards refused naming the field.
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";

import { chunkPrompts } from "../../lib/pipeline/chunk-prompts";
import { PipelineError } from "../../lib/pipeline/errors";
import { generate, type GenerateOptions } from "../../lib/pipeline/generate";
import { releaseRuntimes } from "../../lib/pipeline/sessions";
import { extendPlan } from "../../lib/plan/extend";
import { planStoryboard } from "../../lib/storyboard/plan";
import { badInput } from "./bad-input";

const planned = "tests/pipeline/fixtures/stub-planned-model"; // 9-frame windows of 64x64 at 8 fps, 8 new frames per chunk
const out = mkdtempSync(path.join(tmpdir(), "spacetime-storyboard-"));
afterAll(async () => {
  rmSync(out, { recursive: true, force: true });
  await releaseRuntimes();
});

const A = "a red ball bouncing in the snow";
const B = "a red ball bouncing in the snow at dusk"; // plans as A does, reads differently
const base = { seed: 5, steps: 2, modelDir: planned, previewEvery: 0 } satisfies Partial<GenerateOptions>;
const bytes = (frames: Uint8Array[]) => Buffer.concat(frames);

describe("chunkPrompts", () => {
  const shots = [{ prompt: "one", seconds: 1 }, { prompt: "two", seconds: 2 }, { prompt: "three", seconds: 0.5 }];
  it("gives each chunk the shot its own frames mostly cover", () => {
    // 8 fps: shots at frames 0-7, 8-23, 24-28; windows of 9, 8 new frames each.
    expect(chunkPrompts({ prompt: "x", shots }, { chunks: 4, window: 9, stride: 8, fps: 8 })).toEqual(["one", "two", "two", "three"]);
  });
  it("gives one prompt to every chunk", () => {
    expect(chunkPrompts({ prompt: "x" }, { chunks: 3, window: 9, stride: 8, fps: 8 })).toEqual(["x", "x", "x"]);
  });
});

describe("storyboards in generate()", () => {
  it("makes one clip of the shots' length that follows the storyboard's one plan", async () => {
    const shots = [{ prompt: A, seconds: 1 }, { prompt: "a red ball moving right in the snow", seconds: 1 }];
    const r = await generate({ ...base, shots });
    expect(r.frames.length).toBe(17);
    expect(r.chunks).toBe(2);
    expect(r.plan).toEqual(extendPlan(planStoryboard(shots, { width: 64, height: 64, fps: 8 }, 5)!, 17));
  });

  it("conditions each chunk on its own shot's text, chaining the context frames through the cut", async () => {
    const same = await generate({ ...base, shots: [{ prompt: A, seconds: 1 }, { prompt: A, seconds: 1 }] });
    const changed = await generate({ ...base, shots: [{ prompt: A, seconds: 1 }, { prompt: B, seconds: 1 }] });
    expect(changed.plan).toEqual(same.plan); // the same plan: only the second chunk's text differs
    expect(bytes(changed.frames.slice(0, 9)).equals(bytes(same.frames.slice(0, 9)))).toBe(true);
    expect(bytes(changed.frames.slice(9)).equals(bytes(same.frames.slice(9)))).toBe(false);
    // A storyboard whose shots all say A is the clip of prompt A over the same plan.
    const one = await generate({ ...base, prompt: A, frames: 17, plan: same.plan });
    expect(bytes(one.frames).equals(bytes(same.frames))).toBe(true);
  });

  it("writes the storyboard into the MP4 beside the plan, with the shots' prompts joined as its prompt", async () => {
    const shots = [{ prompt: A, seconds: 1 }, { prompt: B, seconds: 0.5 }];
    const r = await generate({ ...base, shots, out: path.join(out, "board.mp4"), formats: ["mp4"] });
    const probe = JSON.parse(
      execFileSync("ffprobe", ["-v", "error", "-show_entries", "format_tags=comment,title", "-of", "json", r.outputs.mp4!], { encoding: "utf8" }),
    ) as { format: { tags: { comment: string; title: string } } };
    const comment = JSON.parse(probe.format.tags.comment) as { prompt: string; shots: unknown; plan: unknown };
    expect(comment.shots).toEqual(shots.map((s) => ({ ...s, camera: "static" })));
    expect(comment.prompt).toBe(`${A} / ${B}`);
    expect(probe.format.tags.title).toBe(`${A} / ${B}`);
    expect(comment.plan).toEqual(r.plan);
  });

  it("refuses bad storyboards, naming the field", async () => {
    expect(await badInput({ ...base, shots: [] })).toMatch(/shots: a storyboard needs at least one shot/);
    expect(await badInput({ ...base, shots: [{ prompt: A, seconds: 1 }, { prompt: A, seconds: 0 }] })).toMatch(/shots\.1\.seconds: a shot lasts more than 0 s/);
    expect(await badInput({ ...base, shots: [{ prompt: A, seconds: 1, camera: "pan-left" }] })).toMatch(/shots\.0\.camera: model .* renders no camera moves/);
    expect(await badInput({ ...base, shots: [{ prompt: "  ", seconds: 1 }] })).toMatch(/shots\.0\.prompt: must not be empty/);
    expect(await badInput({ ...base, shots: [{ prompt: A, seconds: 40 }, { prompt: A, seconds: 21 }] })).toMatch(/shots: at most 60 s in all/);
    expect(await badInput({ ...base, prompt: A, shots: [{ prompt: A, seconds: 1 }] })).toMatch(/shots: give either prompt or shots/);
    expect(await badInput({ ...base })).toMatch(/prompt: give either prompt or shots/);
    expect(await badInput({ ...base, shots: [{ prompt: A, seconds: 1 }], frames: 20 })).toMatch(/frames: a storyboard's length is its shots'/);
    expect(await badInput({ ...base, shots: [{ prompt: A, seconds: 1 }], plan: (await generate({ ...base, prompt: A })).plan })).toMatch(/plan: a storyboard is planned from its shots/);
    expect(await badInput({ ...base, shots: [{ prompt: "a red ball and a blue car", seconds: 1 }, { prompt: "a green cube and a white bird", seconds: 1 }] })).toMatch(
      /shots: shots\.1: the shots name more than 3 different objects/,
    );
  });
});
