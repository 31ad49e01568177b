/** The API's views of accounts and sessions (never a password hash or a session token). */
import type { Actor } from "../auth/actor";
import { capabilities } from "../auth/actor";
import type { SessionInfo } from "../db/sessions";
import type { User } from "../db/users";

export interface UserView {
  id: string;
  username: string;
  email: string | null;
  role: string;
  createdAt: string;
  lastLoginAt: string | null;
  quotas: { maxActive: number | null; maxCostInFlight: number | null; maxCostPerHour: number | null };
}

export function userView(u: User): UserView {
  return {
    id: u.id,
    username: u.username,
    email: u.email,
    role: u.role,
    createdAt: u.createdAt.toISOString(),
    lastLoginAt: u.lastLoginAt?.toISOString() ?? null,
    quotas: { maxActive: u.maxActive, maxCostInFlight: u.maxCostInFlight, maxCostPerHour: u.maxCostPerHour },
  };
}

export function meView(a: Actor) {
  return { mode: a.shared ? "shared" : "local", role: a.role, user: a.user ? userView(a.user) : null, can: capabilities(a) };
}

export function sessionView(s: SessionInfo, currentId: string | null) {
  return {
    id: s.id.slice(0, 12), // enough to tell them apart; the full hash stays on the server
    current: s.id === currentId,
    createdAt: s.createdAt.toISOString(),
    lastSeenAt: s.lastSeenAt.toISOString(),
    expiresAt: s.expiresAt.toISOString(),
    userAgent: s.userAgent,
  };
}
