/**
 * Server-side sessions. The browser holds a random 256-bit token; the row's id is the token's
 * SHA-256, so the table alone cannot be replayed as cookies. A session ends when it expires,
 * when it is revoked (log out, log out everywhere, the admin's password reset), or when its
 * user is deleted.
 */
import { createHash, randomBytes } from "node:crypto";

import { getDb, type Db } from "./client";
import { toUser, type User } from "./users";

const dbOf = (o: { db?: Db }) => o.db ?? getDb();

export const hashToken = (token: string) => createHash("sha256").update(token).digest("base64url");

export interface SessionInfo {
  id: string;
  createdAt: Date;
  expiresAt: Date;
  lastSeenAt: Date;
  userAgent: string;
}

/** A new session for `userId`, valid for `ttlMs`; the token goes into the cookie. */
export async function createSession(input: { userId: string; ttlMs: number; userAgent?: string; now?: Date; db?: Db }): Promise<{ token: string; expiresAt: Date }> {
  const now = input.now ?? new Date();
  const token = randomBytes(32).toString("base64url");
  const expiresAt = new Date(now.getTime() + input.ttlMs);
  await dbOf(input).run((p) =>
    p.session.create({
      data: { id: hashToken(token), userId: input.userId, createdAt: now, lastSeenAt: now, expiresAt, userAgent: (input.userAgent ?? "").slice(0, 200) },
    }),
  );
  return { token, expiresAt };
}

/**
 * The live session of a token and its user; null if unknown, expired or revoked. lastSeenAt
 * is refreshed at most once a minute.
 */
export async function sessionUser(input: { token: string; now?: Date; db?: Db }): Promise<{ sessionId: string; user: User } | null> {
  const now = input.now ?? new Date();
  const id = hashToken(input.token);
  const db = dbOf(input);
  const row = await db.run((p) => p.session.findUnique({ where: { id }, include: { user: true } }));
  if (!row || row.revokedAt !== null || row.expiresAt <= now) return null;
  if (now.getTime() - row.lastSeenAt.getTime() > 60_000) {
    await db.run((p) => p.session.update({ where: { id }, data: { lastSeenAt: now } }));
  }
  return { sessionId: id, user: toUser(row.user) };
}

/** Revokes one session (log out). */
export async function revokeSession(input: { sessionId: string; now?: Date; db?: Db }): Promise<void> {
  await dbOf(input).run((p) => p.session.updateMany({ where: { id: input.sessionId, revokedAt: null }, data: { revokedAt: input.now ?? new Date() } }));
}

/** Revokes every live session of a user (log out everywhere, password reset); returns how many. */
export async function revokeUserSessions(input: { userId: string; now?: Date; db?: Db }): Promise<number> {
  const now = input.now ?? new Date();
  const { count } = await dbOf(input).run((p) =>
    p.session.updateMany({ where: { userId: input.userId, revokedAt: null, expiresAt: { gt: now } }, data: { revokedAt: now } }),
  );
  return count;
}

/** A user's live sessions, newest first (the account page). */
export async function listSessions(input: { userId: string; now?: Date; db?: Db }): Promise<SessionInfo[]> {
  const now = input.now ?? new Date();
  return dbOf(input).run((p) =>
    p.session.findMany({
      where: { userId: input.userId, revokedAt: null, expiresAt: { gt: now } },
      orderBy: { createdAt: "desc" },
      select: { id: true, createdAt: true, expiresAt: true, lastSeenAt: true, userAgent: true },
    }),
  );
}

/** Deletes sessions that ended more than a day ago (any process may run it). */
export async function pruneSessions(input: { now?: Date; db?: Db } = {}): Promise<number> {
  const cutoff = new Date((input.now ?? new Date()).getTime() - 86_400_000);
  const { count } = await dbOf(input).run((p) => p.session.deleteMany({ where: { OR: [{ expiresAt: { lt: cutoff } }, { revokedAt: { lt: cutoff } }] } }));
  return count;
}
