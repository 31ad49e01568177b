/**
 * npm run generate -- --prompt "a red ball bouncing in the snow" [--negative TEXT]
 *   (or a storyboard: --shot "a red ball bouncing in the snow:4" --shot "a red ball moving right:4",
 *   each shot PROMPT:SECONDS[:CAMERA], the clip as long as its shots)
 *   [--seed N] [--steps N] [--guidance X] [--frames N | --seconds N] [--extend N] [--loop]
 *   [--plan FILE | --no-plan] [--print-plan] [--plan-guidance on|camera|off] [--fps 8|24] [--aspect 1:1|16:9|9:16]
 *   [--scheduler flow-match-euler|flow-match-dpmpp-2m] [--precision fp32|int8] [--model DIR] [--out clip.mp4]
 *   [--provider cpu|webgpu|cuda|auto] [--threads N]
 *
 * Prints progress on stderr, then the unknown words, the files written and
 * the time of each stage. A model that follows scene plans plans the prompt
 * (or follows --plan FILE, a docs/scene-plan.md JSON); --print-plan prints the
 * plan the clip followed, to edit and pass back. Exit code 2 for bad arguments, 1 for other failures,
 * 130 when interrupted (Ctrl-C aborts generation and leaves no partial files).
 */
import { readFileSync, statSync } from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";

import type { CameraMove } from "../storyboard/schema";
import { PipelineError } from "./errors";
import { DEFAULT_MODEL_DIR, generate, type GenerateOptions, type StageTimings } from "./generate";
import type { PlanGuidance } from "./manifest";

const USAGE = `usage: npm run generate -- (--prompt TEXT | --shot PROMPT:SECONDS[:CAMERA] ...) [--negative TEXT] [--seed N] [--steps N] [--guidance X]
       [--frames N | --seconds N] [--extend N] [--loop] [--plan FILE | --no-plan] [--print-plan]
       [--plan-guidance on|camera|off]   (guidance strengthens the plan too: all of it, or the camera's move)
       [--fps N] [--aspect W:H]   (the model's choices: model.json outputs and aspects)
       [--scheduler NAME] [--model DIR] [--out clip.mp4]
       [--provider cpu|webgpu|cuda|auto] [--threads N]`;

/** --plan-guidance: on (the whole plan), camera (its camera channels) or off. */
export function planGuidanceArg(v: string | undefined): PlanGuidance | undefined {
  if (v === undefined) return undefined;
  const named: Record<string, PlanGuidance> = { on: "all", camera: "camera", off: "off" };
  const g = named[v];
  if (!g) throw new PipelineError("BAD_INPUT", `--plan-guidance must be on, camera or off, got "${v}"`);
  return g;
}

function int(name: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  if (!/^\d+$/.test(v)) throw new PipelineError("BAD_INPUT", `--${name} must be a non-negative integer, got "${v}"`);
  return Number(v);
}

function num(name: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (v.trim() === "" || !Number.isFinite(n)) throw new PipelineError("BAD_INPUT", `--${name} must be a number, got "${v}"`);
  return n;
}

function aspectArg(v: string | undefined): string | undefined {
  if (v !== undefined && !/^[1-9][0-9]*:[1-9][0-9]*$/.test(v)) throw new PipelineError("BAD_INPUT", `--aspect must be W:H such as 1:1, 16:9 or 9:16, got "${v}"`);
  return v;
}

/** One --shot: "PROMPT:SECONDS" or "PROMPT:SECONDS:CAMERA" (split at the last colons; the rest is checked by generate()). */
export function parseShot(v: string): NonNullable<GenerateOptions["shots"]>[number] {
  const m = /^(.*):([0-9]+(?:\.[0-9]+)?)(?::([a-z-]+))?$/s.exec(v);
  if (!m) throw new PipelineError("BAD_INPUT", `--shot must be PROMPT:SECONDS or PROMPT:SECONDS:CAMERA, such as "a red ball bouncing:4", got "${v}"`);
  return { prompt: m[1]!, seconds: Number(m[2]), ...(m[3] ? { camera: m[3] as CameraMove } : {}) }; // the move is checked by generate()
}

export interface CliOptions extends GenerateOptions {
  printPlan: boolean;
}

function readPlan(file: string): GenerateOptions["plan"] {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (err) {
    throw new PipelineError("BAD_INPUT", `--plan: cannot read ${file} (${(err as NodeJS.ErrnoException).code ?? err})`);
  }
  try {
    return JSON.parse(text) as GenerateOptions["plan"]; // checked by generate() against the plan schema and the model
  } catch (err) {
    throw new PipelineError("BAD_INPUT", `--plan: ${file} is not JSON (${(err as Error).message})`);
  }
}

export function parseCli(argv: string[]): CliOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      prompt: { type: "string" },
      shot: { type: "string", multiple: true },
      negative: { type: "string" },
      seed: { type: "string" },
      steps: { type: "string" },
      guidance: { type: "string" },
      frames: { type: "string" },
      seconds: { type: "string" },
      plan: { type: "string" },
      "no-plan": { type: "boolean" },
      "print-plan": { type: "boolean" },
      "plan-guidance": { type: "string" },
      extend: { type: "string" },
      loop: { type: "boolean" },
      scheduler: { type: "string" },
      fps: { type: "string" },
      aspect: { type: "string" },
      precision: { type: "string" },
      model: { type: "string" },
      out: { type: "string" },
      provider: { type: "string" },
      threads: { type: "string" },
      help: { type: "boolean", short: "h" },
    },
    strict: true,
  });
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  if ((values.prompt === undefined) === (values.shot === undefined)) throw new PipelineError("BAD_INPUT", "give --prompt or --shot (one or more), not both");
  if (values.plan !== undefined && values["no-plan"]) throw new PipelineError("BAD_INPUT", "--plan and --no-plan contradict each other");
  if (values.frames !== undefined && values.seconds !== undefined) throw new PipelineError("BAD_INPUT", "give --frames or --seconds, not both");
  return {
    printPlan: values["print-plan"] ?? false,
    ...(values["no-plan"] ? { plan: null } : values.plan !== undefined ? { plan: readPlan(values.plan) } : {}),
    seconds: num("seconds", values.seconds),
    ...(values.shot ? { shots: values.shot.map(parseShot) } : { prompt: values.prompt }),
    negativePrompt: values.negative,
    seed: int("seed", values.seed),
    steps: int("steps", values.steps),
    guidance: num("guidance", values.guidance),
    frames: int("frames", values.frames),
    extend: int("extend", values.extend),
    loop: values.loop,
    planGuidance: planGuidanceArg(values["plan-guidance"]),
    scheduler: values.scheduler as GenerateOptions["scheduler"], // checked by generate()
    // Checked by generate() against the model's outputs and aspects (a refusal exits 2 too).
    fps: int("fps", values.fps),
    aspect: aspectArg(values.aspect),
    precision: values.precision as GenerateOptions["precision"], // checked by generate(), against the model's graphs
    modelDir: values.model ?? DEFAULT_MODEL_DIR,
    out: path.resolve(values.out ?? "clip.mp4"),
    provider: values.provider as GenerateOptions["provider"],
    threads: int("threads", values.threads),
  };
}

/**
 * The folder --out names must exist already: checked before the model loads, so a mistyped
 * path fails at once with the reason, not after the whole generation with ffmpeg's bare
 * "No such file or directory". It is not created: a typo would silently make a new tree.
 */
export function checkOutFolder(out: string): void {
  const dir = path.dirname(out);
  const info = statSync(dir, { throwIfNoEntry: false });
  if (!info) {
    throw new PipelineError("BAD_INPUT", `--out: the folder ${dir} does not exist; create it first (mkdir -p ${JSON.stringify(dir)}) or pick another path`);
  }
  if (!info.isDirectory()) throw new PipelineError("BAD_INPUT", `--out: ${dir} is not a folder`);
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

async function main(): Promise<number> {
  let options: CliOptions;
  try {
    options = parseCli(process.argv.slice(2));
    checkOutFolder(options.out!);
  } catch (err) {
    console.error(`${(err as Error).message}\n${USAGE}`);
    return 2;
  }
  const abort = new AbortController();
  process.once("SIGINT", () => {
    console.error("\ninterrupted: stopping after the current step");
    abort.abort(new Error("SIGINT"));
  });

  const result = await generate({
    ...options,
    signal: abort.signal,
    onStepEnd: (e) => {
      const chunk = e.chunks > 1 ? ` chunk ${e.chunk + 1}/${e.chunks}` : "";
      const line = `step ${e.step}/${e.total}${chunk}  ${seconds(e.elapsedMs)} elapsed, eta ${seconds(e.etaMs)}`;
      // Redraw one line on a terminal; one line per step in a log.
      process.stderr.write(process.stderr.isTTY ? `\r${line}   ` : `${line}\n`);
    },
  });
  if (process.stderr.isTTY) process.stderr.write("\n");

  const clip = result.frames.length / result.fps;
  console.log(
    `model ${result.modelId} on ${result.provider} (${result.precision}); seed ${result.seed}, ${result.steps} steps, ` +
      `guidance ${result.guidance} on ${result.guidedSteps} of them, ${result.scheduler}`,
  );
  console.log(`clip: ${result.frames.length} frames ${result.width}x${result.height} @ ${result.fps} fps (${clip.toFixed(2)} s, ${result.chunks} chunk(s))`);
  if (result.unknownWords.length) console.log(`unknown words (the model reads them as [UNK]): ${result.unknownWords.join(", ")}`);
  if (result.negativeUnknownWords.length) console.log(`unknown words in the negative prompt: ${result.negativeUnknownWords.join(", ")}`);
  if (result.truncated) console.log("the prompt was cut to the text encoder's maximum length");
  for (const [kind, file] of Object.entries(result.outputs)) console.log(`${kind.padEnd(6)} ${file}`);
  console.log("stage timings:");
  for (const stage of Object.keys(result.timings) as (keyof StageTimings)[]) {
    console.log(`  ${stage.padEnd(9)} ${seconds(result.timings[stage])}`);
  }
  const mean = result.stepMs.reduce((a, b) => a + b, 0) / Math.max(1, result.stepMs.length);
  console.log(`  per step  ${seconds(mean)} (mean of ${result.stepMs.length})`);
  console.log(`real-time factor ${(result.timings.total / 1000 / clip).toFixed(2)} (generation time / clip duration)`);
  console.log(result.plan ? `followed a scene plan of ${result.plan.objects.length} object(s)` : "made from text alone (no scene plan)");
  if (options.printPlan) console.log(JSON.stringify(result.plan));
  return 0;
}

// Run only as a script, so tests can import parseCli.
if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  main().then(
    (code) => process.exit(code),
    (err: unknown) => {
      process.stderr.write("\n");
      if (err instanceof PipelineError) {
        console.error(`error (${err.code}): ${err.message}`);
        process.exit(err.code === "ABORTED" ? 130 : err.code === "BAD_INPUT" ? 2 : 1);
      }
      console.error(err);
      process.exit(1);
    },
  );
}
