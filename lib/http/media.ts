/**
 * Serving a clip's files: /media/<videoId>/<name>, where <name> is one of MEDIA_FILES and the
 * object in the media store (lib/storage: local disk or S3) comes from the Video row's key
 * (built by the worker from database ids), never from the URL. Single byte ranges (RFC 9110:
 * 206, or 416 when unsatisfiable; Safari will not play video without them), the store's strong
 * ETag (objects never change once put), If-None-Match -> 304, If-Range.
 */
import type { Video } from "../db/videos";
import { contentTypeOf, isMediaKey, type MediaStore } from "../storage";

export const MEDIA_FILES = Object.freeze({
  "video.mp4": "mp4Key",
  "video.webm": "webmKey",
  "poster.png": "posterKey",
  "preview.webp": "webpKey",
} as const satisfies Record<string, keyof Video>);

export type MediaName = keyof typeof MEDIA_FILES;

export function isMediaName(name: string): name is MediaName {
  return Object.hasOwn(MEDIA_FILES, name);
}

/** The store key behind a media name, or null if the clip has none (or its key is not one we write). */
export function mediaKeyOf(video: Video, name: MediaName): string | null {
  const key = video[MEDIA_FILES[name]];
  return isMediaKey(key) ? key : null;
}

/** The response for a stored object: 200, 206, 304 or 416; null if it is missing. */
export async function objectResponse(req: Request, store: MediaStore, key: string, cacheControl: string): Promise<Response | null> {
  const info = await store.head(key);
  if (!info) return null;
  const { size, etag } = info;
  const headers: Record<string, string> = {
    "content-type": contentTypeOf(key),
    "x-content-type-options": "nosniff",
    "accept-ranges": "bytes",
    "cache-control": cacheControl,
    etag,
    "last-modified": info.lastModified.toUTCString(),
  };
  if (matchesEtag(req.headers.get("if-none-match"), etag)) return new Response(null, { status: 304, headers });

  const rangeHeader = req.headers.get("range");
  const ifRange = req.headers.get("if-range");
  const range = rangeHeader !== null && (ifRange === null || ifRange === etag) ? parseRange(rangeHeader, size) : null;
  if (range === "unsatisfiable") {
    return new Response(null, { status: 416, headers: { ...headers, "content-range": `bytes */${size}` } });
  }
  const head = req.method === "HEAD";
  // Note: Next's route-handler layer drops Content-Length from every response it sends
  // (next/dist/server/send-response.js), so bodies go out chunked; Content-Range still gives
  // players the sizes. The header is set for direct callers (and tests) all the same.
  if (range) {
    const { start, end } = range;
    return new Response(head ? null : await store.read(key, range), {
      status: 206,
      headers: { ...headers, "content-range": `bytes ${start}-${end}/${size}`, "content-length": String(end - start + 1) },
    });
  }
  return new Response(head || size === 0 ? null : await store.read(key), {
    status: 200,
    headers: { ...headers, "content-length": String(size) },
  });
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
