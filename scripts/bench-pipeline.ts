/**
 * npm run bench:pipeline -- [--model DIR] [--today DIR] [--compare DIR] [--steps N] [--runs N] [--threads N] [--checkpoint DIT.pt]
 *
 * One run, one machine, one model, printed side by side:
 *  - three rows, run alternately so that a busy machine slows them alike, each
 *    with seconds per stage, the clip's real-time factor (generation time /
 *    clip duration) and the whole clip's speed-up over the first:
 *    1. today's path before issue 17 (20 flow-match-euler steps, fp32, guidance
 *       on every step, at --today's default guidance) at the default output (defaults.fps,
 *       square), from --today (default: --model), which must be the model before guidance
 *       distillation when --model is a distilled one (its guidance is built in);
 *    2. the model's defaults (model.json; --steps overrides theirs) at the
 *       DiT's own clip (video.fps, square, no upscaling): issue 16's old shape;
 *    3. with --compare DIR, another model directory (an earlier export of the
 *       same DiT: a decoder change) at its defaults at the default output;
 *    4. the model's defaults at the default output; rows 3 and 4 print their
 *       decode/denoise ratio (issue 16's bound);
 *  - the DiT's achieved GFLOP/s against onnxruntime's MatMul peak on this
 *    machine, measured here with a large MatMul;
 *  - the same clip through PyTorch eager (scripts/bench_torch.py on the DiT
 *    checkpoint the model was exported from), and our speed-up over it;
 *  - peak RSS of both.
 * A benchmark, not a test: it takes a minute and prints, it asserts nothing.
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";

import * as ort from "onnxruntime-node";

import { DEFAULT_MODEL_DIR, generate, type GenerateOptions, type GenerateResult } from "../lib/pipeline/generate";
import { getRuntime } from "../lib/pipeline/sessions";
import { clipShape } from "../lib/pipeline/shapes";
import { profileFlops } from "./bench/flops";
import { matmulModel } from "./bench/matmul-onnx";
import { refuseDistilled, TODAY_PATH } from "./bench/today";

const { values: args } = parseArgs({
  options: {
    model: { type: "string", default: DEFAULT_MODEL_DIR },
    today: { type: "string" },
    compare: { type: "string" },
    steps: { type: "string" },
    runs: { type: "string", default: "3" },
    threads: { type: "string" },
    checkpoint: { type: "string" },
    prompt: { type: "string", default: "a red ball bouncing in the snow" },
  },
});
const threads = args.threads ? Number(args.threads) : undefined;
const runs = Number(args.runs);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const f2 = (x: number) => x.toFixed(2);
const f3 = (x: number) => x.toFixed(3);
const STAGES = ["validate", "tokenize", "encode", "noise", "timesteps", "denoise", "decode", "mux", "total"] as const;

async function timeIt(fn: () => Promise<unknown>, times: number): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < times; i++) {
    const t = performance.now();
    await fn();
    out.push(performance.now() - t);
  }
  return out;
}

async function main() {
  const rt = await getRuntime(args.model, { provider: "cpu", threads });
  const m = rt.model.manifest;
  const guidance = m.defaults.guidance;
  const todayDir = args.today ?? args.model;
  const todayManifest = (await getRuntime(todayDir, { provider: "cpu", threads })).model.manifest;
  refuseDistilled(todayManifest, todayDir, "--today");
  const todayGuidance = todayManifest.defaults.guidance;
  const outFps = m.defaults.fps ?? m.video.fps;
  // Issue 17: today's path (before it) and the model's defaults, both at the default output; issue 16:
  // the DiT's own clip (video.fps, square, scale 1) beside them, for the decoder's cost.
  const rows: { name: string; settings: Partial<GenerateOptions> }[] = [
    { name: "today", settings: { ...TODAY_PATH, modelDir: todayDir, guidance: todayGuidance, fps: outFps, aspect: "1:1" } },
    { name: `${m.video.fps} fps ${m.video.width}px`, settings: { ...(args.steps ? { steps: Number(args.steps) } : {}), fps: m.video.fps, aspect: "1:1" } },
    ...(args.compare ? [{ name: `compare ${path.basename(args.compare)}`, settings: { ...(args.steps ? { steps: Number(args.steps) } : {}), modelDir: args.compare, fps: outFps, aspect: "1:1" } }] : []),
    { name: `default ${outFps} fps ${clipShape(m, outFps, "1:1").width}px`, settings: { ...(args.steps ? { steps: Number(args.steps) } : {}), fps: outFps, aspect: "1:1" } },
  ];
  const steps = TODAY_PATH.steps!; // the PyTorch baseline below runs today's path
  console.log(`model ${m.model_id} (${args.model}), guidance ${guidance}, threads ${threads ?? "onnxruntime default"}`);
  if (todayDir !== args.model) console.log(`today's path from ${todayDir}, guidance ${todayGuidance}`);

  // 1. The pipeline, end to end with muxing; median of `runs` after a warm-up, the rows alternating.
  const out = mkdtempSync(path.join(tmpdir(), "spacetime-bench-"));
  const opts = { prompt: args.prompt, seed: 0, guidance, modelDir: args.model, threads, out: path.join(out, "clip.mp4") };
  for (const r of rows) await generate({ ...opts, ...r.settings, steps: 1 });
  const results: GenerateResult[][] = rows.map(() => []);
  for (let i = 0; i < runs; i++) for (const [k, r] of rows.entries()) results[k]!.push(await generate({ ...opts, ...r.settings }));
  rmSync(out, { recursive: true, force: true });
  const stage = (k: number, st: (typeof STAGES)[number]) => median(results[k]!.map((r) => r.timings[st])) / 1000;
  const total = stage(0, "total");
  const clip = results[0]![0]!.frames.length / results[0]![0]!.fps;
  const clipOf = (k: number) => results[k]![0]!.frames.length / results[k]![0]!.fps;

  console.log("\n== onnxruntime pipeline (median of %d runs, rows alternating) ==", runs);
  const head = (r: GenerateResult) =>
    `${r.scheduler.replace("flow-match-", "")} ${r.steps}, ${r.precision}, cfg ${r.guidedSteps / r.chunks}/${r.steps} x${r.guidance}`;
  const width = 28;
  console.log(`  ${"".padEnd(10)} ${rows.map((r, k) => `${r.name}: ${head(results[k]![0]!)}`.padStart(width)).join(" ")}`);
  for (const st of STAGES) console.log(`  ${(st + " s").padEnd(10)} ${rows.map((_, k) => f3(stage(k, st)).padStart(width)).join(" ")}`);
  const perStep = (k: number) => median(results[k]!.flatMap((r) => r.stepMs)) / 1000;
  console.log(`  ${"per step s".padEnd(10)} ${rows.map((_, k) => f3(perStep(k)).padStart(width)).join(" ")}`);
  console.log(`  ${"RTF".padEnd(10)} ${rows.map((_, k) => f2(stage(k, "total") / clipOf(k)).padStart(width)).join(" ")}`);
  console.log(`  ${"clip".padEnd(10)} ${rows.map((_, k) => { const r = results[k]![0]!; return `${r.frames.length}f ${r.width}x${r.height} @${r.fps}`; }).map((x) => x.padStart(width)).join(" ")}`);
  for (let k = 2; k < rows.length; k++) {
    console.log(`  ${rows[k]!.name} decode / denoise: ${f2(stage(k, "decode") / stage(k, "denoise"))} (${f3(stage(k, "decode"))} s / ${f3(stage(k, "denoise"))} s)`);
  }
  console.log(`  ${"speed-up".padEnd(10)} ${rows.map((_, k) => `${f2(total / stage(k, "total"))}x`.padStart(width)).join(" ")}`);
  console.log(`  clip ${results[0]![0]!.frames.length} frames at ${results[0]![0]!.fps} fps = ${f2(clip)} s; RTF = clip compute s / clip s (< 1 is faster than real time)`);
  const step = perStep(0);

  // 2. The DiT alone at batch 2 (one CFG step), its FLOPs, and the MatMul peak.
  const { channels: C, frames: F, height: h, width: w } = m.latent;
  const L = m.text.max_length;
  const dims = [2, C, F, h, w];
  const zeros = (d: number[]) => new ort.Tensor("float32", new Float32Array(d.reduce((a, b) => a * b, 1)), d);
  const feeds = {
    latent: new ort.Tensor("float32", Float32Array.from({ length: 2 * C * F * h * w }, (_, i) => Math.sin(i)), dims),
    timestep: new ort.Tensor("float32", Float32Array.from([0.5, 0.5]), [2]),
    text_states: zeros([2, L, m.text.dim]),
    text_mask: new ort.Tensor("bool", new Uint8Array(2 * L).fill(1), [2, L]),
    context: zeros(dims),
    context_mask: zeros([2, F]),
    // A model that follows plans takes its raster too (zeros: text alone).
    ...(m.plan ? { plan: zeros([2, m.plan.channels.length, F, h, w]) } : {}),
  };
  await rt.dit.run(feeds);
  const ditMs = median(await timeIt(() => rt.dit.run(feeds), 10));
  const int8 = rt.ditInt8;
  const int8Ms = int8 ? (await int8.run(feeds), median(await timeIt(() => int8.run(feeds), 10))) : null;
  const flops = await profileFlops(rt.model.paths.dit, feeds);
  const N = 2048;
  const mm = await ort.InferenceSession.create(matmulModel(N), {
    executionProviders: ["cpu"],
    graphOptimizationLevel: "all",
    ...(threads ? { intraOpNumThreads: threads } : {}),
  });
  const A = new ort.Tensor("float32", Float32Array.from({ length: N * N }, (_, i) => (i % 17) / 17), [N, N]);
  await mm.run({ A, B: A });
  const mmMs = Math.min(...(await timeIt(() => mm.run({ A, B: A }), 5)));
  const peak = (2 * N ** 3) / (mmMs / 1000) / 1e9;
  const achieved = flops / (ditMs / 1000) / 1e9;
  await mm.release();

  console.log("\n== compute ==");
  console.log(`  DiT alone, batch 2: fp32 ${f3(ditMs / 1000)} s` + (int8Ms ? `, int8 ${f3(int8Ms / 1000)} s (${f2(ditMs / int8Ms)}x)` : ", no int8 graph"));
  console.log(`  DiT step: ${f3(flops / 1e9)} GFLOP (MatMul/Gemm/Conv, batch 2) -> ${f2(achieved)} GFLOP/s`);
  console.log(`  MatMul ${N}x${N} peak through onnxruntime: ${f2(peak)} GFLOP/s -> DiT reaches ${f2((100 * achieved) / peak)}% of it`);
  const nodeRss = process.resourceUsage().maxRSS / 1024;
  console.log(`  peak RSS (node): ${nodeRss.toFixed(0)} MB`);

  // 3. PyTorch eager on the checkpoint today's model came from, on today's path.
  console.log("\n== PyTorch eager baseline ==");
  const ckpt = args.checkpoint ?? (todayManifest.training?.checkpoint as string | undefined);
  if (!ckpt || !existsSync(ckpt)) {
    console.log(`  skipped: pass --checkpoint DIT.pt (the checkpoint ${todayDir} was exported from)${ckpt ? `; ${ckpt} not found` : ""}`);
    return;
  }
  const py = JSON.parse(
    execFileSync(
      "scripts/py",
      ["scripts/bench_torch.py", "--checkpoint", ckpt, "--prompt", args.prompt, "--steps", String(steps), "--guidance", String(todayGuidance), "--threads", String(threads ?? 0)],
      { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] },
    ).trim().split("\n").at(-1)!,
  ) as { total_s: number; text_s: number; step_s: number; decode_s: number; frames: number; latent: number[]; peak_rss_mb: number; threads: number };
  if (py.latent.join() !== [C, F, h, w].join()) console.log(`  warning: checkpoint latent [${py.latent}] differs from model.json [${[C, F, h, w]}]`);
  const row = (name: string, ours: number, theirs: number) =>
    console.log(`  ${name.padEnd(10)} onnxruntime ${f3(ours)} s   torch ${f3(theirs)} s   speed-up ${f2(theirs / ours)}x`);
  console.log(`  torch threads ${py.threads}, ${py.frames} frames`);
  row("text", stage(0, "encode"), py.text_s);
  row("per step", step, py.step_s);
  row("decode", stage(0, "decode"), py.decode_s);
  row("total", total - stage(0, "mux"), py.total_s); // torch does not mux: compare without it
  console.log(`  peak RSS: node ${nodeRss.toFixed(0)} MB, python ${py.peak_rss_mb.toFixed(0)} MB`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
