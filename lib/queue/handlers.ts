/**
 * A job handler turns a claimed job into files. The worker gives it an abort signal (cancel,
 * shutdown or a lost lease), a progress callback, and the base path its files must have; it
 * must write them atomically (temporary name, then rename) or not at all.
 *
 * pipelineHandler() runs the real model through generate(); tests use the stand-in in
 * ./testing/stand-in-handler.ts.
 */
import { continueOfFromColumn } from "../db/continue-column";
import { settingsOf, type Job } from "../db/jobs";
import type { VideoMetadata } from "../db/videos";
import type { Provider } from "../pipeline/providers";
import type { Preview } from "./preview";

export interface ProgressEvent {
  step: number;
  total: number;
  preview?: Preview; // the pipeline's latent preview, stored for the job's live card
}

export interface JobRun {
  job: Job;
  signal: AbortSignal;
  outBase: string; // absolute, without extension: write `${outBase}.mp4` (and .webm, .png, .webp)
  progress(event: ProgressEvent): void;
  /** The denoising resume state an earlier attempt left (lib/pipeline/resume.ts's bytes), if any. */
  resume: { step: number; bytes: Uint8Array } | null;
  /** Stores a resume state for a later attempt; resolves once it is in the database. */
  saveResumeState(step: number, bytes: Uint8Array): Promise<void>;
  log(line: string): void;
}

export interface JobOutput extends VideoMetadata {
  files: { mp4: string; webm?: string; poster?: string; webp?: string }; // absolute paths under outBase
  resumedAtStep: number; // denoising steps taken over from a resume state (0: from the start)
}

export type JobHandler = (run: JobRun) => Promise<JobOutput>;

/** Failures of the job itself that another attempt cannot fix: the job ends failed at once. */
const JOB_FAULTS = new Set(["BAD_INPUT"]);

/**
 * Failures of the worker, not of the job (its model files, execution provider or ffmpeg): the
 * job goes back to the queue without spending an attempt, for a healthy worker, and this one
 * backs off.
 */
const WORKER_FAULTS = new Set(["BAD_MANIFEST", "MODEL_FILE_MISSING", "MODEL_FILE_CORRUPT", "PROVIDER_UNAVAILABLE", "FFMPEG_MISSING"]);

const codeOf = (err: unknown) => (err as { code?: unknown } | null)?.code;

export function isRetryable(err: unknown): boolean {
  const code = codeOf(err);
  return !(typeof code === "string" && JOB_FAULTS.has(code));
}

export function isWorkerFault(err: unknown): boolean {
  const code = codeOf(err);
  return typeof code === "string" && WORKER_FAULTS.has(code);
}

export interface PipelineHandlerOptions {
  modelDir?: string;
  provider?: Provider;
  threads?: number;
  resumeStateEvery?: number; // denoising steps between saved resume states; default generate()'s
}

/**
 * The real thing: generate() from lib/pipeline, loaded on first use (it brings onnxruntime).
 * It saves the denoising resume state as it goes and resumes from an earlier attempt's
 * state; one that cannot be used (damaged, or made with another model) is set aside and
 * the job starts over.
 */
export function pipelineHandler(options: PipelineHandlerOptions = {}): JobHandler {
  return async ({ job, signal, outBase, progress, resume, saveResumeState, log }) => {
    const { generate } = await import("../pipeline/generate");
    const { decodeDenoiseState, encodeDenoiseState } = await import("../pipeline/resume");
    const continueOf = continueOfFromColumn(job.continueOf);
    const settings: Parameters<typeof generate>[0] = {
      ...settingsOf(job), // with the job's plan: absent = plan the prompt, null = text alone
      ...(continueOf ? { continueOf: { frame: continueOf.frame, prompt: continueOf.prompt, plan: continueOf.plan } } : {}),
      modelDir: options.modelDir,
      provider: options.provider,
      threads: options.threads,
      out: `${outBase}.mp4`,
      signal,
      onStepEnd: (e) => progress({ step: e.step, total: e.total, preview: e.preview }),
      resumeStateEvery: options.resumeStateEvery,
      onResumeState: (state, { step }) => saveResumeState(step, encodeDenoiseState(state)),
    };
    const run = async (resumeFrom?: ReturnType<typeof decodeDenoiseState>) => generate({ ...settings, resumeFrom });
    let r: Awaited<ReturnType<typeof generate>>;
    if (!resume) {
      r = await run();
    } else {
      try {
        const state = decodeDenoiseState(resume.bytes);
        log(`resuming at step ${resume.step}`);
        r = await run(state);
      } catch (err) {
        if ((err as { code?: unknown }).code !== "BAD_RESUME_STATE") throw err;
        log(`resume state at step ${resume.step} not used (${(err as Error).message}); starting over`);
        r = await run();
      }
    }
    if (!r.outputs.mp4) throw new Error("the pipeline wrote no mp4");
    const meanStepMs = r.stepMs.length ? r.stepMs.reduce((a, b) => a + b, 0) / r.stepMs.length : null;
    return {
      files: { mp4: r.outputs.mp4, webm: r.outputs.webm, poster: r.outputs.poster, webp: r.outputs.webp },
      width: r.width,
      height: r.height,
      frames: r.frames.length,
      fps: r.fps,
      aspect: r.aspect,
      loop: r.loop,
      seed: r.seed,
      steps: r.steps,
      guidance: r.guidance,
      scheduler: r.scheduler,
      modelId: r.modelId,
      timings: { ...r.timings },
      secondsPerStep: meanStepMs === null ? null : meanStepMs / 1000,
      plan: r.plan, // the plan the clip followed, kept with it
      resumedAtStep: r.resumedAtStep,
    };
  };
}

/**
 * What a pipeline worker checks before its first claim: the provider's name, the model (its
 * manifest and every file's SHA-256), sessions on that provider, and a runnable ffmpeg. Throws
 * the first problem (a PipelineError); returns what will run.
 */
export async function checkPipeline(options: PipelineHandlerOptions): Promise<string> {
  const { PROVIDERS, getRuntime } = await import("../pipeline/sessions");
  const { resolveFfmpeg, ffmpegVersion } = await import("../pipeline/ffmpeg");
  const { PipelineError } = await import("../pipeline/errors");
  const provider = options.provider ?? "cpu";
  if (!(PROVIDERS as readonly string[]).includes(provider)) {
    throw new PipelineError("PROVIDER_UNAVAILABLE", `SPACETIME_PROVIDER must be one of ${PROVIDERS.join(", ")}, got "${provider}"`);
  }
  const rt = await getRuntime(options.modelDir ?? "models/dev", { provider, threads: options.threads });
  const ffmpeg = await resolveFfmpeg();
  const version = await ffmpegVersion(ffmpeg);
  return `model ${rt.model.manifest.model_id} (${rt.model.dir}) on ${rt.provider}, ${version}`;
}
