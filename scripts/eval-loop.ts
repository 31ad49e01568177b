/**
 * npm run eval:loop -- [--model DIR] [--prompts N] [--steps N] [--fps N] [--threads N]
 *
 * How seamless loops are (issue 18): the TypeScript pipeline makes each held-out prompt
 * (seed = prompt index) as a loop, and for each clip prints the seam, the mean absolute
 * difference between its last and first frames (0-255), beside its median frame-to-frame
 * difference; a seam no larger than the median passes. The same prompts without --loop give
 * the seam a clip has when nothing closes it.
 */
import { parseArgs } from "node:util";

import { DEFAULT_MODEL_DIR, generate } from "../lib/pipeline/generate";
import { heldoutPrompts } from "./bench/worldbench";

const { values: args } = parseArgs({
  options: {
    model: { type: "string", default: DEFAULT_MODEL_DIR },
    prompts: { type: "string", default: "12" },
    steps: { type: "string" },
    fps: { type: "string" },
    threads: { type: "string" },
  },
});

const meanAbsDiff = (a: Uint8Array, b: Uint8Array) => {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += Math.abs(a[i]! - b[i]!);
  return sum / a.length;
};

function seamOf(frames: Uint8Array[]): { seam: number; median: number } {
  const steps = frames.slice(1).map((f, i) => meanAbsDiff(f, frames[i]!)).sort((a, b) => a - b);
  return { seam: meanAbsDiff(frames[frames.length - 1]!, frames[0]!), median: steps[Math.floor(steps.length / 2)]! };
}

async function main() {
  const prompts = heldoutPrompts(Number(args.prompts));
  let passed = 0;
  let open = 0;
  console.log("prompt | frames | seam (loop) | median step | passes | seam without --loop");
  for (const [i, prompt] of prompts.entries()) {
    const common = {
      prompt, seed: i, modelDir: args.model, previewEvery: 0,
      steps: args.steps ? Number(args.steps) : undefined,
      fps: args.fps ? Number(args.fps) : undefined,
      threads: args.threads ? Number(args.threads) : undefined,
    };
    const loop = await generate({ ...common, loop: true });
    const plain = await generate({ ...common, frames: loop.frames.length });
    const { seam, median } = seamOf(loop.frames);
    const ok = seam <= median;
    passed += Number(ok);
    open += Number(seamOf(plain.frames).seam <= seamOf(plain.frames).median);
    console.log(`${prompt} | ${loop.frames.length} | ${seam.toFixed(2)} | ${median.toFixed(2)} | ${ok ? "yes" : "no"} | ${seamOf(plain.frames).seam.toFixed(2)}`);
  }
  console.log(`loops with a seam no larger than their median step: ${passed}/${prompts.length} (without --loop: ${open}/${prompts.length})`);
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
