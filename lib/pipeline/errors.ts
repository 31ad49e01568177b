/**
 * One error class for the whole pipeline, with a code its callers act on without parsing
 * messages. The queue (lib/queue/handlers.ts): BAD_INPUT fails the job at once (no retry);
 * BAD_MANIFEST, MODEL_FILE_*, PROVIDER_UNAVAILABLE and FFMPEG_MISSING are the worker's faults
 * (the job goes back without spending an attempt, the worker rests); BAD_RESUME_STATE starts
 * the job over from noise; anything else is retried. ABORTED ends a run whose outcome the
 * worker already knows (canceled, lease lost, shutdown). The CLI (./cli.ts) exits 2 on
 * BAD_INPUT, 130 on ABORTED and 1 otherwise.
 */
export type PipelineErrorCode =
  | "BAD_INPUT" // a setting outside the manifest's limits
  | "BAD_MANIFEST" // model.json does not follow docs/model-format.md
  | "MODEL_FILE_MISSING" // a file named in model.json is not there
  | "MODEL_FILE_CORRUPT" // a file's SHA-256 differs from model.json
  | "PROVIDER_UNAVAILABLE" // the execution provider asked for cannot run here
  | "FFMPEG_MISSING" // no ffmpeg binary at the resolved path
  | "FFMPEG_FAILED" // ffmpeg exited with an error
  | "SCHEDULER_MISUSE" // scheduler called out of order
  | "BAD_RESUME_STATE" // a resume state that is damaged or belongs to other settings
  | "ABORTED"; // the caller's AbortSignal fired

export class PipelineError extends Error {
  readonly code: PipelineErrorCode;
  readonly details?: unknown;

  constructor(code: PipelineErrorCode, message: string, options?: { details?: unknown; cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = "PipelineError";
    this.code = code;
    this.details = options?.details;
  }
}

/** Throws ABORTED if the signal has fired; called at every stage boundary and step. */
export function throwIfAborted(signal: AbortSignal | undefined, where: string): void {
  if (signal?.aborted) throw new PipelineError("ABORTED", `generation aborted (${where})`, { cause: signal.reason });
}
