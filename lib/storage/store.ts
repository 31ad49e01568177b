/** The store's interface and its keys (see ./index.ts). */
import path from "node:path";

export interface StoredObject {
  size: number;
  etag: string; // strong, quoted: the bytes behind a key never change once put
  lastModified: Date;
}

export interface MediaStore {
  readonly kind: "local" | "s3";
  /** For logs: the folder or s3://bucket/prefix. */
  readonly where: string;
  /** Makes a finished local file the object `key`; the local file is consumed. */
  put(key: string, file: string): Promise<void>;
  head(key: string): Promise<StoredObject | null>;
  /** The object's bytes, or the inclusive range [start, end] of them. */
  read(key: string, range?: { start: number; end: number }): Promise<ReadableStream<Uint8Array>>;
  remove(keys: string[]): Promise<void>;
  /** Keys of one job's objects. */
  listJob(jobId: string): Promise<string[]>;
  /** Ids of the jobs that have objects, for the sweeper. */
  jobIds(): Promise<string[]>;
}

// "<jobId>/<videoId>.<ext>", both 24-character ids: what lib/queue/run-files.ts writes.
const KEY_PATTERN = /^[A-Za-z0-9_-]{24}\/[A-Za-z0-9_-]{24}\.(mp4|webm|png|webp)$/;

export function isMediaKey(key: unknown): key is string {
  return typeof key === "string" && KEY_PATTERN.test(key);
}

export function assertMediaKey(key: string): void {
  if (!isMediaKey(key)) throw new Error(`not a media key: ${JSON.stringify(key)}`);
}

const CONTENT_TYPES: Record<string, string> = {
  ".mp4": "video/mp4",
  ".webm": "video/webm",
  ".png": "image/png",
  ".webp": "image/webp",
};

export function contentTypeOf(key: string): string {
  return CONTENT_TYPES[path.extname(key)] ?? "application/octet-stream";
}

