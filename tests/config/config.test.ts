/**
 * lib/config.ts: every variable it reads, given a bad value, is refused with a ConfigError
 * that names it; unset and empty are the documented defaults; .env.example lists them all.
 */
import { readFileSync } from "node:fs";
import path from "node:path";

import { describe, expect, it } from "vitest";

import { ConfigError, SECTIONS, checkServerConfig, checkWorkerConfig, databaseConfig, modelConfig, quotaConfig, startConfig, storeConfig, toolsConfig, webConfig, workerConfig } from "../../lib/config";

/** One bad value per variable, and what the message must say about it. */
const BAD: Record<string, [value: string, reason: RegExp]> = {
  HOST: [" 0.0.0.0", /an address or host name/],
  PORT: ["70000", /port number from 1 to 65535/],
  SPACETIME_MODE: ["public", /one of local, shared/],
  TRUSTED_PROXIES: ["10.0.0.0/33", /"10.0.0.0\/33" is not an address, a CIDR range or "loopback"/],
  SPACETIME_TRUST_PROXY: ["proxy.example", /older name.*"proxy.example" is not an address/],
  SPACETIME_PUBLIC_URL: ["studio.example", /an http\(s\) URL/],
  SPACETIME_ALLOWED_ORIGINS: ["https://a.example, https://b.example/path", /origins/],
  SPACETIME_SECRET: ["short", /at least 32 characters/],
  SPACETIME_DATA_DIR: ["data ", /without leading or trailing spaces/],
  SPACETIME_ADMIN_TOKEN: [" token", /without leading or trailing spaces/],
  SPACETIME_SESSION_DAYS: ["0", /days from 0 to 400/],
  SPACETIME_ANONYMOUS_JOBS: ["-1", /whole number from 0/],
  SPACETIME_SSE_POLL_MS: ["5", /milliseconds from 10/],
  SPACETIME_MAX_STREAMS_PER_CALLER: ["1.5", /whole number from 1/],
  QUEUE_MAX_ACTIVE_PER_CALLER: ["0", /whole number of jobs from 1/],
  QUEUE_SUBMISSIONS_PER_HOUR: ["ten", /whole number of jobs from 1/],
  QUEUE_MAX_COST_IN_FLIGHT: ["-5", /whole number of steps from 1/],
  QUEUE_MAX_COST_PER_HOUR: ["2.5", /whole number of steps from 1/],
  QUEUE_MAX_QUEUED: ["1e", /whole number of jobs from 1/],
  SPACETIME_MODEL_DIR: [" models/dev", /without leading or trailing spaces/],
  FFMPEG_PATH: ["/usr/bin/ffmpeg ", /without leading or trailing spaces/],
  MEDIA_ROOT: [" data/media", /without leading or trailing spaces/],
  MEDIA_STORE: ["nfs", /one of local, s3/],
  S3_BUCKET: [" clips", /without leading or trailing spaces/],
  S3_ENDPOINT: ["not a url", /an http\(s\) URL/],
  S3_REGION: ["us-east-1 ", /without leading or trailing spaces/],
  S3_ACCESS_KEY_ID: [" key", /without leading or trailing spaces/],
  S3_SECRET_ACCESS_KEY: ["secret ", /without leading or trailing spaces/],
  S3_PREFIX: ["../", /folder names ending in "\/"/],
  S3_FORCE_PATH_STYLE: ["yes", /one of 1, 0, true, false/],
  DATABASE_URL: ["mysql://db/spacetime", /"file:PATH" \(SQLite\) or "postgres:\/\/..." \(PostgreSQL\)/],
  SPACETIME_SIGNUP: ["invite", /one of open, approval, closed/],
  SPACETIME_WORKER_HANDLER: ["model", /one of pipeline, stand-in, paced-pipeline/],
  SPACETIME_PROVIDER: ["cdua", /one of cpu, webgpu, cuda, auto/],
  SPACETIME_THREADS: ["0", /whole number of threads from 1/],
  WORKER_LEASE_MS: ["500", /whole number of milliseconds from 1000/],
  WORKER_CHECKPOINT_EVERY: ["two", /whole number of denoising steps from 1/],
  WORKER_ID: [" w1", /without leading or trailing spaces/],
  STANDIN_STEPS: ["0", /whole number of steps from 1/],
  STANDIN_STEP_MS: ["-1", /whole number of milliseconds from 1/],
  PACED_STEP_MS: ["fast", /whole number of milliseconds from 1/],
  START_WORKER: ["yes", /one of 1, 0/],
  START_RESTARTS: ["0", /a positive number/],
  START_RESTART_WINDOW_S: ["-5", /a positive number of seconds/],
  CHROMIUM_PATH: [" /usr/bin/chromium", /without leading or trailing spaces/],
};

const sectionsOf = (name: string) => SECTIONS.filter((s) => s.variables.includes(name));
const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

describe("a bad value", () => {
  it("is listed here for every variable the config reads", () => {
    expect(Object.keys(BAD).sort()).toEqual([...new Set(SECTIONS.flatMap((s) => s.variables))].sort());
  });

  it.each(Object.entries(BAD))("of %s is a ConfigError naming it", (name, [raw, reason]) => {
    for (const section of sectionsOf(name)) {
      let error: unknown;
      try {
        section.parse({ [name]: raw });
      } catch (err) {
        error = err;
      }
      expect(error).toBeInstanceOf(ConfigError);
      const message = (error as Error).message;
      expect(message).toMatch(new RegExp(`^${name}\\b`));
      expect(message).toMatch(reason);
      if (!/older name/.test(message)) expect(message).toContain(`"${raw}"`); // says what it got
    }
  });

  it("of several variables names each of them", () => {
    expect(() => workerConfig.parse({ SPACETIME_THREADS: "0", WORKER_LEASE_MS: "fast" })).toThrow(/^SPACETIME_THREADS .*; WORKER_LEASE_MS /);
  });

  it("stops the process that reads it at start, and only that one", () => {
    const saved = { ...process.env };
    try {
      process.env.SPACETIME_PROVIDER = "cdua"; // a worker's variable: the web server does not care
      expect(() => checkServerConfig()).not.toThrow();
      expect(() => checkWorkerConfig()).toThrow(/^SPACETIME_PROVIDER must be one of cpu, webgpu, cuda, auto, got "cdua"$/);
      process.env.SPACETIME_SSE_POLL_MS = "often";
      process.env.QUEUE_MAX_QUEUED = "0";
      expect(() => checkServerConfig()).toThrow(/^SPACETIME_SSE_POLL_MS .*; QUEUE_MAX_QUEUED /);
    } finally {
      process.env = saved;
    }
  });
});

describe("rules between variables", () => {
  it("MEDIA_STORE=s3 needs S3_BUCKET, and both S3 keys or neither", () => {
    expect(() => storeConfig.parse({ MEDIA_STORE: "s3" })).toThrow(/^S3_BUCKET is required with MEDIA_STORE=s3$/);
    expect(() => storeConfig.parse({ MEDIA_STORE: "s3", S3_BUCKET: "b", S3_SECRET_ACCESS_KEY: "s" })).toThrow(/^S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY: set both, or neither/);
  });

  it("TRUSTED_PROXIES wins over its older name", () => {
    expect(webConfig.parse({ TRUSTED_PROXIES: "loopback", SPACETIME_TRUST_PROXY: "10.0.0.1" }).trustedProxies).toHaveLength(2);
    expect(webConfig.parse({ SPACETIME_TRUST_PROXY: "10.0.0.1" }).trustedProxies).toHaveLength(1);
  });
});

describe("unset and empty", () => {
  it("are the defaults, the same for both", () => {
    const empty = Object.fromEntries(SECTIONS.flatMap((s) => s.variables).map((k) => [k, ""]));
    for (const env of [{}, empty]) {
      expect(webConfig.parse(env)).toMatchObject({ mode: "local", host: undefined, trustedProxies: [], allowedOrigins: [], dataDir: "data", sessionDays: 30, anonymousJobs: 0, ssePollMs: 500, maxStreamsPerCaller: 200 });
      expect(quotaConfig.parse(env)).toEqual({ maxActivePerCaller: 10, submissionsPerHour: 60, maxCostInFlight: 4_000, maxCostPerHour: 20_000, maxQueued: 500 });
      expect(modelConfig.parse(env)).toEqual({ modelDir: "models/dev", ffmpegPath: undefined });
      expect(storeConfig.parse(env)).toEqual({ mediaRoot: "data/media", store: { kind: "local" } });
      expect(databaseConfig.parse(env)).toEqual({ databaseUrl: "file:./data/spacetime.db", signup: "approval" });
      expect(workerConfig.parse(env)).toMatchObject({ handler: "pipeline", provider: "cpu", threads: undefined, leaseMs: undefined, pacedStepMs: 20 });
      expect(startConfig.parse(env)).toEqual({ port: 3000, host: "127.0.0.1", withWorker: true, restarts: 5, restartWindowMs: 60_000 });
      expect(toolsConfig.parse(env)).toEqual({ chromiumPath: "/usr/bin/chromium" });
    }
  });

  it("a section is parsed again when, and only when, one of its variables changes", () => {
    const saved = { ...process.env };
    try {
      delete process.env.SPACETIME_SSE_POLL_MS;
      const first = webConfig();
      expect(webConfig()).toBe(first);
      process.env.QUEUE_MAX_QUEUED = "7"; // another section's
      expect(webConfig()).toBe(first);
      process.env.SPACETIME_SSE_POLL_MS = "20";
      expect(webConfig()).not.toBe(first);
      expect(webConfig().ssePollMs).toBe(20);
    } finally {
      process.env = saved;
    }
  });
});

describe(".env.example", () => {
  it("documents every variable, each with its default", () => {
    const text = readFileSync(path.join(__dirname, "../../.env.example"), "utf8");
    for (const name of Object.keys(BAD)) expect(text, name).toMatch(new RegExp(`^#? ?${escape(name)}=`, "m"));
  });
});
