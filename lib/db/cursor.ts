/**
 * The opaque cursors of newest-first pages (the job list, the gallery): base64url text of where
 * the last page stopped. A listing's is its last row's place in the (createdAt, id) order the
 * page walks, "<createdAt ms>.<id>"; the gallery's search has one of its own (lib/db/videos.ts).
 */
import { AppError } from "./errors";

export interface Keyset {
  createdAt: Date;
  id: string;
}

export const toCursor = (text: string) => Buffer.from(text).toString("base64url");
export const cursorText = (cursor: string) => Buffer.from(cursor, "base64url").toString("utf8");

export const keysetText = (k: Keyset) => `${k.createdAt.getTime()}.${k.id}`;

/** The keyset a listing's cursor text names, or null if it is not one. */
export function parseKeyset(text: string): Keyset | null {
  const match = /^(\d{1,15})\.([A-Za-z0-9_-]{1,64})$/.exec(text);
  return match ? { createdAt: new Date(Number(match[1])), id: match[2]! } : null;
}

/** A listing's cursor back to its keyset: BAD_REQUEST if it is not one. */
export function decodeKeyset(cursor: string): Keyset {
  const keyset = parseKeyset(cursorText(cursor));
  if (!keyset) throw new AppError("BAD_REQUEST", "invalid cursor");
  return keyset;
}
