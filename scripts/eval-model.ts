/**
 * npm run eval:model -- [--model DIR] [--prompts N] [--steps N] [--guidance X] [--threads N] [--no-plan]
 *   [--scheduler NAME] [--precision fp32|int8] [--guidance-interval LO,HI] [--baseline] [--keep DIR]
 *   [--aspect 1:1|16:9|9:16] [--fps 8|24] [--plan-guidance on|camera|off] [--camera]
 *
 * Settings left out are the manifest's defaults; --baseline is the path before issue 17:
 * 20 steps of flow-match-euler, fp32, guidance on every step (scripts/bench/today.ts), on a
 * model that is not guidance-distilled (for a distilled one, pass its teacher as --model). --keep DIR keeps the clips and their
 * prompts there (pN.mp4, pN.txt), to score a subset again with `npm run eval -- --videos DIR`.
 * --aspect and --fps choose the clip's shape (the manifest's aspects and outputs); WorldBench
 * judges every clip in its own aspect, at 8 fps and a 128 px short side.
 *
 * WorldBench on a model directory as the app runs it: the TypeScript pipeline
 * generates the world's held-out prompts (seed = prompt index), WorldBench
 * scores the clips, and the per-dimension table is printed. A model that
 * follows scene plans plans each prompt, as the studio does; --no-plan makes
 * the clips from text alone. --camera takes held-out prompts that each say a camera move
 * (pan, follow, close-up, wide shot), which WorldBench's camera check judges.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";

import { DEFAULT_MODEL_DIR, generate, type GenerateOptions } from "../lib/pipeline/generate";
import { planGuidanceArg } from "../lib/pipeline/cli";
import { readManifest } from "../lib/pipeline/manifest";
import { refuseDistilled, TODAY_PATH } from "./bench/today";
import { DIMENSIONS, heldoutPrompts, worldbench } from "./bench/worldbench";

const { values: args } = parseArgs({
  options: {
    model: { type: "string", default: DEFAULT_MODEL_DIR },
    prompts: { type: "string", default: "48" },
    steps: { type: "string" },
    guidance: { type: "string" },
    threads: { type: "string" },
    "no-plan": { type: "boolean", default: false },
    scheduler: { type: "string" },
    precision: { type: "string" },
    "guidance-interval": { type: "string" },
    baseline: { type: "boolean", default: false },
    keep: { type: "string" },
    aspect: { type: "string" },
    fps: { type: "string" },
    "plan-guidance": { type: "string" },
    camera: { type: "boolean", default: false },
  },
});
const interval = args["guidance-interval"]?.split(",").map(Number) as [number, number] | undefined;

async function main() {
  if (args.baseline) refuseDistilled(readManifest(args.model), args.model, "--model");
  const prompts = heldoutPrompts(Number(args.prompts), args.camera);
  const dir = args.keep ? (mkdirSync(args.keep, { recursive: true }), args.keep) : mkdtempSync(path.join(tmpdir(), "spacetime-eval-"));
  try {
    let seconds = 0;
    let modelId = "";
    for (const [i, prompt] of prompts.entries()) {
      const r = await generate({
        prompt, seed: i, modelDir: args.model, previewEvery: 0, formats: ["mp4"], out: path.join(dir, `p${i}.mp4`),
        steps: args.steps ? Number(args.steps) : undefined,
        guidance: args.guidance ? Number(args.guidance) : undefined,
        threads: args.threads ? Number(args.threads) : undefined,
        ...(args["no-plan"] ? { plan: null } : {}),
        ...(args.baseline ? TODAY_PATH : {}),
        ...(args.scheduler ? { scheduler: args.scheduler as GenerateOptions["scheduler"] } : {}),
        ...(args.precision ? { precision: args.precision as GenerateOptions["precision"] } : {}),
        ...(interval ? { guidanceInterval: interval } : {}),
        ...(args.aspect ? { aspect: args.aspect } : {}),
        ...(args.fps ? { fps: Number(args.fps) } : {}),
        ...(args["plan-guidance"] ? { planGuidance: planGuidanceArg(args["plan-guidance"]) } : {}),
      });
      writeFileSync(path.join(dir, `p${i}.txt`), prompt);
      seconds += r.timings.total / 1000;
      modelId =
        `${r.modelId}, ${r.scheduler} ${r.steps} steps, ${r.precision}, guidance ${r.guidance} in t [${r.guidanceInterval}] ` +
        `(${r.guidedSteps / r.chunks} guided steps), ${r.plan ? `planned${r.planGuidance === "all" ? " (plan guided)" : r.planGuidance === "camera" ? " (camera guided)" : ""}` : "text alone"}, ${r.aspect} at ${r.fps} fps`;
    }
    const dims = worldbench(dir);
    console.log(`WorldBench, ${prompts.length} held-out prompts, ${modelId}, ${(seconds / prompts.length).toFixed(2)} s/clip`);
    for (const d of DIMENSIONS) console.log(`${d.padEnd(12)} ${dims[d] === null || dims[d] === undefined ? "   -" : dims[d]!.toFixed(3)}`);
  } finally {
    if (!args.keep) rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
