/**
 * The environment, read in one place: every variable Spacetime reads is declared here once,
 * with its default and what a good value is (.env.example lists them all for people). A bad
 * value is refused with a ConfigError that names the variable (`WORKER_LEASE_MS must be a
 * whole number of milliseconds from 1000, got "5s"`), never quietly replaced by a default.
 *
 * The variables come in sections, one per part of the system, so that each process checks
 * what it uses when it starts (checkServerConfig() in instrumentation.ts and scripts/start.mjs,
 * checkWorkerConfig() in scripts/worker.ts) and a web host is not refused for a worker's
 * provider. Each section is parsed once per set of values: a section's reader re-parses only
 * when one of its variables has changed (tests set them between cases), so reading it costs a
 * few property lookups. An empty value counts as unset everywhere.
 *
 * lib/db reads DATABASE_URL and SPACETIME_SIGNUP itself (lib/db/url.ts, instance-settings.ts);
 * they are declared and checked here too, so that a bad one stops the server at start.
 */
import { z } from "zod";

import { parseProxyList, type Range } from "./http/address-range";
import { PROVIDERS } from "./pipeline/providers";

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ConfigError";
  }
}

type Env = Record<string, string | undefined>;

// ------------------------------------------------------------------ values

/** A variable whose value `read` turns into a T, or refuses (undefined): "VAR must be <what>, got "raw"". */
function value<T>(what: string, read: (raw: string) => T | undefined) {
  return z
    .string()
    .transform((raw, ctx) => {
      const v = raw.trim() === raw ? read(raw) : undefined; // " 5" is a typo more often than a wish
      if (v === undefined) {
        ctx.addIssue({ code: "custom", message: `must be ${what}, got "${raw}"` });
        return z.NEVER;
      }
      return v;
    })
    .optional();
}

/** A number from `min` (or above `above`) up to `max`, whole unless `fraction`. */
function number(what: string, o: { min?: number; above?: number; max?: number; fraction?: boolean }) {
  return value(what, (raw) => {
    const n = Number(raw);
    if (raw === "" || !Number.isFinite(n) || (!o.fraction && !Number.isInteger(n))) return undefined;
    if ((o.min !== undefined && n < o.min) || (o.above !== undefined && n <= o.above) || (o.max !== undefined && n > o.max)) return undefined;
    return n;
  });
}

const positive = (unit: string, min = 1) => number(`a whole number${unit ? ` of ${unit}` : ""}${min === 1 ? " from 1" : ` from ${min}`}`, { min });

function oneOf<const T extends readonly string[]>(choices: T) {
  return value(`one of ${choices.join(", ")}`, (raw) => (choices.includes(raw) ? (raw as T[number]) : undefined));
}

/** Free text (a path, a token, an id): anything but leading or trailing white space. */
const text = (what = "a value without leading or trailing spaces") => value(what, (raw) => raw);

const url = (what: string) =>
  value(what, (raw) => {
    try {
      const u = new URL(raw);
      return u.protocol === "http:" || u.protocol === "https:" ? raw : undefined;
    } catch {
      return undefined;
    }
  });

/** A comma-separated list whose every entry `read` accepts. */
function list<T>(what: string, read: (entry: string) => T | undefined) {
  return value(what, (raw) => {
    const out: T[] = [];
    for (const entry of raw.split(",").map((e) => e.trim()).filter(Boolean)) {
      const v = read(entry);
      if (v === undefined) return undefined;
      out.push(v);
    }
    return out;
  });
}

const flag = oneOf(["1", "0", "true", "false"]);
const isOn = (v: string | undefined) => (v === undefined ? undefined : v === "1" || v === "true");

// ---------------------------------------------------------------- sections

export interface Section<T> {
  readonly variables: readonly string[];
  /** The section from `env` (a test's, or a child's); throws a ConfigError naming every bad variable. */
  parse(env: Env): T;
  /** The section from process.env, parsed again only when one of its variables changed. */
  (): T;
}

function section<S extends z.ZodRawShape, T>(shape: S, build: (v: z.output<z.ZodObject<S>>) => T | string): Section<T> {
  const schema = z.object(shape);
  const variables = Object.keys(shape);
  const parse = (env: Env): T => {
    const given = Object.fromEntries(variables.flatMap((k) => (env[k] === undefined || env[k] === "" ? [] : [[k, env[k]]])));
    const parsed = schema.safeParse(given);
    if (!parsed.success) throw new ConfigError(parsed.error.issues.map((i) => `${i.path.join(".")} ${i.message}`).join("; "));
    const out = build(parsed.data);
    if (typeof out === "string") throw new ConfigError(out);
    return out;
  };
  let cached: { key: string; value: T } | null = null;
  const read = () => {
    const key = variables.map((k) => process.env[k] ?? "").join("\u0000");
    if (cached?.key !== key) cached = { key, value: parse(process.env) };
    return cached.value;
  };
  return Object.assign(read, { parse, variables }) as unknown as Section<T>;
}

/** The web server: who may do what, proxies, sessions, streams. */
export const webConfig = section(
  {
    HOST: text("an address or host name"),
    SPACETIME_MODE: oneOf(["local", "shared"]),
    TRUSTED_PROXIES: text("addresses, CIDR ranges or loopback, comma-separated"),
    SPACETIME_TRUST_PROXY: text("addresses, CIDR ranges or loopback, comma-separated (TRUSTED_PROXIES' older name)"),
    SPACETIME_PUBLIC_URL: url("an http(s) URL"),
    SPACETIME_ALLOWED_ORIGINS: list("http(s) origins (scheme://host[:port]), comma-separated", (o) => {
      try {
        return new URL(o).origin === o ? o : undefined;
      } catch {
        return undefined;
      }
    }),
    SPACETIME_SECRET: value("at least 32 characters", (raw) => (raw.length >= 32 ? raw : undefined)),
    SPACETIME_DATA_DIR: text(),
    SPACETIME_ADMIN_TOKEN: text(),
    SPACETIME_SESSION_DAYS: number("a number of days from 0 to 400", { above: 0, max: 400, fraction: true }),
    SPACETIME_ANONYMOUS_JOBS: number("a whole number from 0", { min: 0 }),
    SPACETIME_SSE_POLL_MS: number("a number of milliseconds from 10", { min: 10, fraction: true }),
    SPACETIME_MAX_STREAMS_PER_CALLER: positive(""),
  },
  (v) => {
    const proxyVar = v.TRUSTED_PROXIES !== undefined ? "TRUSTED_PROXIES" : "SPACETIME_TRUST_PROXY";
    const proxies = parseProxyList(v.TRUSTED_PROXIES ?? v.SPACETIME_TRUST_PROXY ?? "");
    if (!Array.isArray(proxies)) {
      const alias = proxyVar === "TRUSTED_PROXIES" ? "" : " (TRUSTED_PROXIES' older name)";
      return `${proxyVar}${alias}: "${proxies.bad}" is not an address, a CIDR range or "loopback"`;
    }
    return {
      host: v.HOST, // unset: loopback, what `npm start` binds by default
      mode: v.SPACETIME_MODE ?? "local",
      trustedProxies: proxies as Range[],
      publicUrl: v.SPACETIME_PUBLIC_URL?.replace(/\/+$/, ""),
      allowedOrigins: v.SPACETIME_ALLOWED_ORIGINS ?? [],
      secret: v.SPACETIME_SECRET, // unset: <data dir>/secret, created on first use
      dataDir: v.SPACETIME_DATA_DIR ?? "data",
      adminToken: v.SPACETIME_ADMIN_TOKEN,
      sessionDays: v.SPACETIME_SESSION_DAYS ?? 30,
      anonymousJobs: v.SPACETIME_ANONYMOUS_JOBS ?? 0,
      ssePollMs: v.SPACETIME_SSE_POLL_MS ?? 500,
      maxStreamsPerCaller: v.SPACETIME_MAX_STREAMS_PER_CALLER ?? 200,
    };
  },
);

/** The queue's per-caller and global limits (lib/queue/quotas.ts). */
export const quotaConfig = section(
  {
    QUEUE_MAX_ACTIVE_PER_CALLER: positive("jobs"),
    QUEUE_SUBMISSIONS_PER_HOUR: positive("jobs"),
    QUEUE_MAX_COST_IN_FLIGHT: positive("steps"),
    QUEUE_MAX_COST_PER_HOUR: positive("steps"),
    QUEUE_MAX_QUEUED: positive("jobs"),
  },
  (v) => ({
    maxActivePerCaller: v.QUEUE_MAX_ACTIVE_PER_CALLER ?? 10,
    submissionsPerHour: v.QUEUE_SUBMISSIONS_PER_HOUR ?? 60,
    maxCostInFlight: v.QUEUE_MAX_COST_IN_FLIGHT ?? 4_000,
    maxCostPerHour: v.QUEUE_MAX_COST_PER_HOUR ?? 20_000,
    maxQueued: v.QUEUE_MAX_QUEUED ?? 500,
  }),
);

/** The model and ffmpeg, for the worker and for the web server's settings contract and words. */
export const modelConfig = section(
  {
    SPACETIME_MODEL_DIR: text(),
    FFMPEG_PATH: text(),
  },
  (v) => ({
    modelDir: v.SPACETIME_MODEL_DIR ?? "models/dev",
    ffmpegPath: v.FFMPEG_PATH, // unset: @ffmpeg-installer/ffmpeg's binary
  }),
);

/** Where runs are written and finished clips kept (lib/storage). */
export const storeConfig = section(
  {
    MEDIA_ROOT: text(),
    MEDIA_STORE: oneOf(["local", "s3"]),
    S3_BUCKET: text(),
    S3_ENDPOINT: url("an http(s) URL"),
    S3_REGION: text(),
    S3_ACCESS_KEY_ID: text(),
    S3_SECRET_ACCESS_KEY: text(),
    S3_PREFIX: value('folder names ending in "/", e.g. "spacetime/"', (raw) => (/^([A-Za-z0-9_-][A-Za-z0-9._-]*\/)*$/.test(raw) ? raw : undefined)),
    S3_FORCE_PATH_STYLE: flag,
  },
  (v) => {
    const mediaRoot = v.MEDIA_ROOT ?? "data/media";
    if (v.MEDIA_STORE !== "s3") return { mediaRoot, store: { kind: "local" as const } };
    if (v.S3_BUCKET === undefined) return "S3_BUCKET is required with MEDIA_STORE=s3";
    if ((v.S3_ACCESS_KEY_ID === undefined) !== (v.S3_SECRET_ACCESS_KEY === undefined)) {
      return "S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY: set both, or neither (the AWS SDK's usual sources)";
    }
    return {
      mediaRoot,
      store: {
        kind: "s3" as const,
        bucket: v.S3_BUCKET,
        endpoint: v.S3_ENDPOINT, // unset: AWS
        region: v.S3_REGION ?? "us-east-1",
        credentials: v.S3_ACCESS_KEY_ID ? { accessKeyId: v.S3_ACCESS_KEY_ID, secretAccessKey: v.S3_SECRET_ACCESS_KEY! } : undefined,
        prefix: v.S3_PREFIX ?? "",
        forcePathStyle: isOn(v.S3_FORCE_PATH_STYLE) ?? v.S3_ENDPOINT !== undefined,
      },
    };
  },
);

export const DEFAULT_DATABASE_URL = "file:./data/spacetime.db";
export const SIGNUP_POLICIES = ["open", "approval", "closed"] as const;

/** The database (lib/db/url.ts) and the sign-up policy's default (lib/db/instance-settings.ts). */
export const databaseConfig = section(
  {
    DATABASE_URL: value('"file:PATH" (SQLite) or "postgres://..." (PostgreSQL)', (raw) => (raw.startsWith("file:") || /^postgres(ql)?:\/\//.test(raw) ? raw : undefined)),
    SPACETIME_SIGNUP: oneOf(SIGNUP_POLICIES),
  },
  (v) => ({ databaseUrl: v.DATABASE_URL ?? DEFAULT_DATABASE_URL, signup: v.SPACETIME_SIGNUP ?? "approval" }),
);

/** A queue worker (scripts/worker.ts). */
export const workerConfig = section(
  {
    SPACETIME_WORKER_HANDLER: oneOf(["pipeline", "stand-in", "paced-pipeline"]),
    SPACETIME_PROVIDER: oneOf(PROVIDERS),
    SPACETIME_THREADS: positive("threads"),
    WORKER_LEASE_MS: positive("milliseconds", 1_000),
    WORKER_CHECKPOINT_EVERY: positive("denoising steps"),
    WORKER_ID: text(),
    STANDIN_STEPS: positive("steps"),
    STANDIN_STEP_MS: positive("milliseconds"),
    PACED_STEP_MS: positive("milliseconds"),
  },
  (v) => ({
    handler: v.SPACETIME_WORKER_HANDLER ?? "pipeline",
    provider: v.SPACETIME_PROVIDER ?? "cpu",
    threads: v.SPACETIME_THREADS, // unset: onnxruntime's (the physical cores)
    leaseMs: v.WORKER_LEASE_MS, // unset: QUEUE_DEFAULTS.leaseMs
    resumeStateEvery: v.WORKER_CHECKPOINT_EVERY, // unset: generate()'s
    id: v.WORKER_ID, // unset: host-pid-random
    standIn: { steps: v.STANDIN_STEPS, stepMs: v.STANDIN_STEP_MS },
    pacedStepMs: v.PACED_STEP_MS ?? 20,
  }),
);

/** `npm start` (scripts/start.mjs): the web server's port and address, and its supervision. */
export const startConfig = section(
  {
    PORT: number("a port number from 1 to 65535", { min: 1, max: 65_535 }),
    HOST: text("an address or host name"),
    START_WORKER: oneOf(["1", "0"]),
    START_RESTARTS: number("a positive number", { above: 0, fraction: true }),
    START_RESTART_WINDOW_S: number("a positive number of seconds", { above: 0, fraction: true }),
  },
  (v) => ({
    port: v.PORT ?? 3000,
    host: v.HOST ?? "127.0.0.1", // loopback unless told otherwise
    withWorker: v.START_WORKER !== "0",
    restarts: v.START_RESTARTS ?? 5,
    restartWindowMs: (v.START_RESTART_WINDOW_S ?? 60) * 1000,
  }),
);

/** Developer scripts (scripts/screenshots.ts). */
export const toolsConfig = section({ CHROMIUM_PATH: text() }, (v) => ({ chromiumPath: v.CHROMIUM_PATH ?? "/usr/bin/chromium" }));

export const SECTIONS = [webConfig, quotaConfig, modelConfig, storeConfig, databaseConfig, workerConfig, startConfig, toolsConfig] as const;

/** Parses every section in `sections`, and throws one ConfigError naming every bad variable among them. */
function checkAll(sections: readonly Section<unknown>[]): void {
  const problems: string[] = [];
  for (const s of sections) {
    try {
      s();
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      problems.push(err.message);
    }
  }
  if (problems.length) throw new ConfigError(problems.join("; "));
}

/** What the web server reads: checked before it serves. */
export const checkServerConfig = () => checkAll([webConfig, quotaConfig, modelConfig, storeConfig, databaseConfig]);

/** What a worker reads: checked before it claims. */
export const checkWorkerConfig = () => checkAll([workerConfig, modelConfig, storeConfig, databaseConfig]);
