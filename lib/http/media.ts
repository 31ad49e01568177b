/**
 * Serving a clip's files: /media/<videoId>/<name>, where <name> is one of MEDIA_FILES and the
 * path on disk comes from the Video row's key (built by the worker from database ids), never
 * from the URL. Single byte ranges (RFC 9110: 206, or 416 when unsatisfiable; Safari will not
 * play video without them), a strong ETag from size and mtime (the files never change once
 * written), If-None-Match -> 304, If-Range.
 */
import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import path from "node:path";
import { Readable } from "node:stream";

import type { Video } from "../db/jobs";

export const MEDIA_FILES = Object.freeze({
  "video.mp4": "mp4Key",
  "video.webm": "webmKey",
  "poster.png": "posterKey",
  "preview.webp": "webpKey",
} as const satisfies Record<string, keyof Video>);

export type MediaName = keyof typeof MEDIA_FILES;

const CONTENT_TYPES: Record<string, string> = {
  ".mp4": "video/mp4",
  ".webm": "video/webm",
  ".png": "image/png",
  ".webp": "image/webp",
};

// "<jobId>/<videoId>.<ext>", both 24-character ids: what lib/queue/media.ts writes.
const KEY_PATTERN = /^[A-Za-z0-9_-]{24}\/[A-Za-z0-9_-]{24}\.(mp4|webm|png|webp)$/;

export function isMediaName(name: string): name is MediaName {
  return Object.hasOwn(MEDIA_FILES, name);
}

/** The file behind a media name, or null if the clip has none (or its key is not one we write). */
export function mediaPath(root: string, video: Video, name: MediaName): string | null {
  const key = video[MEDIA_FILES[name]];
  if (!key || !KEY_PATTERN.test(key)) return null;
  const file = path.resolve(root, key);
  return file.startsWith(root + path.sep) ? file : null;
}

/** The response for a file: 200, 206, 304 or 416; null if the file is missing. */
export async function fileResponse(req: Request, file: string, cacheControl: string): Promise<Response | null> {
  const info = await stat(file).catch(() => null);
  if (!info?.isFile()) return null;
  const size = info.size;
  const etag = `"${size.toString(36)}-${Math.floor(info.mtimeMs).toString(36)}"`;
  const headers: Record<string, string> = {
    "content-type": CONTENT_TYPES[path.extname(file)] ?? "application/octet-stream",
    "x-content-type-options": "nosniff",
    "accept-ranges": "bytes",
    "cache-control": cacheControl,
    etag,
    "last-modified": info.mtime.toUTCString(),
  };
  if (matchesEtag(req.headers.get("if-none-match"), etag)) return new Response(null, { status: 304, headers });

  const rangeHeader = req.headers.get("range");
  const ifRange = req.headers.get("if-range");
  const range = rangeHeader !== null && (ifRange === null || ifRange === etag) ? parseRange(rangeHeader, size) : null;
  if (range === "unsatisfiable") {
    return new Response(null, { status: 416, headers: { ...headers, "content-range": `bytes */${size}` } });
  }
  const head = req.method === "HEAD";
  if (range) {
    const { start, end } = range;
    return new Response(head ? null : stream(file, start, end), {
      status: 206,
      headers: { ...headers, "content-range": `bytes ${start}-${end}/${size}`, "content-length": String(end - start + 1) },
    });
  }
  return new Response(head || size === 0 ? null : stream(file, 0, size - 1), {
    status: 200,
    headers: { ...headers, "content-length": String(size) },
  });
}

// Note: Next's route-handler layer drops Content-Length from every response it sends
// (next/dist/server/send-response.js), so bodies go out chunked; Content-Range still gives
// players the sizes. The header is set for direct callers (and tests) all the same.
function stream(file: string, start: number, end: number): ReadableStream<Uint8Array> {
  return Readable.toWeb(createReadStream(file, { start, end })) as ReadableStream<Uint8Array>;
}

function matchesEtag(header: string | null, etag: string): boolean {
  if (!header) return false;
  return header.trim() === "*" || header.split(",").some((t) => t.trim().replace(/^W\//, "") === etag);
}

/**
 * One "bytes=" range of a file of `size` bytes: {start, end} (inclusive), "unsatisfiable"
 * (416), or null to ignore the header and send the whole file (not bytes, several ranges,
 * or a malformed one, as RFC 9110 allows).
 */
export function parseRange(header: string, size: number): { start: number; end: number } | "unsatisfiable" | null {
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!m || (m[1] === "" && m[2] === "")) return null;
  if (m[1] === "") {
    const suffix = Number(m[2]);
    if (suffix === 0 || size === 0) return "unsatisfiable";
    return { start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(m[1]);
  const end = m[2] === "" ? size - 1 : Math.min(Number(m[2]), size - 1);
  if (m[2] !== "" && Number(m[2]) < start) return null; // invalid: ignored
  if (start >= size) return "unsatisfiable";
  return { start, end };
}
