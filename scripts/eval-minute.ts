/**
 * npm run eval:minute -- [--model DIR] [--prompts 12] [--seconds 60] [--window 2] [--steps N] [--no-plan]
 *
 * Long clips as the app makes them: one clip of --seconds per held-out prompt
 * (seed = prompt index; chunks chained through context frames, each following
 * its window of the clip's one scene plan), cut into windows of --window
 * seconds that WorldBench judges against the prompt. Prints one row per
 * window and the worst window of each dimension: a clip that drifts, splits
 * or loses its subject shows it in the later rows.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";

import { mux } from "../lib/pipeline/ffmpeg";
import { DEFAULT_MODEL_DIR, generate } from "../lib/pipeline/generate";
import { heldoutPrompts, worldbench } from "./bench/worldbench";

const { values: args } = parseArgs({
  options: {
    model: { type: "string", default: DEFAULT_MODEL_DIR },
    prompts: { type: "string", default: "12" },
    seconds: { type: "string", default: "60" },
    window: { type: "string", default: "2" },
    steps: { type: "string" },
    threads: { type: "string" },
    "no-plan": { type: "boolean", default: false },
  },
});

const SHOWN = ["count", "consistency", "object", "colour", "relation", "binding", "flicker", "scene"] as const;

async function main() {
  const prompts = heldoutPrompts(Number(args.prompts));
  const seconds = Number(args.seconds);
  const windowSeconds = Number(args.window);
  if (!(seconds > 0 && windowSeconds > 0 && windowSeconds <= seconds)) throw new Error("need 0 < --window <= --seconds");
  const root = mkdtempSync(path.join(tmpdir(), "spacetime-minute-"));
  try {
    const windows: string[] = [];
    let label = "";
    for (const [i, prompt] of prompts.entries()) {
      const r = await generate({
        prompt, seed: i, seconds, modelDir: args.model, previewEvery: 0,
        steps: args.steps ? Number(args.steps) : undefined,
        threads: args.threads ? Number(args.threads) : undefined,
        ...(args["no-plan"] ? { plan: null } : {}),
      });
      label = `${r.modelId}, ${r.steps} steps, ${r.plan ? "planned" : "text alone"}, ${r.chunks} chunks of ${r.width}x${r.height} @ ${r.fps} fps`;
      const span = windowSeconds * r.fps; // frames between window starts; each window has span + 1
      for (let w = 0; (w + 1) * span < r.frames.length; w++) {
        const dir = path.join(root, `w${String(w).padStart(3, "0")}`);
        if (!windows.includes(dir)) {
          mkdirSync(dir);
          windows.push(dir);
        }
        await mux({ frames: r.frames.slice(w * span, (w + 1) * span + 1), width: r.width, height: r.height, fps: r.fps, outputs: { mp4: path.join(dir, `p${i}.mp4`) } });
        writeFileSync(path.join(dir, `p${i}.txt`), prompt);
      }
      console.error(`clip ${i + 1}/${prompts.length}: ${r.frames.length} frames in ${(r.timings.total / 1000).toFixed(1)} s`);
    }
    console.log(`WorldBench per ${windowSeconds}-s window of ${prompts.length} clips of ${seconds} s (${label})`);
    console.log(`${"window".padEnd(12)} ${SHOWN.map((d) => d.padStart(11)).join(" ")}`);
    const worst: Record<string, number> = {};
    for (const [w, dir] of windows.entries()) {
      const dims = worldbench(dir);
      const cells = SHOWN.map((d) => {
        const v = dims[d];
        if (v !== null && v !== undefined) worst[d] = Math.min(worst[d] ?? 1, v);
        return (v === null || v === undefined ? "-" : v.toFixed(3)).padStart(11);
      });
      console.log(`${`${w * windowSeconds}-${(w + 1) * windowSeconds} s`.padEnd(12)} ${cells.join(" ")}`);
    }
    console.log(`${"worst".padEnd(12)} ${SHOWN.map((d) => (worst[d] === undefined ? "-" : worst[d]!.toFixed(3)).padStart(11)).join(" ")}`);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
