/**
 * Route-handler tests call the exported GET/POST/... functions with a Request, as Next does.
 * Each test gets its own SQLite file and media folder (tests/queue/helpers.ts), installed as
 * the process's connection (the `spacetimeDb` global that getDb() returns), and a fixed
 * signing secret.
 */
import { writeFileSync, mkdirSync } from "node:fs";
import path from "node:path";
import { test as base } from "vitest";

import { SESSION_COOKIE_HTTP, SESSION_COOKIE_HTTPS } from "../../lib/auth/cookies";
import { hashPassword } from "../../lib/auth/password";
import type { Db } from "../../lib/db/client";
import { createSession } from "../../lib/db/sessions";
import { createUser, type Role, type User } from "../../lib/db/users";
import { newId } from "../../lib/db/ids";
import type { Video } from "../../lib/db/videos";
import { CALLER_COOKIE, signCaller } from "../../lib/http/caller";
import { PEER_HEADER, peerStamped, peerStampValue, setPeerNonce } from "../../lib/http/proxy";
import { claim, complete, submit } from "../../lib/queue";
import { freshDb, outputFor, settings, type TestDb } from "../queue/helpers";

export const BASE = "http://localhost:3000";
export const SECRET = "test-secret-test-secret-test-secret-0123456789";
/** The peer address requests come from unless a test says otherwise (RequestOptions.peer). */
export const TEST_PEER = "192.0.2.10";

const globalForDb = globalThis as unknown as { spacetimeDb?: Db };

export function apiTestDb(options: Parameters<typeof freshDb>[0] = {}): TestDb {
  const t = freshDb(options);
  globalForDb.spacetimeDb = t.db;
  process.env.MEDIA_ROOT = t.media;
  process.env.SPACETIME_SECRET = SECRET;
  // Requests are stamped with their peer as the real server does (lib/http/peer-stamp.ts).
  setPeerNonce("test-peer-nonce");
  return {
    ...t,
    async cleanup() {
      globalForDb.spacetimeDb = undefined;
      setPeerNonce(null);
      await t.cleanup();
    },
  };
}

/** `it` with a fresh database as `t`, installed as the process's connection (see apiTestDb). */
export const it = base.extend<{ t: TestDb }>({
  t: async ({}, use) => {
    const t = apiTestDb();
    await use(t);
    await t.cleanup();
  },
});

/** A caller id and its signed cookie header. */
export function newCaller(): { id: string; cookie: string } {
  const id = newId();
  return { id, cookie: `${CALLER_COOKIE}=${signCaller(id)}` };
}

export interface RequestOptions {
  body?: unknown; // JSON-encoded unless a string
  caller?: { cookie: string } | null;
  origin?: string | null; // default: this server's, on methods that change things
  headers?: Record<string, string>;
  /** The TCP peer the server would stamp (default TEST_PEER); null: an unstamped request. */
  peer?: string | null;
}

export function request(method: string, urlPath: string, o: RequestOptions = {}): Request {
  const headers = new Headers(o.headers);
  if (o.caller) headers.set("cookie", o.caller.cookie);
  const peer = o.peer === undefined ? TEST_PEER : o.peer;
  if (peer !== null && peerStamped() && !headers.has(PEER_HEADER)) {
    const forwarded = ["x-forwarded-for", "x-forwarded-host", "forwarded", "x-real-ip"].some((h) => headers.has(h));
    headers.set(PEER_HEADER, peerStampValue(peer, forwarded));
  }
  const unsafe = !["GET", "HEAD"].includes(method);
  const origin = o.origin === undefined ? (unsafe ? BASE : null) : o.origin;
  if (origin !== null) headers.set("origin", origin);
  let body: string | undefined;
  if (o.body !== undefined) {
    body = typeof o.body === "string" ? o.body : JSON.stringify(o.body);
    if (!headers.has("content-type")) headers.set("content-type", "application/json");
  }
  return new Request(`${BASE}${urlPath}`, { method, headers, body });
}

export const params = <T extends Record<string, string>>(p: T) => ({ params: Promise.resolve(p) });

export async function body<T = any>(res: Response): Promise<T> {
  return (await res.json()) as T;
}

/** The caller id a response's Set-Cookie hands out, as a cookie header for the next request. */
export function issuedCookie(res: Response): { cookie: string } {
  const header = res.headers.get("set-cookie");
  if (!header) throw new Error("no Set-Cookie in the response");
  return { cookie: header.split(";")[0]! };
}

/**
 * A finished clip of `callerId`: a job submitted, claimed and completed, with `bytes` bytes
 * of mp4 and a poster written where the worker would have put them.
 */
export async function makeVideo(t: TestDb, callerId: string, prompt: string, opts: { at?: number; bytes?: number } = {}): Promise<Video> {
  await submit({ db: t.db, callerId, settings: settings(prompt), limits: { maxActive: 1000, perHour: 1000 } });
  const job = (await claim({ db: t.db, workerId: "w" }))!;
  const output = outputFor(job, { seed: 7 });
  mkdirSync(path.join(t.media, job.id), { recursive: true });
  const data = Buffer.alloc(opts.bytes ?? 1000);
  for (let i = 0; i < data.length; i++) data[i] = i % 251;
  writeFileSync(path.join(t.media, output.mp4Key), data);
  writeFileSync(path.join(t.media, output.posterKey!), Buffer.from("\x89PNG\r\n\x1a\nfake"));
  const r = await complete({
    db: t.db,
    jobId: job.id,
    workerId: "w",
    attempt: job.attempt,
    now: opts.at === undefined ? undefined : new Date(opts.at),
    output,
  });
  if (r.status !== "completed") throw new Error(r.status);
  return r.video;
}

// ------------------------------------------------------------------ accounts

export const TEST_PASSWORD = "correct horse battery staple";
let testHash: Promise<string> | null = null;

/**
 * An account (the first one made in a database is the admin) and a cookie header of a live
 * session of it. The password is TEST_PASSWORD, hashed once per file (scrypt takes a while).
 */
export async function makeUser(t: TestDb, username: string, role: Role = "user", o: { ttlMs?: number; now?: Date } = {}): Promise<{ user: User; cookie: string; token: string }> {
  testHash ??= hashPassword(TEST_PASSWORD);
  const user = await createUser({ db: t.db, username, passwordHash: await testHash, role });
  const { token } = await createSession({ db: t.db, userId: user.id, ttlMs: o.ttlMs ?? 3_600_000, now: o.now });
  return { user, token, cookie: `${SESSION_COOKIE_HTTP}=${token}` };
}

/** The session cookie a response sets, as a cookie header. */
export function sessionCookieOf(res: Response): { cookie: string } {
  const set = res.headers.getSetCookie().find((c) => c.startsWith(`${SESSION_COOKIE_HTTP}=`) || c.startsWith(`${SESSION_COOKIE_HTTPS}=`));
  if (!set) throw new Error("no session cookie in the response");
  return { cookie: set.split(";")[0]! };
}
