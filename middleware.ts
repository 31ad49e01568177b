/**
 * A Content-Security-Policy with a fresh nonce per page request: scripts run only if they carry
 * it (Next adds it to its own script tags when it finds the policy on the request), so an
 * injected <script> or inline handler does nothing. Prefetches (Next-Router-Prefetch, Purpose:
 * prefetch) get it too: every HTML response carries the full policy. Pages therefore render
 * per request (the layout reads the nonce). API routes, media and the embeddable player set
 * their own headers. Methods and headers Next cannot handle never get here
 * (lib/http/request-guard.ts).
 */
import { NextResponse, type NextRequest } from "next/server";

export function middleware(request: NextRequest) {
  const nonce = btoa(crypto.randomUUID());
  const dev = process.env.NODE_ENV === "development"; // React's dev build evaluates code
  const csp = [
    "default-src 'self'",
    `script-src 'self' 'nonce-${nonce}' 'strict-dynamic'${dev ? " 'unsafe-eval'" : ""}`,
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "media-src 'self' blob:",
    "connect-src 'self'",
    "font-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join("; ");
  const headers = new Headers(request.headers);
  headers.set("x-nonce", nonce);
  headers.set("content-security-policy", csp);
  const response = NextResponse.next({ request: { headers } });
  response.headers.set("content-security-policy", csp);
  return response;
}

export const config = {
  matcher: ["/((?!api/|media/|_next/static|_next/image|favicon.ico|robots.txt|v/[^/]+/embed$).*)"],
};
