/**
 * The generation settings contract: what a clip may be asked for, derived from the model's
 * manifest (its `limits`, `defaults`, window and context frames) and nothing else. The pipeline
 * (./settings.ts), the queue's submit check (lib/queue/job-settings.ts), the API's schema and its
 * OpenAPI document, and the Create page's inputs all take their bounds from here, so a job the
 * model would refuse is refused when it is submitted, with the field named.
 *
 * No onnxruntime here: the web server loads this module.
 */
import { z } from "zod";

import { planSchema, type ScenePlan } from "../plan/schema";
import { shotsSchema } from "../storyboard/schema";
import { PRECISIONS, temporalRatio, type Manifest, type Precision } from "./manifest";
import { SCHEDULERS, type SchedulerType } from "./schedulers";
import { aspectChoices, aspectsOf, defaultAspect, defaultFps, fpsChoices, outputsOf } from "./shapes";

// 60 s at 8 fps: 17 + 40 * 12 frames. Chunks are sequential: a runaway extend would hold a worker for hours.
export const MAX_EXTEND = 40;

/** The settings a job is made of, in the order they are shown and stored. */
export const SETTING_KEYS = ["prompt", "negativePrompt", "seed", "steps", "guidance", "frames", "extend", "scheduler", "fps", "aspect", "loop"] as const;
export type SettingKey = (typeof SETTING_KEYS)[number];

/** Every bound of every setting, as plain data (the Create page gets it as a prop). */
export interface SettingsLimits {
  promptChars: number;
  seed: [number, number];
  steps: [number, number];
  guidance: [number, number];
  frames: [number, number];
  extend: [number, number];
  schedulers: readonly SchedulerType[];
  precisions: readonly Precision[]; // fp32, and int8 where the model has an int8 DiT (files.dit_int8)
  fps: readonly number[]; // output fps the model has decoders for (model.json outputs; else video.fps)
  aspects: readonly string[]; // the DiT's frames (model.json aspects; else "1:1")
  aspectSizes: Record<string, { width: number; height: number }>; // the DiT's frame (a plan's) per aspect
  framesPerLatent: Record<string, number>; // output frames per latent frame, per fps
  framesMax: Record<string, number>; // the longest clip per fps (frames' bound is the largest of them)
  defaults: { steps: number; guidance: number; frames: number; scheduler: string; precision: Precision; fps: number; aspect: string };
  plan: PlanBounds | null; // null: the model does not follow scene plans
  chunking: { latentFrames: number; contextFrames: number }; // a DiT window and the frames a chunk continues from (./cut.ts)
}

/**
 * What a scene plan must fit (docs/scene-plan.md): the model's frame, fps and plan section,
 * and its chunking, which fixes how many frames a clip decodes.
 */
export interface PlanBounds {
  width: number;
  height: number;
  fps: number;
  maxObjects: number;
  kinds: readonly string[]; // the kinds and colours the model's plan raster has channels for
  colours: readonly string[];
  camera: boolean; // the raster has camera channels: the model renders camera moves
  window: number; // frames of the first chunk
  perExtension: number; // frames each later chunk adds
  maxChunks: number;
}

/** The most context latent frames a chunk can continue from (0: the model cannot extend). */
export function maxContextFrames(m: Manifest): number {
  return Math.min(m.context_frames.max, m.latent.frames - 1);
}

/** Context frames unless told otherwise: a third of the window, enough to carry motion, most of it still new. */
export function defaultContextFrames(m: Manifest): number {
  return Math.max(1, Math.min(maxContextFrames(m), Math.floor(m.latent.frames / 3)));
}

/** Video frames each chunk after the first adds, continuing from `contextFrames` latent frames. */
export function framesPerExtension(m: Manifest, contextFrames: number): number {
  return (m.latent.frames - contextFrames) * temporalRatio(m);
}

/** The plan bounds of a model that follows plans, for chunks continuing from `contextFrames`. */
export function planBounds(m: Manifest, contextFrames = defaultContextFrames(m)): PlanBounds | null {
  if (!m.plan) return null;
  const named = (prefix: string) => m.plan!.channels.filter((c) => c.startsWith(prefix)).map((c) => c.slice(prefix.length));
  return {
    width: m.video.width,
    height: m.video.height,
    fps: m.video.fps,
    maxObjects: m.plan.max_objects,
    kinds: named("kind:"),
    colours: named("colour:"),
    camera: m.plan.channels.includes("camera:x"),
    window: m.video.frames,
    perExtension: framesPerExtension(m, contextFrames),
    maxChunks: 1 + (maxContextFrames(m) >= 1 ? MAX_EXTEND : 0),
  };
}

/** The chunks a clip of `frames` frames (if given) and `extend` extensions takes: settings.ts's planChunks, from the bounds. */
export function chunksFor(b: Pick<PlanBounds, "window" | "perExtension">, frames: number | undefined, extend: number): number {
  const chunks = 1 + extend;
  if (frames === undefined || frames <= b.window + extend * b.perExtension) return chunks;
  return 1 + Math.ceil((frames - b.window) / b.perExtension);
}

/** Frames decoded for that many chunks: the length a plan of the clip has (the frames past the clip's end are cut). */
export const decodedFrames = (b: Pick<PlanBounds, "window" | "perExtension">, chunks: number) => b.window + (chunks - 1) * b.perExtension;

export interface PlanProblem {
  path: (string | number)[]; // inside the plan: ["objects", 0, "kind"]
  message: string;
}

/**
 * Every way a plan (already valid by planSchema) does not fit the model or the clip asked for.
 * The one definition of these rules: the API's schema (jobSettingsSchema) and generate()
 * (lib/pipeline/plan-input.ts) both use it.
 *
 * Length: with `frames`, the plan covers the clip and no more than the chunks that make it
 * (frames <= plan.frames <= decoded frames); without, the plan's length is the clip's, and
 * `extend` may not ask for more chunks than that length takes.
 */
export function planProblems(plan: ScenePlan, b: PlanBounds, clip: { frames?: number; extend: number }): PlanProblem[] {
  const out: PlanProblem[] = [];
  const add = (path: PlanProblem["path"], message: string) => out.push({ path, message });
  if (plan.width !== b.width) add(["width"], `the model draws ${b.width}x${b.height} frames, the plan is ${plan.width}x${plan.height}`);
  if (plan.height !== b.height) add(["height"], `the model draws ${b.width}x${b.height} frames, the plan is ${plan.width}x${plan.height}`);
  if (plan.fps !== b.fps) add(["fps"], `the model makes ${b.fps} fps, the plan has ${plan.fps}`);
  if (plan.objects.length > b.maxObjects) add(["objects"], `the model draws at most ${b.maxObjects} objects, the plan has ${plan.objects.length}`);
  plan.objects.forEach((o, i) => {
    if (!b.kinds.includes(o.kind)) add(["objects", i, "kind"], `the model draws no ${JSON.stringify(o.kind)} (it draws ${b.kinds.join(", ")})`);
    if (!b.colours.includes(o.colour)) add(["objects", i, "colour"], `the model has no colour ${JSON.stringify(o.colour)} (it has ${b.colours.join(", ")})`);
  });
  if (plan.camera && !b.camera && plan.camera.move !== "static") {
    add(["camera"], `the model renders no camera moves (it was trained before the camera): give no camera, or a static one`);
  }
  const planChunks = chunksFor(b, plan.frames, 0);
  if (clip.frames !== undefined) {
    const decoded = decodedFrames(b, chunksFor(b, clip.frames, clip.extend));
    if (plan.frames < clip.frames) add(["frames"], `${plan.frames} frames, fewer than the ${clip.frames} the clip has`);
    else if (plan.frames > decoded) add(["frames"], `${plan.frames} frames, more than the ${decoded} a clip of ${clip.frames} frames decodes`);
  } else if (clip.extend > 0 && planChunks < 1 + clip.extend) {
    add(["frames"], `${plan.frames} frames make ${planChunks} chunk(s), extend asks for ${1 + clip.extend} (${decodedFrames(b, 1 + clip.extend)} frames)`);
  } else if (planChunks > b.maxChunks) {
    add(["frames"], `${plan.frames} frames need ${planChunks} chunks, more than the ${b.maxChunks} allowed`);
  }
  return out;
}

export function settingsLimits(m: Manifest): SettingsLimits {
  const canExtend = maxContextFrames(m) >= 1;
  const maxExtend = canExtend ? MAX_EXTEND : 0;
  const framesMax = Object.fromEntries(
    Object.entries(outputsOf(m)).map(([fps, o]) => [fps, 1 + ((m.latent.frames - 1) + maxExtend * (m.latent.frames - defaultContextFrames(m))) * o.frames_per_latent]),
  );
  return {
    promptChars: m.limits.prompt_chars,
    seed: [m.limits.seed[0], m.limits.seed[1]],
    steps: [m.limits.steps[0], m.limits.steps[1]],
    guidance: [m.limits.guidance[0], m.limits.guidance[1]],
    // In output frames: the bound of the fps with the most frames per latent frame (jobPlanFits checks the job's own fps).
    frames: [1, Math.max(...Object.values(framesMax))],
    extend: [0, maxExtend],
    schedulers: SCHEDULERS,
    precisions: PRECISIONS.filter((p) => p === "fp32" || m.files.dit_int8 !== undefined),
    fps: fpsChoices(m),
    aspects: aspectChoices(m),
    aspectSizes: aspectsOf(m),
    framesMax,
    framesPerLatent: Object.fromEntries(Object.entries(outputsOf(m)).map(([k, o]) => [k, o.frames_per_latent])),
    defaults: {
      fps: defaultFps(m),
      aspect: defaultAspect(m),
      steps: m.defaults.steps,
      guidance: m.defaults.guidance,
      frames: m.video.frames,
      scheduler: m.defaults.scheduler ?? m.scheduler.type,
      precision: m.defaults.precision ?? "fp32",
    },
    plan: planBounds(m),
    chunking: { latentFrames: m.latent.frames, contextFrames: defaultContextFrames(m) },
  };
}

// Text that ffmpeg's argument list (file metadata) and every page can carry: no NUL or other
// control characters but tab and newlines (spawn refuses an argument with NUL, so such a job
// would fail every attempt after a whole generation), no lone UTF-16 surrogates.
const CONTROL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

const text = (maxChars: number) =>
  z
    .string()
    .max(maxChars, `at most ${maxChars} characters`)
    .refine((p) => !CONTROL.test(p), "must not contain control characters")
    .refine((p) => !LONE_SURROGATE.test(p), "must be valid Unicode text");

const between = (s: z.ZodNumber, [lo, hi]: [number, number]) => s.min(lo, `at least ${lo}`).max(hi, `at most ${hi}`);

/** One zod field per setting, bounded by the limits; callers add `.optional()` or `.default()`. */
export function settingsFields(l: SettingsLimits) {
  return {
    prompt: text(l.promptChars).refine((p) => p.trim().length > 0, "must not be empty"),
    negativePrompt: text(l.promptChars),
    seed: between(z.number().int(), l.seed),
    steps: between(z.number().int(), l.steps),
    guidance: between(z.number(), l.guidance),
    frames: between(z.number().int(), l.frames),
    extend: between(z.number().int(), l.extend),
    scheduler: z.enum(l.schedulers as [SchedulerType, ...SchedulerType[]]),
    // Every precision is a known word; the ones this model lacks are refused with the reason.
    precision: z
      .enum(PRECISIONS)
      .refine(
        (p) => l.precisions.includes(p),
        `this model has no int8 DiT graph (files.dit_int8 in model.json): add one with \`scripts/py -m spacetime.quantize MODEL_DIR\`, or use ${l.precisions.join(" or ")}`,
      ),
    fps: z
      .number()
      .refine((f) => l.fps.includes(f), `this model makes clips at ${l.fps.join(" or ")} fps (model.json outputs)`)
      .meta({ enum: [...l.fps], description: "output frames per second (model.json outputs)" }),
    aspect: z
      .string()
      .refine((a) => l.aspects.includes(a), `this model draws ${l.aspects.join(", ")} (model.json aspects)`)
      .meta({ enum: [...l.aspects], description: "the frame's aspect, width:height (model.json aspects)" }),
    loop: z.boolean().meta({ description: "lead the clip's end back into its first frame, to play on repeat (whole chunks, two at least)" }),
  };
}

/**
 * What a submission may ask for: settings left out are the model's defaults when the job runs
 * (stored as null), so a job keeps following its model. `plan`: a scene plan
 * (docs/scene-plan.md) to follow, null for text alone, absent for "the worker plans the
 * prompt"; it must fit the model and the clip's length (planProblems). `shots`: a storyboard
 * (docs/storyboard.md) instead of `prompt`, exactly one of the two (jobPlanFits checks).
 */
export function jobSettingsShape(l: SettingsLimits) {
  const f = settingsFields(l);
  return {
    prompt: f.prompt.optional(),
    shots: shotsSchema(f.prompt).optional(),
    negativePrompt: f.negativePrompt.default(""),
    seed: f.seed.optional(),
    steps: f.steps.optional(),
    guidance: f.guidance.optional(),
    frames: f.frames.optional(),
    extend: f.extend.default(0),
    scheduler: f.scheduler.optional(),
    fps: f.fps.optional(),
    aspect: f.aspect.optional(),
    loop: f.loop.default(false),
    plan: planSchema.nullable().optional(),
  };
}

/**
 * The checks across fields, for a schema with jobSettingsShape's fields: a prompt or a
 * storyboard, and the job's plan against the model and the job's length.
 */
export function jobPlanFits(l: SettingsLimits) {
  return (o: { prompt?: string; shots?: unknown[]; plan?: ScenePlan | null; frames?: number; extend: number; fps?: number; aspect?: string; negativePrompt: string; guidance?: number }, ctx: z.RefinementCtx) => {
    for (const p of [...storyboardProblems(o), ...negativeProblems(o, l.defaults.guidance)]) ctx.addIssue({ code: "custom", path: p.path, message: p.message });
    if (o.shots) return; // its plan is made from its shots, and checked once planned (lib/queue/storyboard-fits.ts)
    const most = l.framesMax[String(o.fps ?? l.defaults.fps)];
    if (o.frames !== undefined && most !== undefined && o.frames > most)
      ctx.addIssue({ code: "custom", path: ["frames"], message: `at most ${most} at ${o.fps ?? l.defaults.fps} fps` });
    if (o.plan === undefined || o.plan === null) return;
    if (!l.plan) {
      ctx.addIssue({ code: "custom", path: ["plan"], message: "this model does not follow scene plans: send no plan, or null" });
      return;
    }
    // A plan is laid out in the aspect's frame at the DiT's own fps (docs/scene-plan.md).
    const frame = l.aspectSizes[o.aspect ?? l.defaults.aspect];
    if (!frame) return; // the aspect's own issue names it
    const b = { ...l.plan, ...frame };
    const clip = { extend: o.extend, frames: o.frames === undefined ? undefined : ditFrames(l, o.frames, o.fps ?? l.defaults.fps) };
    for (const p of planProblems(o.plan, b, clip)) ctx.addIssue({ code: "custom", path: ["plan", ...p.path], message: p.message });
  };
}

/**
 * A clip has a prompt or a storyboard (`shots`), exactly one; a storyboard's length comes from
 * its shots, and its plan is made from them (or none: plan null). The API's schema and
 * generate() (./settings.ts) both check this.
 */
export function storyboardProblems(o: { prompt?: string; shots?: unknown; frames?: number; extend: number; plan?: ScenePlan | null; loop?: boolean }): PlanProblem[] {
  const out: PlanProblem[] = [];
  if ((o.prompt === undefined) === (o.shots === undefined)) out.push({ path: [o.shots ? "shots" : "prompt"], message: "give either prompt or shots (a storyboard), not both" });
  if (o.shots === undefined) return out;
  if (o.frames !== undefined) out.push({ path: ["frames"], message: "a storyboard's length is its shots': leave frames out" });
  if (o.extend > 0) out.push({ path: ["extend"], message: "a storyboard's length is its shots': add a shot instead" });
  if (o.plan) out.push({ path: ["plan"], message: "a storyboard is planned from its shots: send no plan, or null for text alone" });
  if (o.loop) out.push({ path: ["loop"], message: "a storyboard cannot loop yet" });
  return out;
}

/**
 * A negative prompt is the unconditional row of guidance, so at guidance 1 (no such row) it would
 * be ignored: refused instead. A guidance-distilled model defaults to 1 (docs/model-format.md).
 */
export function negativeProblems(o: { negativePrompt: string; guidance?: number }, defaultGuidance: number): PlanProblem[] {
  if (o.negativePrompt.trim() === "" || (o.guidance ?? defaultGuidance) !== 1) return [];
  return [{ path: ["negativePrompt"], message: "a negative prompt works through guidance, and guidance 1 runs none: set guidance above 1" }];
}

/** A clip length in output frames at `fps`, as the DiT's own frames (what a plan counts). */
export function ditFrames(l: Pick<SettingsLimits, "framesPerLatent" | "plan">, frames: number, fps: number): number {
  const r = l.framesPerLatent[String(fps)];
  const own = l.plan ? l.framesPerLatent[String(l.plan.fps)] : undefined;
  if (!r || !own || r === own) return frames;
  return 1 + Math.ceil(((frames - 1) * own) / r);
}

export function jobSettingsSchema(l: SettingsLimits) {
  return z.object(jobSettingsShape(l)).strict().superRefine(jobPlanFits(l));
}

export type JobSettings = z.output<ReturnType<typeof jobSettingsSchema>>;
export type JobSettingsInput = z.input<ReturnType<typeof jobSettingsSchema>>;

/** The n-th seed after `seed`, wrapping inside the model's seed range (for variations). */
export function nthSeed(l: SettingsLimits, seed: number, n: number): number {
  const [lo, hi] = l.seed;
  return lo + ((seed - lo + n) % (hi - lo + 1));
}
