/**
 * npm run contact-sheet -- --out docs/sheet.jpg [--model DIR] [--prompts 12] [--columns 6]
 *                          [--seconds S --every E] [--first K] [--steps N] [--no-plan]
 *                          [--fps N] [--aspect W:H] [--loop] [--camera]
 *
 * Held-out prompts (seed = prompt index, as eval:model uses), one row per
 * clip: --columns frames spread over each clip, or with --seconds and
 * --every one frame every E seconds of an S-second clip. Writes the image (.jpg or .png)
 * and, beside it, a Markdown list of the rows' prompts (OUT.md) to put
 * under the picture. --camera takes held-out prompts that each say a camera move.
 */
import { writeFileSync } from "node:fs";
import { parseArgs } from "node:util";

import { evenlySpaced, everySeconds, tile } from "../lib/pipeline/contact-sheet";
import { mux } from "../lib/pipeline/ffmpeg";
import { DEFAULT_MODEL_DIR, generate } from "../lib/pipeline/generate";
import { heldoutPrompts } from "./bench/worldbench";

const { values: args } = parseArgs({
  options: {
    out: { type: "string" },
    model: { type: "string", default: DEFAULT_MODEL_DIR },
    prompts: { type: "string", default: "12" },
    first: { type: "string", default: "0" },
    columns: { type: "string", default: "6" },
    seconds: { type: "string" },
    every: { type: "string" },
    steps: { type: "string" },
    "no-plan": { type: "boolean", default: false },
    camera: { type: "boolean", default: false },
    fps: { type: "string" },
    aspect: { type: "string" },
    loop: { type: "boolean", default: false },
  },
});

function positive(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!(n > 0)) throw new Error(`--${name} must be a positive number, got ${value}`);
  return n;
}

async function main() {
  if (!/\.(jpe?g|png)$/.test(args.out ?? "")) throw new Error("--out FILE.jpg (or .png) is required");
  const seconds = positive("seconds", args.seconds);
  const every = positive("every", args.every);
  if ((seconds === undefined) !== (every === undefined)) throw new Error("--seconds and --every go together");
  const first = Number(args.first);
  const prompts = heldoutPrompts(first + positive("prompts", args.prompts)!, args.camera).slice(first);
  const rows = [];
  const lines: string[] = [];
  let size = { width: 0, height: 0 };
  let label = "";
  for (const [k, prompt] of prompts.entries()) {
    const seed = first + k;
    const r = await generate({
      prompt, seed, modelDir: args.model, previewEvery: 0, seconds,
      steps: positive("steps", args.steps),
      fps: positive("fps", args.fps),
      aspect: args.aspect,
      loop: args.loop,
      ...(args["no-plan"] ? { plan: null } : {}),
    });
    size = { width: r.width, height: r.height };
    const picks = every !== undefined ? everySeconds(r.frames.length, r.fps, every) : evenlySpaced(r.frames.length, positive("columns", args.columns)!);
    rows.push({ frames: picks.map((i) => r.frames[i]!) });
    const times = picks.map((i) => `${(i / r.fps).toFixed(1)}s`).join(", ");
    lines.push(`${k + 1}. "${prompt}" (seed ${seed}; frames at ${times})`);
    label = `${r.modelId}, ${r.steps} steps, ${r.plan ? "planned" : "text alone"}, ${r.width}x${r.height} @ ${r.fps} fps${r.loop ? ", loops" : ""}`;
    console.log(`row ${k + 1}/${prompts.length}: ${prompt}`);
  }
  const sheet = tile(rows, size.width, size.height);
  await mux({ frames: [sheet.rgb], width: sheet.width, height: sheet.height, fps: 1, outputs: { poster: args.out } });
  writeFileSync(`${args.out}.md`, `Rows, top to bottom (${label}):\n\n${lines.join("\n")}\n`);
  console.log(`wrote ${args.out} (${sheet.width}x${sheet.height}) and ${args.out}.md`);
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
