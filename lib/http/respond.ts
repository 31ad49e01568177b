/**
 * What every route handler shares: one wrapper that runs the handler, maps any error to the
 * `{ "error": { "code", "message" } }` body of its AppError code (anything else is a logged
 * 500 whose details stay on the server), refuses cross-site writes, hands out a caller
 * identity when a handler asks for one, and reads bodies and query strings through zod.
 *
 * The order inside a handler is the style guide's: parse (400) -> identify the caller (401)
 * -> ownership (404, never telling "not yours" from "not there") -> work.
 */
import type { z } from "zod";

import { resolveActor, SessionEndedError, type Actor } from "../auth/actor";
import { clearSessionCookies } from "../auth/cookies";
import { webConfig } from "../config";
import { AppError } from "../db/errors";
import { isId } from "../db/ids";
import { issueCaller } from "./caller";
import { requestHost } from "./proxy";

export const BODY_LIMIT_BYTES = 16 * 1024;
/** Bodies that may carry a scene plan: a minute of three objects is about 130 KB of JSON. */
export const PLAN_BODY_LIMIT_BYTES = 256 * 1024;

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

/** An actor that has an identity: `callerId` is the id its jobs and clips are stored under. */
export type Caller = Actor & { callerId: string };

export interface RouteContext {
  req: Request;
  /** The caller (lib/auth/actor.ts), or 401: for acting on things the caller must already own. */
  caller(): Promise<Caller>;
  /** The caller, with a new anonymous identity if it has none (sent back as a cookie). */
  callerOrIssue(): Promise<Caller>;
  /** The caller, whose callerId may be null: for reads that also serve strangers (published clips). */
  callerOrNull(): Promise<Actor>;
  /** Adds a Set-Cookie header to the response (sessions). */
  setCookie(header: string): void;
}

export async function route(req: Request, handler: (ctx: RouteContext) => Promise<Response>): Promise<Response> {
  const cookies: string[] = [];
  let resolved: Promise<Actor> | null = null;
  const actor = () => (resolved ??= resolveActor(req));
  const ctx: RouteContext = {
    req,
    async caller() {
      const a = await actor();
      if (!a.callerId) {
        throw new AppError("UNAUTHORIZED", a.shared ? "no identity: sign in, or load the studio page first" : "no caller identity: load the studio page first, or send the cookie it sets");
      }
      return a as Caller;
    },
    async callerOrIssue() {
      const a = await actor();
      if (a.callerId) return a as Caller;
      const fresh = issueCaller(req);
      cookies.push(fresh.setCookie);
      const issued = { ...a, callerId: fresh.callerId, anonymousCallerId: fresh.callerId };
      resolved = Promise.resolve(issued);
      return issued;
    },
    callerOrNull: actor,
    setCookie(header) {
      cookies.push(header);
    },
  };
  let res: Response;
  try {
    checkOrigin(req);
    res = await handler(ctx);
  } catch (err) {
    res = errorResponse(err);
    if (err instanceof SessionEndedError) cookies.push(...clearSessionCookies(req));
  }
  for (const c of cookies) res.headers.append("set-cookie", c);
  return res;
}

/** The one mapping from errors to responses. */
export function errorResponse(err: unknown): Response {
  if (err instanceof AppError) {
    const headers: Record<string, string> = {};
    if (err.retryAfterSeconds !== undefined) headers["retry-after"] = String(Math.ceil(err.retryAfterSeconds));
    if (err.status >= 500) console.error(err);
    return json(err.status, err.toJSON(), headers);
  }
  console.error(err);
  return json(500, { error: { code: "INTERNAL", message: "something went wrong on the server; it has been logged" } });
}

export function json(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(status === 204 ? null : JSON.stringify(body), {
    status,
    headers: {
      ...(status === 204 ? {} : { "content-type": "application/json; charset=utf-8" }),
      "cache-control": "no-store",
      "x-content-type-options": "nosniff",
      ...headers,
    },
  });
}

/**
 * Cross-site writes are refused: a browser names the page's origin in `Origin` on every
 * POST/PATCH/DELETE, and it must be this server's (or one of SPACETIME_ALLOWED_ORIGINS).
 * Requests without Origin come from non-browser clients, which cannot carry a victim's
 * cookie, unless Sec-Fetch-Site says a browser sent them from another site.
 */
export function checkOrigin(req: Request): void {
  if (SAFE_METHODS.has(req.method)) return;
  const origin = req.headers.get("origin");
  if (origin === null) {
    if (req.headers.get("sec-fetch-site") === "cross-site") throw crossSite();
    return;
  }
  if (webConfig().allowedOrigins.includes(origin)) return;
  let host: string;
  try {
    host = new URL(origin).host;
  } catch {
    throw crossSite(); // "null" (sandboxed frames, file:) or garbage
  }
  // X-Forwarded-Host counts only from a trusted proxy (lib/http/proxy.ts).
  const own = requestHost(req.headers, new URL(req.url).host);
  if (host !== own) throw crossSite();
}

const crossSite = () => new AppError("FORBIDDEN", "cross-site request refused: the Origin header is not this server");

/** Reads a JSON body (at most `limitBytes`, BODY_LIMIT_BYTES unless told, UTF-8) and validates it. */
export async function readJson<S extends z.ZodType>(req: Request, schema: S, o: { limitBytes?: number } = {}): Promise<z.output<S>> {
  const limit = o.limitBytes ?? BODY_LIMIT_BYTES;
  const type = req.headers.get("content-type");
  if (type !== null && !/^application\/(.+\+)?json\s*(;|$)/i.test(type)) {
    throw new AppError("UNSUPPORTED_MEDIA_TYPE", `the body must be application/json, got ${type.slice(0, 100)}`);
  }
  const declared = Number(req.headers.get("content-length") ?? NaN);
  if (declared > limit) throw tooLarge(limit);
  const bytes = await readLimited(req, limit);
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    throw new AppError("BAD_REQUEST", "the body is not valid UTF-8");
  }
  let value: unknown;
  try {
    value = text.trim() === "" ? {} : JSON.parse(text);
  } catch {
    throw new AppError("BAD_REQUEST", "the body is not valid JSON");
  }
  return parseOrBadRequest(schema, value, "body");
}

async function readLimited(req: Request, limit: number): Promise<Uint8Array> {
  if (!req.body) return new Uint8Array();
  const reader = req.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel().catch(() => {});
      throw tooLarge(limit);
    }
    chunks.push(value);
  }
  const out = new Uint8Array(size);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.byteLength;
  }
  return out;
}

const tooLarge = (limit: number) => new AppError("PAYLOAD_TOO_LARGE", `the body is over ${limit / 1024} KB`);

/** Validates the query string (single values; repeated keys keep the last). */
export function readQuery<S extends z.ZodType>(req: Request, schema: S): z.output<S> {
  return parseOrBadRequest(schema, Object.fromEntries(new URL(req.url).searchParams), "query");
}

export function parseOrBadRequest<S extends z.ZodType>(schema: S, value: unknown, what: string): z.output<S> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const lines = parsed.error.issues.map((i) => `${i.path.join(".") || what}: ${i.message}`);
  throw new AppError("BAD_REQUEST", `invalid ${what}: ${lines.join("; ")}`, { details: parsed.error.issues });
}

/** An id from the URL: anything that is not one of ours is simply not found. */
export function idParam(value: string | undefined, what: string): string {
  if (!isId(value)) throw new AppError("NOT_FOUND", `no such ${what}`);
  return value;
}
