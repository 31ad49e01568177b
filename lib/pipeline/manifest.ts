/**
 * model.json (docs/model-format.md, format_version 1): its schema and
 * `loadModel(dir)`, which refuses a directory whose files are missing or
 * differ from the SHA-256 the exporter recorded. Everything the pipeline
 * needs to know about a model comes from here; nothing is guessed.
 */
import { createHash } from "node:crypto";
import { createReadStream, readFileSync } from "node:fs";
import { readFile, stat } from "node:fs/promises";
import path from "node:path";
import { z } from "zod";

import { PipelineError } from "./errors";
import { shapeIssues } from "./shapes";

const positiveInt = z.number().int().positive();
const range = z.tuple([z.number(), z.number()]).refine(([lo, hi]) => lo <= hi, "range must be [low, high]");
const rgb = z.tuple([z.number(), z.number(), z.number()]);
const fileEntry = z.object({
  path: z
    .string()
    .min(1)
    // Paths come from a file on disk: keep them inside the model directory.
    .refine((p) => !path.isAbsolute(p) && !p.split(/[\\/]/).includes(".."), "must be a relative path inside the model directory"),
  sha256: z.string().regex(/^[0-9a-f]{64}$/, "must be 64 lowercase hex digits"),
});

const outputEntry = z.object({ file: z.string().min(1), scale: positiveInt, frames_per_latent: positiveInt }).strict();
const aspectEntry = z.object({ width: positiveInt, height: positiveInt }).strict();


/**
 * What guidance's unconditional row lacks of the plan, so that guidance strengthens it as it does
 * the text: "off" nothing (both rows follow the plan: guidance sharpens the text, the plan
 * places), "camera" the camera's channels (its motion and the shading it moves), "all" the whole
 * plan. true and false, as older model directories and callers say it, are "all" and "off".
 */
export const PLAN_GUIDANCE = ["off", "camera", "all"] as const;
export type PlanGuidance = (typeof PLAN_GUIDANCE)[number];
export const planGuidanceSchema = z
  .union([z.boolean(), z.enum(PLAN_GUIDANCE)])
  .transform((v): PlanGuidance => (v === true ? "all" : v === false ? "off" : v));
export const FILE_KEYS = ["tokenizer", "text_encoder", "dit", "vae_decoder", "golden"] as const;
/** Files a model directory may have: int8 graphs beside the fp32 ones (model/spacetime/quantize.py). */
export const OPTIONAL_FILE_KEYS = ["dit_int8"] as const;
export type ModelFileKey = (typeof FILE_KEYS)[number] | (typeof OPTIONAL_FILE_KEYS)[number];

/** The arithmetic the DiT runs in: fp32, or int8 weights where the manifest lists `files.dit_int8`. */
export const PRECISIONS = ["fp32", "int8"] as const;
export type Precision = (typeof PRECISIONS)[number];

export const manifestSchema = z
  .object({
    format_version: z.literal(1),
    model_id: z.string().min(1),
    preset: z.string().min(1),
    configs: z.record(z.string(), z.unknown()),
    video: z.object({ frames: positiveInt, height: positiveInt, width: positiveInt, fps: z.number().positive() }),
    latent: z.object({ channels: positiveInt, frames: positiveInt, height: positiveInt, width: positiveInt }),
    patch_size: z.tuple([positiveInt, positiveInt, positiveInt]),
    text: z.object({ max_length: z.number().int().min(2), dim: positiveInt }),
    context_frames: z.object({ max: z.number().int().nonnegative() }),
    scheduler: z.object({ type: z.string().min(1), shift: z.number().positive() }),
    defaults: z.object({
      steps: positiveInt,
      guidance: z.number(),
      // Optional, for model directories written before them: the solver (else scheduler.type),
      // the precision (else fp32) and the timesteps t in [lo, hi] that get guidance (else all).
      scheduler: z.string().min(1).optional(),
      precision: z.enum(PRECISIONS).optional(),
      guidance_interval: range.refine(([lo, hi]) => lo >= 0 && hi <= 1, "must lie within [0, 1]").optional(),
      // Optional, for model directories without `outputs`/`aspects`: the clip's fps (a key of
      // outputs, else video.fps) and aspect (a key of aspects, else "1:1").
      fps: positiveInt.optional(),
      aspect: z.string().min(1).optional(),
      // Optional: what guidance's unconditional row lacks of the plan (planGuidanceSchema; else nothing).
      plan_guidance: planGuidanceSchema.optional(),
    }),
    limits: z.object({
      steps: range,
      guidance: range,
      seed: range,
      prompt_chars: positiveInt,
    }),
    preview: z.object({ latent_to_rgb: z.array(rgb), bias: rgb }),
    files: z.object({
      tokenizer: fileEntry,
      text_encoder: fileEntry,
      dit: fileEntry,
      vae_decoder: fileEntry,
      golden: fileEntry,
      dit_int8: fileEntry.optional(),
    }).catchall(fileEntry), // more files, named by outputs (decoders at other fps)
    // Optional (./shapes.ts): decoders by output fps, and the DiT's frame per aspect.
    outputs: z.record(z.string().regex(/^[1-9][0-9]*$/, "keys must be fps as whole numbers"), outputEntry).optional(),
    aspects: z.record(z.string().regex(/^[1-9][0-9]*:[1-9][0-9]*$/, 'keys must be aspects like "16:9"'), aspectEntry).optional(),
    training: z.record(z.string(), z.unknown()).optional(),
    // Present when the DiT takes a scene plan (docs/scene-plan.md): its raster's channels, in order.
    plan: z
      .object({
        version: z.literal(1),
        channels: z.array(z.string().min(1)).min(1),
        max_objects: positiveInt,
        latent_factor: positiveInt,
        max_seconds: positiveInt,
      })
      .optional(),
  })
  .superRefine((m, ctx) => {
    // Cross-field facts the pipeline relies on; a broken export should fail here, not mid-generation.
    const issue = (p: (string | number)[], message: string) => ctx.addIssue({ code: "custom", path: p, message });
    if (m.preview.latent_to_rgb.length !== m.latent.channels)
      issue(["preview", "latent_to_rgb"], `needs one row per latent channel (${m.latent.channels})`);
    if (m.context_frames.max >= m.latent.frames)
      issue(["context_frames", "max"], `must leave at least one latent frame to generate (latent.frames = ${m.latent.frames})`);
    const { frames: T } = m.video;
    const { frames: F } = m.latent;
    if (F > 1 && ((T - 1) % (F - 1) !== 0 || T <= F - 1))
      issue(["video", "frames"], `video frames ${T} must be 1 + k * (latent frames - 1) (latent frames ${F})`);
    const [smin, smax] = m.limits.steps;
    if (m.defaults.steps < smin || m.defaults.steps > smax) issue(["defaults", "steps"], "outside limits.steps");
    const [seedMin, seedMax] = m.limits.seed;
    if (!Number.isInteger(seedMin) || !Number.isInteger(seedMax) || seedMin < 0 || seedMax > 2 ** 32 - 1)
      issue(["limits", "seed"], "must be integers within [0, 2^32 - 1], the noise generator's seed range");
    const [gmin, gmax] = m.limits.guidance;
    if (m.defaults.guidance < gmin || m.defaults.guidance > gmax) issue(["defaults", "guidance"], "outside limits.guidance");
    if (m.defaults.precision === "int8" && !m.files.dit_int8) issue(["defaults", "precision"], "int8 needs files.dit_int8");
    shapeIssues(m, issue);
    if (m.plan && m.video.height / m.plan.latent_factor !== m.latent.height)
      issue(["plan", "latent_factor"], `video height / latent_factor must be the latent height (${m.latent.height})`);
  });

export type Manifest = z.infer<typeof manifestSchema>;

export interface LoadedModel {
  dir: string; // absolute
  manifest: Manifest;
  paths: Record<(typeof FILE_KEYS)[number], string> & Partial<Record<(typeof OPTIONAL_FILE_KEYS)[number], string>> & Record<string, string | undefined>; // absolute, verified (plus outputs' decoders)
}

/** Latent frame -> video frames: the first latent frame is one video frame, each later one `temporalRatio`. */
export function temporalRatio(m: Manifest): number {
  return m.latent.frames > 1 ? (m.video.frames - 1) / (m.latent.frames - 1) : 1;
}

export async function sha256File(file: string): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest("hex");
}

export function parseManifest(json: unknown, where = "model.json"): Manifest {
  const parsed = manifestSchema.safeParse(json);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join(".") || "(root)"}: ${i.message}`);
    throw new PipelineError("BAD_MANIFEST", `${where} does not follow docs/model-format.md:\n${lines.join("\n")}`, {
      details: parsed.error.issues,
    });
  }
  return parsed.data;
}

/**
 * `dir/model.json` alone, read and validated (no file hashes): what the web server needs to
 * know of the model, the settings contract (./contract.ts), without loading it.
 */
export function readManifest(dir: string): Manifest {
  const manifestPath = path.join(path.resolve(dir), "model.json");
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(manifestPath, "utf8"));
  } catch (err) {
    const missing = (err as NodeJS.ErrnoException).code === "ENOENT";
    throw new PipelineError(missing ? "MODEL_FILE_MISSING" : "BAD_MANIFEST", `cannot read ${manifestPath}: ${(err as Error).message}`, { cause: err });
  }
  return parseManifest(json, manifestPath);
}

/** Reads and validates `dir/model.json`, then checks every listed file's SHA-256. */
export async function loadModel(dir: string): Promise<LoadedModel> {
  const abs = path.resolve(dir);
  const manifestPath = path.join(abs, "model.json");
  let text: string;
  try {
    text = await readFile(manifestPath, "utf8");
  } catch (err) {
    throw new PipelineError("MODEL_FILE_MISSING", `no model at ${abs}: cannot read model.json (export one with \`npm run export\`)`, {
      cause: err,
    });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new PipelineError("BAD_MANIFEST", `${manifestPath} is not valid JSON: ${(err as Error).message}`, { cause: err });
  }
  const manifest = parseManifest(json, manifestPath);

  const paths = {} as LoadedModel["paths"];
  const decoderKeys = Object.values(manifest.outputs ?? {}).map((o) => o.file);
  for (const key of new Set<string>([...FILE_KEYS, ...OPTIONAL_FILE_KEYS, ...decoderKeys])) {
    const entry = (manifest.files as Record<string, z.infer<typeof fileEntry> | undefined>)[key];
    if (!entry) continue; // an optional file the model does not have
    const file = path.join(abs, entry.path);
    try {
      if (!(await stat(file)).isFile()) throw new Error("not a regular file");
    } catch (err) {
      throw new PipelineError("MODEL_FILE_MISSING", `model file "${entry.path}" (${key}) is missing from ${abs}`, {
        cause: err,
        details: { key, file },
      });
    }
    const actual = await sha256File(file);
    if (actual !== entry.sha256) {
      throw new PipelineError(
        "MODEL_FILE_CORRUPT",
        `model file "${entry.path}" (${key}) is corrupt or was replaced: sha256 ${actual} but model.json says ${entry.sha256}`,
        { details: { key, file, expected: entry.sha256, actual } },
      );
    }
    (paths as Record<string, string>)[key] = file;
  }
  return { dir: abs, manifest, paths };
}
