/**
 * Who is calling and what they may do. Every route asks here once (ctx.actor() in
 * lib/http/respond.ts), in this order:
 *
 * 1. A session cookie: its user, with the user's role (admin | user | pending). A cookie whose
 *    session has expired or been revoked is a 401 (and is cleared), never a silent downgrade.
 * 2. `Authorization: Bearer <SPACETIME_ADMIN_TOKEN>`: an admin (scripts, monitoring).
 * 3. No account: on a local studio (lib/auth/mode.ts; a request that came through an
 *    undeclared proxy never counts as local) the local owner, who may do everything
 *    (unless SPACETIME_ADMIN_TOKEN is set: then queue-wide actions need the token); on a shared
 *    one an anonymous visitor, who may make jobs only when SPACETIME_ANONYMOUS_JOBS allows.
 *
 * Jobs and clips are stored under `callerId`: a user's id, or the browser's signed anonymous
 * cookie id (lib/http/caller.ts). Ownership checks stay as they were: someone else's job or
 * private clip is a 404. Admins (and the local owner, for queue-wide actions) see past that.
 */
import { timingSafeEqual } from "node:crypto";

import { webConfig } from "../config";
import { AppError } from "../db/errors";
import { sessionUser } from "../db/sessions";
import type { User } from "../db/users";
import { callerOf, readCookie } from "../http/caller";
import { clientAddress, forwardedByUnknownProxy } from "../http/proxy";
import { anonymousJobsPerAddress, isShared } from "./mode";
import { SESSION_COOKIES } from "./cookies";

export type ActorRole = "owner" | "admin" | "user" | "pending" | "anonymous";

export interface Actor {
  role: ActorRole;
  shared: boolean;
  user: User | null;
  sessionId: string | null;
  /** The id the actor's jobs and clips are stored under; null: none yet (see ctx.actor({ issue })). */
  callerId: string | null;
  /** The browser's anonymous cookie id, whatever else identifies the request (claimed at first login). */
  anonymousCallerId: string | null;
  /** The client's address (lib/http/proxy.ts), for per-address limits. */
  address: string;
}

/** A session cookie was sent but its session is over: 401, and the route clears the cookie. */
export class SessionEndedError extends AppError {
  constructor() {
    super("UNAUTHORIZED", "your session has expired or was revoked: sign in again");
  }
}

export function sessionToken(req: Request): string | null {
  for (const name of SESSION_COOKIES) {
    const v = readCookie(req, name);
    if (v) return v;
  }
  return null;
}

function bearerIsAdminToken(req: Request): boolean {
  const token = webConfig().adminToken;
  const header = req.headers.get("authorization");
  if (!token || !header) return false;
  const given = Buffer.from(header.replace(/^Bearer\s+/i, ""), "utf8");
  const expected = Buffer.from(token, "utf8");
  return given.length === expected.length && timingSafeEqual(given, expected);
}

export async function resolveActor(req: Request): Promise<Actor> {
  const anonymousCallerId = callerOf(req);
  const address = clientAddress(req.headers);
  const token = sessionToken(req);
  if (token) {
    const s = await sessionUser({ token });
    if (!s) throw new SessionEndedError();
    return { role: s.user.role, shared: true, user: s.user, sessionId: s.sessionId, callerId: s.user.id, anonymousCallerId, address };
  }
  // A request relayed by a proxy nobody declared is not the person at the keyboard.
  const shared = (await isShared()) || forwardedByUnknownProxy(req.headers);
  const base = { shared, user: null, sessionId: null, callerId: anonymousCallerId, anonymousCallerId, address };
  if (bearerIsAdminToken(req)) return { ...base, role: "admin" };
  if (!shared) return { ...base, role: webConfig().adminToken ? "user" : "owner" };
  return { ...base, role: "anonymous" };
}

// ------------------------------------------------------------------ rights

/** Pause and resume, reorder anyone's jobs, bulk cancel and purge, see the fleet's hosts. */
export const canManageQueue = (a: Actor) => a.role === "admin" || a.role === "owner";
/** Manage accounts, quotas and the sign-up policy. */
export const canManageUsers = (a: Actor) => a.role === "admin" || a.role === "owner";
/** See, cancel or delete other people's jobs and clips (one by one). */
export const canActOnAny = (a: Actor) => a.role === "admin";
/** Make jobs and manage one's own jobs and clips. */
export const canCreate = (a: Actor) =>
  a.role === "owner" || a.role === "admin" || a.role === "user" || (a.role === "anonymous" && anonymousJobsPerAddress() > 0);

/** 401 for visitors who could sign in, 403 for accounts that may not. */
export function requireCreate(a: Actor, what = "making clips"): void {
  if (canCreate(a)) return;
  if (a.role === "pending") throw new AppError("FORBIDDEN", `${what} needs an approved account: yours is waiting for the admin's approval`);
  if (a.role === "anonymous") throw new AppError("UNAUTHORIZED", `${what} on this server needs an account: sign in or sign up`);
  throw new AppError("FORBIDDEN", `${what} is not allowed for your account`);
}

export function requireQueueManager(a: Actor, what = "managing the whole queue"): void {
  if (canManageQueue(a)) return;
  if (a.role === "anonymous") throw new AppError("UNAUTHORIZED", `${what} needs the admin: sign in`);
  throw new AppError("FORBIDDEN", webConfig().adminToken && !a.user ? `${what} needs the admin token on this server` : `${what} is for the admin`);
}

export function requireUserManager(a: Actor): void {
  if (canManageUsers(a)) return;
  if (a.role === "anonymous") throw new AppError("UNAUTHORIZED", "the admin pages need the admin: sign in");
  throw new AppError("FORBIDDEN", "managing accounts is for the admin");
}

/** The capabilities the UI shows (the Create page hides what the role may not do). */
export function capabilities(a: Actor) {
  return {
    create: canCreate(a),
    manageQueue: canManageQueue(a),
    manageUsers: canManageUsers(a) && a.shared,
    actOnAny: canActOnAny(a),
  };
}
