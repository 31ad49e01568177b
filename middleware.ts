/**
 * Runs before every request but static assets:
 *
 * - Methods the app does not serve (TRACE, TRACK, CONNECT, WebDAV's, made-up ones) are a 405
 *   here: Node's fetch refuses to build a Request for some of them, which crashed the route
 *   handlers with a 500.
 * - Pages get a Content-Security-Policy with a fresh nonce: scripts run only if they carry it
 *   (Next adds it to its own script tags when it finds the policy on the request), so an
 *   injected <script> or inline handler does nothing. Prefetches (Next-Router-Prefetch,
 *   Purpose: prefetch) get it too, since what they fetch may be shown as a page. Pages
 *   therefore render per request (the layout reads the nonce). A Next-Router-Prefetch header
 *   without the router's RSC header is not the router's: the page is rendered as for a
 *   plain request (Next's prefetch rendering without it crashed with a 500).
 * API routes, media and the embeddable player set their own headers.
 */
import { NextResponse, type NextRequest } from "next/server";

const SERVED_METHODS = new Set(["GET", "HEAD", "POST", "PATCH", "DELETE", "OPTIONS"]);
const NOT_PAGES = /^\/(api|media)\/|^\/v\/[^/]+\/embed$/;

export function middleware(request: NextRequest) {
  if (!SERVED_METHODS.has(request.method)) {
    return NextResponse.json(
      { error: { code: "METHOD_NOT_ALLOWED", message: `${request.method.slice(0, 20)} is not served here` } },
      { status: 405, headers: { allow: [...SERVED_METHODS].join(", "), "cache-control": "no-store" } },
    );
  }
  if (NOT_PAGES.test(request.nextUrl.pathname)) return NextResponse.next();

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
  if (headers.has("next-router-prefetch") && !headers.has("rsc")) headers.delete("next-router-prefetch");
  const response = NextResponse.next({ request: { headers } });
  response.headers.set("content-security-policy", csp);
  return response;
}

export const config = {
  matcher: ["/((?!_next/static|_next/image|favicon.ico|robots.txt).*)"],
};
