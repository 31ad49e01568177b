/**
 * Login attempts are rate-limited (OWASP ASVS anti-automation): past LOGIN_FAILURES failed
 * attempts within LOGIN_WINDOW_MS, from one client address or against one account name,
 * further attempts get 429 with Retry-After until the window ends, right password or not.
 * A success clears the name's count. In memory per web process, like lib/http/rate-limit.ts.
 */
import { AppError } from "../db/errors";

export const LOGIN_FAILURES = 10;
export const LOGIN_WINDOW_MS = 15 * 60_000;
const MAX_TRACKED = 10_000;

interface Window {
  start: number;
  failures: number;
}

const g = globalThis as unknown as { spacetimeLoginFailures?: Map<string, Window> };
const table = () => (g.spacetimeLoginFailures ??= new Map());

function live(key: string, now: number): Window | undefined {
  const w = table().get(key);
  if (w && now - w.start >= LOGIN_WINDOW_MS) {
    table().delete(key);
    return undefined;
  }
  return w;
}

const keys = (address: string, login: string) => [`addr:${address}`, `name:${login.toLowerCase()}`];

/** 429 while the address or the name is over its limit. */
export function checkLoginAllowed(address: string, login: string, now = Date.now()): void {
  for (const key of keys(address, login)) {
    const w = live(key, now);
    if (w && w.failures >= LOGIN_FAILURES) {
      throw new AppError("RATE_LIMITED", "too many failed sign-in attempts: wait before trying again", {
        retryAfterSeconds: Math.max(1, (w.start + LOGIN_WINDOW_MS - now) / 1000),
      });
    }
  }
}

export function recordLoginFailure(address: string, login: string, now = Date.now()): void {
  const t = table();
  if (t.size >= MAX_TRACKED) {
    for (const [k, v] of t) if (now - v.start >= LOGIN_WINDOW_MS) t.delete(k);
    if (t.size >= MAX_TRACKED) t.clear();
  }
  for (const key of keys(address, login)) {
    const w = live(key, now);
    if (w) w.failures++;
    else t.set(key, { start: now, failures: 1 });
  }
}

export function recordLoginSuccess(login: string): void {
  table().delete(`name:${login.toLowerCase()}`);
}

/** For tests: forget every count. */
export function resetLoginLimits(): void {
  table().clear();
}
