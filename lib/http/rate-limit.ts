/**
 * Anti-enumeration for the URLs that are capabilities (share slugs, clip ids: W3C capability-URL
 * practice asks to rate-limit their space). Lookups that miss are counted per client address;
 * past MISS_LIMIT misses within MISS_WINDOW_MS, every such lookup from that address is refused
 * with 429 (hits too, so a scanner cannot tell one from the other) until the window ends.
 * Ids are 144 random bits, so guessing is hopeless anyway: this stops scanners from trying.
 *
 * Kept in memory per web-server process (on globalThis, so every route and page bundle of the
 * process shares one table). The client address is lib/http/proxy.ts's: the peer of the
 * connection, or behind a proxy listed in TRUSTED_PROXIES the X-Forwarded-For entry it added
 * (nginx's $proxy_add_x_forwarded_for, Caddy and Traefik append it). Without TRUSTED_PROXIES
 * a client's own X-Forwarded-For changes nothing.
 */
import { AppError, isAppError } from "../db/errors";
import { clientAddress } from "./proxy";

export { clientAddress };

export const MISS_LIMIT = 50;
export const MISS_WINDOW_MS = 10 * 60_000;
const MAX_TRACKED = 10_000; // addresses; the table is pruned past this

interface Window {
  start: number;
  misses: number;
}

const globalForLimits = globalThis as unknown as { spacetimeMisses?: Map<string, Window> };
const table = () => (globalForLimits.spacetimeMisses ??= new Map());

function current(address: string, now: number): Window | undefined {
  const w = table().get(address);
  if (w && now - w.start >= MISS_WINDOW_MS) {
    table().delete(address);
    return undefined;
  }
  return w;
}

function recordMiss(address: string, now: number): void {
  const t = table();
  const w = current(address, now);
  if (w) {
    w.misses++;
    return;
  }
  if (t.size >= MAX_TRACKED) {
    for (const [k, v] of t) if (now - v.start >= MISS_WINDOW_MS) t.delete(k);
    if (t.size >= MAX_TRACKED) t.clear(); // a flood of addresses: start counting afresh rather than grow
  }
  t.set(address, { start: now, misses: 1 });
}

/**
 * Runs a lookup by capability id for the client of `headers`: 429 while the client is over its
 * miss limit; a NOT_FOUND from the lookup is counted against it and rethrown.
 */
export async function limitMisses<T>(headers: Headers, lookup: () => Promise<T> | T): Promise<T> {
  const address = clientAddress(headers);
  const now = Date.now();
  const w = current(address, now);
  if (w && w.misses >= MISS_LIMIT) {
    throw new AppError("RATE_LIMITED", "too many requests for clips that do not exist from your address; try again later", {
      retryAfterSeconds: (w.start + MISS_WINDOW_MS - now) / 1000,
    });
  }
  try {
    return await lookup();
  } catch (err) {
    if (isAppError(err, "NOT_FOUND")) recordMiss(address, now);
    throw err;
  }
}
