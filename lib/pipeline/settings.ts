/**
 * Stage 1 of generate(): the caller's settings checked against the model's
 * manifest (zod, so every bad field is named), and the chunk plan that
 * follows from them.
 */
import { z } from "zod";

import { planSchema } from "../plan/schema";
import { shotsSchema, storyboardPrompt } from "../storyboard/schema";
import { shotSpans } from "../storyboard/timing";
import { MAX_EXTEND, negativeProblems, storyboardProblems, defaultContextFrames, framesPerExtension, maxContextFrames, settingsFields, settingsLimits } from "./contract";
import { PipelineError } from "./errors";
import { planGuidanceSchema, temporalRatio, type Manifest } from "./manifest";
import { PROVIDERS } from "./sessions";
import { clipShape } from "./shapes";
import type { GenerateOptions } from "./generate";

export { MAX_EXTEND };
export const FORMATS = ["mp4", "webm", "poster", "webp"] as const;

/**
 * What the caller may pass: the settings contract (./contract.ts) with the model's defaults, plus
 * the pipeline's own options. A clip has a prompt or a storyboard (`shots`, whose length is the
 * clip's); either way `prompt` comes out as the clip's one prompt (a storyboard's: its shots'
 * prompts joined).
 */
function inputSchema(m: Manifest) {
  const kMax = maxContextFrames(m);
  const limits = settingsLimits(m);
  const f = settingsFields(limits);
  return z
    .object({
      prompt: f.prompt.optional(),
      shots: shotsSchema(f.prompt).optional(),
      negativePrompt: f.negativePrompt.default(""),
      seed: f.seed.optional(),
      steps: f.steps.default(limits.defaults.steps),
      guidance: f.guidance.default(limits.defaults.guidance),
      frames: f.frames.optional(),
      extend: f.extend.default(0),
      loop: f.loop.default(false),
      contextFrames: z.number().int().min(1).max(Math.max(kMax, 1)).default(defaultContextFrames(m)),
      continueFrom: z.instanceof(Float32Array).optional(), // one latent window at the clip's aspect: checked below
      // The clip this one continues from its frame `frame` (./cut.ts): these settings with its prompt and plan.
      continueOf: z.object({ frame: z.number().int().min(1), prompt: f.prompt, plan: planSchema.nullable() }).strict().optional(),
      scheduler: f.scheduler.default(limits.defaults.scheduler as (typeof limits.schedulers)[number]),
      precision: f.precision.default(limits.defaults.precision),
      // Guidance runs on the steps whose timestep t lies in [lo, hi]; the others run the conditional half alone.
      guidanceInterval: z
        .tuple([z.number().min(0).max(1), z.number().min(0).max(1)])
        .refine(([lo, hi]) => lo <= hi, "must be [low, high]")
        .default(m.defaults.guidance_interval ?? [0, 1]),
      planGuidance: planGuidanceSchema.default(m.defaults.plan_guidance ?? "off"),
      provider: z.enum(PROVIDERS).default("cpu"),
      out: z.string().endsWith(".mp4", "must be a .mp4 path").optional(),
      formats: z.array(z.enum(FORMATS)).min(1).default([...FORMATS]),
      previewEvery: z.number().int().min(0).default(2),
      fps: f.fps.default(limits.defaults.fps),
      aspect: f.aspect.default(limits.defaults.aspect),
    })
    .superRefine((o, ctx) => {
      // The plan is generate()'s own argument: resolvePlan refuses one beside shots.
      for (const p of [...storyboardProblems(o), ...negativeProblems(o, o.guidance)]) ctx.addIssue({ code: "custom", path: p.path, message: p.message });
      // A storyboard starts a clip: it does not continue one.
      if (o.shots && o.continueFrom) ctx.addIssue({ code: "custom", path: ["continueFrom"], message: "a storyboard starts a clip: it cannot continue one" });
      const needsContext = o.loop || o.extend > 0 || o.continueFrom !== undefined || o.continueOf !== undefined || (clipFrames(o) ?? 0) > m.video.frames;
      if (o.continueFrom && limits.fps.includes(o.fps) && limits.aspects.includes(o.aspect)) {
        const l = clipShape(m, o.fps, o.aspect).latent;
        const size = l.channels * l.frames * l.height * l.width;
        if (o.continueFrom.length !== size) ctx.addIssue({ code: "custom", path: ["continueFrom"], message: `must be one latent window of ${size} values` });
      }
      if (o.continueOf && (o.shots || o.loop || o.continueFrom))
        ctx.addIssue({ code: "custom", path: ["continueOf"], message: "a clip continued from a frame has one prompt, does not loop and does not continue a latent" });
      if (o.continueOf && o.frames === undefined) ctx.addIssue({ code: "custom", path: ["frames"], message: "a continued clip's length must be given" });
      if (o.loop && o.continueFrom) ctx.addIssue({ code: "custom", path: ["loop"], message: "a loop leads back into its own start, so it cannot continue another clip" });
      if (needsContext && kMax < 1) {
        ctx.addIssue({ code: "custom", path: ["extend"], message: "this model takes no context frames, so clips cannot be extended" });
      }
    })
    .transform(({ prompt, ...o }) => ({ ...o, prompt: prompt ?? storyboardPrompt(o.shots ?? []), frames: clipFrames(o) }));
}

/** The clip's length in output frames: a storyboard's is its shots', at the clip's fps. */
const clipFrames = (o: { frames?: number; fps: number; shots?: { seconds: number }[] }) => (o.shots ? shotSpans(o.shots, o.fps).frames : o.frames);

export type Settings = z.infer<ReturnType<typeof inputSchema>>;

export function checkSettings(options: GenerateOptions, m: Manifest): Settings {
  // Callbacks, the signal, where the model lives and the resume state are generate()'s own business.
  const { onStepEnd: _cb, onResumeState: _rs, resumeFrom: _resume, resumeStateEvery: _every, signal: _signal, modelDir: _dir, threads: _threads, ...rest } = options;
  const parsed = inputSchema(m).safeParse(rest);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join(".") || "input"}: ${i.message}`);
    throw new PipelineError("BAD_INPUT", `invalid generation settings:\n${lines.join("\n")}`, { details: parsed.error.issues });
  }
  return parsed.data;
}

/** How a clip is cut into DiT windows. */
export interface ChunkPlan {
  chunks: number;
  skip: number; // leading video frames of a conditioned chunk that re-decode its context (dropped)
  perExtension: number; // video frames each chunk after the first contributes
  frames: number; // the clip's length in video frames
}

/** How many chunks, and how many frames each contributes. */
export function planChunks(s: Pick<Settings, "contextFrames" | "continueFrom" | "extend" | "frames">, m: Manifest): ChunkPlan {
  const k = s.contextFrames;
  const r = temporalRatio(m);
  const perExtension = framesPerExtension(m, k); // video frames of a chunk's new latent frames
  const first = s.continueFrom ? perExtension : m.video.frames;
  let chunks = 1 + s.extend;
  if (s.frames !== undefined && s.frames > first + (chunks - 1) * perExtension) {
    chunks = 1 + Math.ceil((s.frames - first) / perExtension);
    if (chunks > 1 + MAX_EXTEND) {
      throw new PipelineError("BAD_INPUT", `frames: ${s.frames} needs ${chunks} chunks, more than the ${1 + MAX_EXTEND} allowed`);
    }
  }
  const length = first + (chunks - 1) * perExtension;
  // The first 1 + (k-1) r frames of a conditioned chunk re-decode the context frames: dropped.
  return { chunks, skip: 1 + (k - 1) * r, perExtension, frames: Math.min(s.frames ?? length, length) };
}

