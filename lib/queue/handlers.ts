/**
 * A job handler turns a claimed job into files. The worker gives it an abort signal (cancel,
 * shutdown or a lost lease), a progress callback, and the base path its files must have; it
 * must write them atomically (temporary name, then rename) or not at all.
 *
 * pipelineHandler() runs the real model through generate(); tests use the stand-in in
 * ./testing/stand-in-handler.ts.
 */
import type { Job, VideoMetadata } from "../db/jobs";

export interface ProgressEvent {
  step: number;
  total: number;
  preview?: unknown; // the pipeline's latent preview, for live previews
}

export interface JobRun {
  job: Job;
  signal: AbortSignal;
  outBase: string; // absolute, without extension: write `${outBase}.mp4` (and .webm, .png, .webp)
  progress(event: ProgressEvent): void;
}

export interface JobOutput extends VideoMetadata {
  files: { mp4: string; webm?: string; poster?: string; webp?: string }; // absolute paths under outBase
}

export type JobHandler = (run: JobRun) => Promise<JobOutput>;

/** Pipeline failures that another attempt cannot fix: the job ends failed at once. */
const PERMANENT = new Set(["BAD_INPUT", "BAD_MANIFEST", "MODEL_FILE_MISSING", "MODEL_FILE_CORRUPT", "PROVIDER_UNAVAILABLE", "FFMPEG_MISSING"]);

export function isRetryable(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return !(typeof code === "string" && PERMANENT.has(code));
}

export interface PipelineHandlerOptions {
  modelDir?: string;
  provider?: "cpu" | "webgpu" | "cuda" | "auto";
  threads?: number;
}

/** The real thing: generate() from lib/pipeline, loaded on first use (it brings onnxruntime). */
export function pipelineHandler(options: PipelineHandlerOptions = {}): JobHandler {
  return async ({ job, signal, outBase, progress }) => {
    const { generate } = await import("../pipeline/generate");
    const r = await generate({
      prompt: job.prompt,
      negativePrompt: job.negativePrompt,
      seed: job.seed ?? undefined,
      steps: job.steps ?? undefined,
      guidance: job.guidance ?? undefined,
      frames: job.frames ?? undefined,
      extend: job.extend,
      scheduler: (job.scheduler ?? undefined) as Parameters<typeof generate>[0]["scheduler"],
      modelDir: options.modelDir,
      provider: options.provider,
      threads: options.threads,
      out: `${outBase}.mp4`,
      signal,
      onStepEnd: (e) => progress({ step: e.step, total: e.total, preview: e.preview }),
    });
    if (!r.outputs.mp4) throw new Error("the pipeline wrote no mp4");
    const meanStepMs = r.stepMs.length ? r.stepMs.reduce((a, b) => a + b, 0) / r.stepMs.length : null;
    return {
      files: { mp4: r.outputs.mp4, webm: r.outputs.webm, poster: r.outputs.poster, webp: r.outputs.webp },
      width: r.width,
      height: r.height,
      frames: r.frames.length,
      fps: r.fps,
      seed: r.seed,
      steps: r.steps,
      guidance: r.guidance,
      scheduler: r.scheduler,
      modelId: r.modelId,
      timings: { ...r.timings },
      secondsPerStep: meanStepMs === null ? null : meanStepMs / 1000,
    };
  };
}
