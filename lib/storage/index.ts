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
 * Keys are "<jobId>/<videoId>.<ext>", both database ids (lib/queue/run-files.ts): never user input.
 */
import path from "node:path";

import { storeConfig } from "../config";
import { LocalMediaStore } from "./local";
import { S3MediaStore } from "./s3";
import type { MediaStore } from "./store";

export { assertMediaKey, contentTypeOf, isMediaKey, type MediaStore, type StoredObject } from "./store";

/** The store `env` describes (see above; lib/config.ts checks the variables), process.env's by default. */
export function mediaStoreFromEnv(env?: Record<string, string | undefined>): MediaStore {
  const { mediaRoot, store } = env ? storeConfig.parse(env) : storeConfig();
  if (store.kind === "local") return new LocalMediaStore(path.resolve(mediaRoot));
  const { kind: _kind, ...s3 } = store;
  return new S3MediaStore(s3);
}

// One store per process, like the database connection.
const globalForStore = globalThis as unknown as { spacetimeStore?: { settings: object; store: MediaStore } };

/** The process's store; rebuilt if its settings change (tests point MEDIA_ROOT elsewhere). */
export function mediaStore(): MediaStore {
  const settings = storeConfig(); // the same object while the variables stay the same
  if (globalForStore.spacetimeStore?.settings !== settings) globalForStore.spacetimeStore = { settings, store: mediaStoreFromEnv() };
  return globalForStore.spacetimeStore.store;
}
