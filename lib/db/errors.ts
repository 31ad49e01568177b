/**
 * The one error class of the data and queue layers. Its code says what went wrong in terms a
 * route handler maps to a response without parsing messages: `status` is the HTTP status and
 * `toJSON()` the body, `{ "error": { "code", "message" } }`.
 */
export const ERROR_STATUS = Object.freeze({
  BAD_REQUEST: 400, // input failed validation
  UNAUTHORIZED: 401, // no valid caller identity
  FORBIDDEN: 403, // known caller, not allowed
  NOT_FOUND: 404, // missing, or not the caller's (the two are not told apart)
  CONFLICT: 409, // the resource's state forbids it (cancel a finished job, reuse an idempotency key)
  PAYLOAD_TOO_LARGE: 413, // a request body over the route's limit
  UNSUPPORTED_MEDIA_TYPE: 415, // a body that is not JSON where JSON is required
  RATE_LIMITED: 429, // per-caller limits; `retryAfterSeconds` says when to try again
  INTERNAL: 500,
  UNAVAILABLE: 503, // the database is busy or not migrated
});

export type AppErrorCode = keyof typeof ERROR_STATUS;

export class AppError extends Error {
  readonly code: AppErrorCode;
  readonly details?: unknown;
  readonly retryAfterSeconds?: number;

  constructor(code: AppErrorCode, message: string, options?: { details?: unknown; retryAfterSeconds?: number; cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = "AppError";
    this.code = code;
    this.details = options?.details;
    this.retryAfterSeconds = options?.retryAfterSeconds;
  }

  get status(): number {
    return ERROR_STATUS[this.code];
  }

  toJSON() {
    return { error: { code: this.code, message: this.message } };
  }
}

export function isAppError(err: unknown, code?: AppErrorCode): err is AppError {
  return err instanceof AppError && (code === undefined || err.code === code);
}
