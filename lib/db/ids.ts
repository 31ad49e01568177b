/**
 * Ids and share-link slugs: 18 random bytes (144 bits) as base64url, 24 characters.
 * Unguessable (OWASP asks for at least 128 bits), safe in URLs and file names, and
 * checkable with ID_PATTERN before one is used to build a path.
 */
import { randomBytes } from "node:crypto";

export const ID_PATTERN = /^[A-Za-z0-9_-]{24}$/;

export function newId(): string {
  return randomBytes(18).toString("base64url");
}

export function isId(value: unknown): value is string {
  return typeof value === "string" && ID_PATTERN.test(value);
}
