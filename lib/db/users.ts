/**
 * Accounts of a shared instance. Usernames and emails are stored lower-cased and unique; the
 * first account ever made is the admin (decided inside the same write transaction as the
 * insert, so two racing sign-ups cannot both become it).
 */
import type { User as UserRow } from "@prisma/client";

import { getDb, type Db } from "./client";
import { AppError } from "./errors";
import { newId } from "./ids";

export const ROLES = Object.freeze({ ADMIN: "admin", USER: "user", PENDING: "pending" } as const);
export type Role = (typeof ROLES)[keyof typeof ROLES];
export const ROLE_LIST: readonly Role[] = Object.values(ROLES);

export interface Quotas {
  maxActive: number | null;
  maxCostInFlight: number | null;
  maxCostPerHour: number | null;
}

/** A user as the app sees it: never the password hash. */
export interface User extends Quotas {
  id: string;
  username: string;
  email: string | null;
  role: Role;
  createdAt: Date;
  lastLoginAt: Date | null;
}

export function toUser(row: UserRow): User {
  const { passwordHash: _hash, ...rest } = row;
  return { ...rest, role: row.role as Role };
}

const dbOf = (o: { db?: Db }) => o.db ?? getDb();

export async function countUsers(input: { db?: Db } = {}): Promise<number> {
  return dbOf(input).run((p) => p.user.count());
}

/**
 * Creates an account. The first one is the admin; later ones get `role` (the sign-up policy's
 * answer). CONFLICT when the username or email is taken.
 */
export async function createUser(input: {
  username: string;
  email?: string | null;
  passwordHash: string;
  role: Role;
  now?: Date;
  db?: Db;
}): Promise<User> {
  const username = input.username.toLowerCase();
  const email = input.email ? input.email.toLowerCase() : null;
  return dbOf(input).write(async (tx) => {
    const taken = await tx.user.findFirst({ where: { OR: [{ username }, ...(email ? [{ email }, { username: email }] : [])] } });
    if (taken) throw new AppError("CONFLICT", taken.username === username ? "that username is taken" : "that email is already registered");
    const first = (await tx.user.count()) === 0;
    const row = await tx.user.create({
      data: { id: newId(), username, email, passwordHash: input.passwordHash, role: first ? ROLES.ADMIN : input.role, createdAt: input.now ?? new Date() },
    });
    return toUser(row);
  });
}

/** The account a login names (username or email, any case), with its hash; null if none. */
export async function findLogin(input: { login: string; db?: Db }): Promise<{ user: User; passwordHash: string } | null> {
  const login = input.login.toLowerCase();
  const row = await dbOf(input).run((p) => p.user.findFirst({ where: { OR: [{ username: login }, { email: login }] } }));
  return row ? { user: toUser(row), passwordHash: row.passwordHash } : null;
}

export async function getUser(input: { userId: string; db?: Db }): Promise<User> {
  const row = await dbOf(input).run((p) => p.user.findUnique({ where: { id: input.userId } }));
  if (!row) throw new AppError("NOT_FOUND", "no such user");
  return toUser(row);
}

/** Every account, oldest first (the admin page; a shared instance has tens to thousands). */
export async function listUsers(input: { limit?: number; db?: Db } = {}): Promise<User[]> {
  const rows = await dbOf(input).run((p) => p.user.findMany({ orderBy: [{ createdAt: "asc" }, { id: "asc" }], take: input.limit ?? 1000 }));
  return rows.map(toUser);
}

/**
 * The admin changes a role or quotas. The last admin cannot stop being one (the instance
 * would have nobody to manage it).
 */
export async function updateUser(input: { userId: string; role?: Role; quotas?: Partial<Quotas>; db?: Db }): Promise<User> {
  return dbOf(input).write(async (tx) => {
    const row = await tx.user.findUnique({ where: { id: input.userId } });
    if (!row) throw new AppError("NOT_FOUND", "no such user");
    if (input.role && input.role !== ROLES.ADMIN && row.role === ROLES.ADMIN) {
      const admins = await tx.user.count({ where: { role: ROLES.ADMIN } });
      if (admins <= 1) throw new AppError("CONFLICT", "this is the only admin: make another admin first");
    }
    const updated = await tx.user.update({ where: { id: row.id }, data: { ...(input.role ? { role: input.role } : {}), ...(input.quotas ?? {}) } });
    return toUser(updated);
  });
}

/** A new password (the admin's reset, or the user's own change); the caller revokes sessions. */
export async function setPasswordHash(input: { userId: string; passwordHash: string; db?: Db }): Promise<void> {
  const { count } = await dbOf(input).run((p) => p.user.updateMany({ where: { id: input.userId }, data: { passwordHash: input.passwordHash } }));
  if (count === 0) throw new AppError("NOT_FOUND", "no such user");
}

/**
 * Records a login. On the first one, the anonymous caller's jobs and clips (the browser's
 * cookie identity before it had an account) become the user's, in the same transaction.
 */
export async function recordLogin(input: {
  userId: string;
  anonymousCallerId: string | null;
  now?: Date;
  db?: Db;
}): Promise<{ claimedJobs: number; claimedVideos: number }> {
  const now = input.now ?? new Date();
  return dbOf(input).write(async (tx) => {
    const row = await tx.user.findUnique({ where: { id: input.userId }, select: { lastLoginAt: true } });
    if (!row) throw new AppError("NOT_FOUND", "no such user");
    let claimedJobs = 0;
    let claimedVideos = 0;
    const from = input.anonymousCallerId;
    // An anonymous id is never an account's id; the check keeps one account from taking another's.
    if (row.lastLoginAt === null && from && from !== input.userId && !(await tx.user.findUnique({ where: { id: from }, select: { id: true } }))) {
      claimedJobs = (await tx.job.updateMany({ where: { callerId: from }, data: { callerId: input.userId, submitAddress: null } })).count;
      claimedVideos = (await tx.video.updateMany({ where: { callerId: from }, data: { callerId: input.userId } })).count;
    }
    await tx.user.update({ where: { id: input.userId }, data: { lastLoginAt: now } });
    return { claimedJobs, claimedVideos };
  });
}
