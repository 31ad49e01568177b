/**
 * Who is calling, without accounts: each browser holds a random caller id (18 bytes, 144 bits,
 * lib/db/ids.ts) in an httpOnly, SameSite=Lax cookie (Secure over https), signed with
 * HMAC-SHA256 so it cannot be forged or edited. A cookie that fails the check is treated as
 * no identity at all.
 *
 * The key is SPACETIME_SECRET (at least 32 characters) or, when that is unset, 32 random bytes
 * generated once and kept in data/secret (mode 0600; SPACETIME_DATA_DIR moves data/), so
 * identities survive restarts and are shared by every process of one install.
 */
import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import { chmodSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";

import { webConfig } from "../config";
import { isId, newId } from "../db/ids";
import { peerStamped, requestProto } from "./proxy";

export const CALLER_COOKIE = "spacetime_caller";
const COOKIE_MAX_AGE_S = 400 * 24 * 3600; // the most browsers keep a cookie (RFC 6265bis)

let cachedSecret: { source: string; key: Buffer } | null = null;

/** The signing key: SPACETIME_SECRET, else data/secret (created on first use). */
export function secretKey(): Buffer {
  const { secret } = webConfig(); // at least 32 characters
  const source = secret ? `env:${secret}` : `file:${secretFile()}`;
  if (cachedSecret?.source === source) return cachedSecret.key;
  const key = secret ? Buffer.from(secret, "utf8") : readOrCreateSecretFile(secretFile());
  cachedSecret = { source, key };
  return key;
}

function secretFile(): string {
  return path.resolve(webConfig().dataDir, "secret");
}

function readOrCreateSecretFile(file: string): Buffer {
  mkdirSync(path.dirname(file), { recursive: true });
  try {
    // "wx": only if absent, so two processes starting together agree on one secret.
    writeFileSync(file, randomBytes(32).toString("base64url") + "\n", { mode: 0o600, flag: "wx" });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
  }
  if ((statSync(file).mode & 0o077) !== 0) chmodSync(file, 0o600); // someone loosened it
  const text = readFileSync(file, "utf8").trim();
  if (text.length < 32) throw new Error(`${file} holds no usable secret: delete it to make a new one`);
  return Buffer.from(text, "utf8");
}

function sign(callerId: string): string {
  return createHmac("sha256", secretKey()).update(`caller.v1.${callerId}`).digest("base64url");
}

/** The cookie value for a caller id: "<id>.<signature>". */
export function signCaller(callerId: string): string {
  return `${callerId}.${sign(callerId)}`;
}

/** The caller id in a cookie value, or null if it is malformed or its signature is wrong. */
export function verifyCaller(value: string | null | undefined): string | null {
  if (!value) return null;
  const dot = value.indexOf(".");
  const id = value.slice(0, dot);
  if (dot < 0 || !isId(id)) return null;
  const given = Buffer.from(value.slice(dot + 1), "utf8");
  const expected = Buffer.from(sign(id), "utf8");
  return given.length === expected.length && timingSafeEqual(given, expected) ? id : null;
}

export function readCookie(req: Request, name: string): string | null {
  const header = req.headers.get("cookie");
  if (!header) return null;
  for (const part of header.split(";")) {
    const eq = part.indexOf("=");
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return null;
}

/** The verified caller id of a request, or null. */
export function callerOf(req: Request): string | null {
  return verifyCaller(readCookie(req, CALLER_COOKIE));
}

/**
 * Whether the client used https: X-Forwarded-Proto counts only from a trusted proxy
 * (lib/http/proxy.ts). Under a stamping server Next's own URL follows that header whoever
 * sent it, so plain `next start` is http unless a trusted proxy says otherwise.
 */
export function isHttps(req: Request): boolean {
  const own = peerStamped() ? "http" : new URL(req.url).protocol === "https:" ? "https" : "http";
  return requestProto(req.headers, own) === "https";
}

/** A fresh caller id and the Set-Cookie header that gives it to the browser. */
export function issueCaller(req: Request): { callerId: string; setCookie: string } {
  const callerId = newId();
  const attrs = [`${CALLER_COOKIE}=${signCaller(callerId)}`, "Path=/", "HttpOnly", "SameSite=Lax", `Max-Age=${COOKIE_MAX_AGE_S}`];
  if (isHttps(req)) attrs.push("Secure");
  return { callerId, setCookie: attrs.join("; ") };
}
