// "Extend" (lib/queue/extend.ts) re-makes a clip with one chunk more: that is only a
// continuation if the longer run's first frames are exactly the shorter run's.
import { afterAll, describe, expect, it } from "vitest";

import { generate } from "../../lib/pipeline/generate";
import { releaseRuntimes } from "../../lib/pipeline/sessions";

afterAll(releaseRuntimes);

describe("extend", () => {
  it.each([0, 1])("a clip of %i extra chunk(s), made again with one more, starts with the same frames", async (extend) => {
    const base = { prompt: "a red ball bouncing in the snow", seed: 21, steps: 3, modelDir: "tests/pipeline/fixtures/stub-model" };
    const short = await generate({ ...base, extend });
    const long = await generate({ ...base, extend: extend + 1 });
    expect(long.frames.length).toBeGreaterThan(short.frames.length);
    expect(Buffer.concat(long.frames.slice(0, short.frames.length)).equals(Buffer.concat(short.frames))).toBe(true);
  });
});
