/**
 * npm run bench:solvers -- [--model DIR] [--prompts N] [--steps 8,16] [--threads N]
 *   [--schedulers a,b] [--precision fp32|int8] [--guidance-interval LO,HI]
 *
 * Which scheduler buys more prompt-following per second? Each solver and step
 * count generates the same held-out prompts with the same seeds, WorldBench
 * scores the clips (scripts/py -m spacetime.worldbench.cli), and the table
 * prints the mean score, seconds per clip and score per second side by side.
 * A benchmark, not a test: it prints and asserts nothing.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";

import { DEFAULT_MODEL_DIR, generate, type GenerateOptions } from "../lib/pipeline/generate";
import { SCHEDULERS } from "../lib/pipeline/schedulers";
import { heldoutPrompts, worldbench } from "./bench/worldbench";

const { values: args } = parseArgs({
  options: {
    model: { type: "string", default: DEFAULT_MODEL_DIR },
    prompts: { type: "string", default: "24" },
    steps: { type: "string", default: "8,16" },
    threads: { type: "string" },
    schedulers: { type: "string", default: SCHEDULERS.join(",") },
    precision: { type: "string", default: "fp32" },
    "guidance-interval": { type: "string", default: "0,1" },
  },
});
// The dimensions a prompt-following comparison rests on (all prompts have them).
const KEY_DIMENSIONS = ["object", "colour", "size", "motion", "scene", "count"] as const;

async function main() {
  const n = Number(args.prompts);
  const stepCounts = args.steps.split(",").map(Number);
  const threads = args.threads ? Number(args.threads) : undefined;
  const precision = args.precision as GenerateOptions["precision"];
  const guidanceInterval = args["guidance-interval"].split(",").map(Number) as [number, number];
  const prompts = heldoutPrompts(n);
  const root = mkdtempSync(path.join(tmpdir(), "spacetime-solvers-"));
  const rows: string[] = [];
  try {
    for (const scheduler of args.schedulers.split(",") as (typeof SCHEDULERS)[number][]) {
      for (const steps of stepCounts) {
        const dir = path.join(root, `${scheduler}-${steps}`);
        mkdirSync(dir);
        let ms = 0;
        for (const [i, prompt] of prompts.entries()) {
          const t = performance.now();
          await generate({ prompt, seed: i, steps, scheduler, precision, guidanceInterval, modelDir: args.model, threads, out: path.join(dir, `p${i}.mp4`), formats: ["mp4"], previewEvery: 0 });
          ms += performance.now() - t;
          writeFileSync(path.join(dir, `p${i}.txt`), prompt);
        }
        const dims = worldbench(dir);
        const score = KEY_DIMENSIONS.reduce((s, d) => s + (dims[d] ?? 0), 0) / KEY_DIMENSIONS.length;
        const seconds = ms / 1000 / n;
        rows.push(
          `${scheduler.padEnd(22)} ${String(steps).padStart(5)} ${seconds.toFixed(2).padStart(8)} ${score.toFixed(3).padStart(7)} ${(score / seconds).toFixed(3).padStart(9)}   ` +
            KEY_DIMENSIONS.map((d) => `${d} ${(dims[d] ?? 0).toFixed(2)}`).join("  "),
        );
        console.log(rows.at(-1));
      }
    }
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
  console.log(`\n${n} held-out prompts, same seeds for every row, ${precision}, guidance in t [${guidanceInterval}]; score = mean of ${KEY_DIMENSIONS.join(", ")}`);
  console.log(`${"scheduler".padEnd(22)} ${"steps".padStart(5)} ${"s/clip".padStart(8)} ${"score".padStart(7)} ${"score/s".padStart(9)}`);
  for (const r of rows) console.log(r);
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
