/**
 * Where finished clips live, behind one interface, so workers on other machines need no shared
 * disk: a worker renders a run into its local folder (MEDIA_ROOT) and puts the finished files
 * into the store; the web server serves them from the store.
 *
 *   MEDIA_STORE=local (default)  the files stay in MEDIA_ROOT (./data/media), as a single host
 *                                has always had them: putting one in place is a no-op.
 *   MEDIA_STORE=s3               any S3-compatible service: S3_BUCKET, S3_ENDPOINT (omit for
 *                                AWS), S3_REGION, S3_ACCESS_KEY_ID + S3_SECRET_ACCESS_KEY (else
 *                                the AWS SDK's usual sources), S3_PREFIX (a folder in the
 *                                bucket), S3_FORCE_PATH_STYLE (default: on when S3_ENDPOINT is set).
 *
 * Keys are "<jobId>/<videoId>.<ext>", both database ids (lib/queue/media.ts): never user input.
 */
import path from "node:path";

import { z } from "zod";

import { LocalMediaStore } from "./local";
import { S3MediaStore } from "./s3";
import type { MediaStore } from "./store";

export { assertMediaKey, contentTypeOf, isMediaKey, type MediaStore, type StoredObject } from "./store";

const boolFromEnv = z.enum(["1", "0", "true", "false"]).transform((v) => v === "1" || v === "true");

const storeEnv = z.discriminatedUnion("MEDIA_STORE", [
  z.object({ MEDIA_STORE: z.literal("local"), MEDIA_ROOT: z.string().min(1).default("data/media") }),
  z.object({
    MEDIA_STORE: z.literal("s3"),
    S3_BUCKET: z.string().min(1, "S3_BUCKET is required with MEDIA_STORE=s3"),
    S3_ENDPOINT: z.url().optional(),
    S3_REGION: z.string().min(1).default("us-east-1"),
    S3_ACCESS_KEY_ID: z.string().min(1).optional(),
    S3_SECRET_ACCESS_KEY: z.string().min(1).optional(),
    S3_PREFIX: z
      .string()
      .regex(/^([A-Za-z0-9_-][A-Za-z0-9._-]*\/)*$/, 'S3_PREFIX: folder names ending in "/", e.g. "spacetime/"')
      .default(""),
    S3_FORCE_PATH_STYLE: boolFromEnv.optional(),
  }),
]);

/** The store the environment describes (see above). */
export function mediaStoreFromEnv(env: Record<string, string | undefined> = process.env): MediaStore {
  const blankless = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== ""));
  const parsed = storeEnv.safeParse({ MEDIA_STORE: "local", ...blankless });
  if (!parsed.success) {
    throw new Error(`media store settings: ${parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}`);
  }
  const e = parsed.data;
  if (e.MEDIA_STORE === "local") return new LocalMediaStore(path.resolve(e.MEDIA_ROOT));
  if ((e.S3_ACCESS_KEY_ID === undefined) !== (e.S3_SECRET_ACCESS_KEY === undefined)) {
    throw new Error("media store settings: set both S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY, or neither");
  }
  return new S3MediaStore({
    bucket: e.S3_BUCKET,
    endpoint: e.S3_ENDPOINT,
    region: e.S3_REGION,
    credentials: e.S3_ACCESS_KEY_ID ? { accessKeyId: e.S3_ACCESS_KEY_ID, secretAccessKey: e.S3_SECRET_ACCESS_KEY! } : undefined,
    prefix: e.S3_PREFIX,
    forcePathStyle: e.S3_FORCE_PATH_STYLE ?? e.S3_ENDPOINT !== undefined,
  });
}

// One store per process, like the database connection.
const globalForStore = globalThis as unknown as { spacetimeStore?: { env: string; store: MediaStore } };

/** The process's store; rebuilt if its settings change (tests point MEDIA_ROOT elsewhere). */
export function mediaStore(): MediaStore {
  const key = ["MEDIA_STORE", "MEDIA_ROOT", "S3_BUCKET", "S3_ENDPOINT", "S3_PREFIX"].map((k) => process.env[k] ?? "").join("\n");
  if (globalForStore.spacetimeStore?.env !== key) globalForStore.spacetimeStore = { env: key, store: mediaStoreFromEnv() };
  return globalForStore.spacetimeStore.store;
}
