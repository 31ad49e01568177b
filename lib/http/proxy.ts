/**
 * Who the client is, and which host it asked for, with proxy trust made explicit.
 *
 * The peer is the address at the other end of the TCP connection. Next keeps a client's own
 * X-Forwarded-For (it only fills the header in when absent), so instrumentation.ts stamps
 * every request with the socket's address in PEER_HEADER, behind a per-process nonce that a
 * client cannot know (lib/http/peer-stamp.ts). Where nothing stamps, or the nonce is wrong,
 * the header is ignored and the peer is unknown.
 *
 * TRUSTED_PROXIES (or SPACETIME_TRUST_PROXY): comma-separated addresses, CIDR ranges, or
 * `loopback` (127.0.0.0/8 and ::1). Only when the peer is one of them are X-Forwarded-For,
 * X-Forwarded-Host and X-Forwarded-Proto believed: the client is the rightmost
 * X-Forwarded-For entry that is not itself a trusted proxy. Without it, those headers change
 * nothing: rate limits count the peer, Origin checks compare with Host, absolute URLs are
 * built from Host (SPACETIME_PUBLIC_URL, when set, wins for Open Graph tags).
 */
import { webConfig } from "../config";
import { inRange, type Range } from "./address-range";

export const PEER_HEADER = "x-spacetime-peer";
const NONCE = Symbol.for("spacetime.peerNonce");

type Stamped = { [NONCE]?: string };

/** Set by lib/http/peer-stamp.ts (and by tests that play the server): the stamp's secret. */
export function setPeerNonce(nonce: string | null): void {
  const g = globalThis as Stamped;
  if (nonce === null) delete g[NONCE];
  else g[NONCE] = nonce;
}

/** Whether this process's server stamps every request (see peer-stamp.ts). */
export function peerStamped(): boolean {
  return typeof (globalThis as Stamped)[NONCE] === "string";
}

/** The stamp of a request: its peer, and whether the client sent proxy headers itself. */
function stamp(headers: Headers): { peer: string | null; forwarded: boolean } | null {
  const nonce = (globalThis as Stamped)[NONCE];
  const raw = headers.get(PEER_HEADER);
  if (!nonce || !raw) return null;
  const [given, forwarded, ...address] = raw.split(";");
  if (given !== nonce) return null; // not ours: sent by the client
  return { peer: normalise(address.join(";")), forwarded: forwarded === "1" };
}

/** The header value the server would stamp (for tests that call route handlers directly). */
export function peerStampValue(address: string, forwarded = false): string {
  const nonce = (globalThis as Stamped)[NONCE];
  if (!nonce) throw new Error("no peer nonce set: call setPeerNonce first");
  return `${nonce};${forwarded ? "1" : "0"};${address}`;
}

/**
 * Whether the request came through some proxy that TRUSTED_PROXIES does not name: the client
 * (a reverse proxy in front of a loopback-bound studio, say) sent X-Forwarded-* itself. Such a
 * request is never the local owner at the keyboard (lib/auth/actor.ts).
 */
export function forwardedByUnknownProxy(headers: Headers): boolean {
  const s = stamp(headers);
  return s !== null && s.forwarded && !isTrustedProxy(s.peer);
}

/** The trusted proxies' ranges (empty: trust none), from TRUSTED_PROXIES (lib/config.ts). */
export function trustedProxies(): Range[] {
  return webConfig().trustedProxies;
}

export function proxyTrustConfigured(): boolean {
  return trustedProxies().length > 0;
}

export function isTrustedProxy(address: string | null): boolean {
  return address !== null && trustedProxies().some((r) => inRange(address, r));
}

/** The socket's address, as instrumentation.ts stamped it; null where nothing stamps. */
export function peerAddress(headers: Headers): string | null {
  return stamp(headers)?.peer ?? null;
}

function normalise(address: string | null | undefined): string | null {
  const a = address?.trim();
  if (!a) return null;
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(a);
  return mapped ? mapped[1]! : a;
}

/** Whether this request came through a trusted proxy, whose X-Forwarded-* headers count. */
export function viaTrustedProxy(headers: Headers): boolean {
  return isTrustedProxy(peerAddress(headers));
}

/**
 * The client's address: behind a trusted proxy, the rightmost X-Forwarded-For entry that is
 * not a trusted proxy; otherwise the peer. "unknown" when neither is known.
 */
export function clientAddress(headers: Headers): string {
  const peer = peerAddress(headers);
  if (peer !== null && isTrustedProxy(peer)) {
    const hops = (headers.get("x-forwarded-for") ?? "").split(",").map((h) => normalise(h)).filter((h): h is string => h !== null);
    for (let i = hops.length - 1; i >= 0; i--) {
      if (!isTrustedProxy(hops[i]!)) return hops[i]!;
    }
    return hops[0] ?? peer;
  }
  return peer ?? "unknown";
}

const first = (v: string | null) => v?.split(",")[0]?.trim() || null;

/** The host the client asked for: X-Forwarded-Host only from a trusted proxy, else Host. */
export function requestHost(headers: Headers, fallback: string): string {
  if (viaTrustedProxy(headers)) {
    const forwarded = first(headers.get("x-forwarded-host"));
    if (forwarded) return forwarded;
  }
  return headers.get("host") || fallback;
}

/** The scheme the client used: X-Forwarded-Proto only from a trusted proxy, else the URL's. */
export function requestProto(headers: Headers, fallback: "http" | "https"): "http" | "https" {
  if (viaTrustedProxy(headers)) {
    const forwarded = first(headers.get("x-forwarded-proto"));
    if (forwarded === "https" || forwarded === "http") return forwarded;
  }
  return fallback;
}
