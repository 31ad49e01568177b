/**
 * Sign-up, login and logout: the policy around lib/db/users.ts and lib/db/sessions.ts.
 * The first account is the admin whatever the policy; after it the sign-up policy (set by the
 * admin, default SPACETIME_SIGNUP) makes new accounts users (open), pending until approved
 * (approval), or refuses them (closed). A browser's anonymous jobs and clips are claimed into
 * the account at its first login (sign-up logs in).
 */
import { AppError } from "../db/errors";
import { getSignupPolicy } from "../db/instance-settings";
import { createSession, pruneSessions, revokeSession, revokeUserSessions } from "../db/sessions";
import { countUsers, createUser, findLogin, recordLogin, ROLES, type User } from "../db/users";
import { checkLoginAllowed, recordLoginFailure, recordLoginSuccess } from "./login-limit";
import { decoyHash, hashPassword, verifyPassword } from "./password";
import { sessionTtlMs } from "./cookies";

export interface LoggedIn {
  user: User;
  token: string;
  expiresAt: Date;
  claimed: { jobs: number; videos: number };
}

async function startSession(user: User, o: { anonymousCallerId: string | null; userAgent?: string }): Promise<LoggedIn> {
  const claim = await recordLogin({ userId: user.id, anonymousCallerId: o.anonymousCallerId });
  const { token, expiresAt } = await createSession({ userId: user.id, ttlMs: sessionTtlMs(), userAgent: o.userAgent });
  await pruneSessions(); // sessions over for a day go; a login is rare enough to carry it
  return { user, token, expiresAt, claimed: { jobs: claim.claimedJobs, videos: claim.claimedVideos } };
}

export async function signUp(input: {
  username: string;
  email?: string;
  password: string;
  anonymousCallerId: string | null;
  userAgent?: string;
}): Promise<LoggedIn> {
  const first = (await countUsers()) === 0;
  const policy = await getSignupPolicy();
  if (!first && policy === "closed") throw new AppError("FORBIDDEN", "sign-ups are closed on this server: ask its admin for an account");
  const passwordHash = await hashPassword(input.password);
  // createUser makes the first account the admin inside its own transaction (a race is settled there).
  const user = await createUser({ username: input.username, email: input.email, passwordHash, role: policy === "open" ? ROLES.USER : ROLES.PENDING });
  return startSession(user, input);
}

export async function logIn(input: {
  login: string;
  password: string;
  address: string;
  anonymousCallerId: string | null;
  userAgent?: string;
}): Promise<LoggedIn> {
  checkLoginAllowed(input.address, input.login);
  const found = await findLogin({ login: input.login });
  // The same scrypt work whether or not the name exists, so timing does not tell.
  const ok = await verifyPassword(input.password, found?.passwordHash ?? (await decoyHash()));
  if (!found || !ok) {
    recordLoginFailure(input.address, input.login);
    throw new AppError("UNAUTHORIZED", "wrong username, email or password");
  }
  recordLoginSuccess(input.login);
  return startSession(found.user, input);
}

export async function logOut(input: { sessionId: string; userId: string; everywhere: boolean }): Promise<number> {
  if (input.everywhere) return revokeUserSessions({ userId: input.userId });
  await revokeSession({ sessionId: input.sessionId });
  return 1;
}
