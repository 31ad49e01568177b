/**
 * Installed by instrumentation.ts in the Node server process: requests Next cannot handle are
 * answered or mended before Next sees them.
 *
 * - A method the app does not serve (TRACE, CONNECT, WebDAV's, ...) is a 405 here: Node's
 *   fetch refuses to build a Request for TRACE, which made Next's route handlers and
 *   middleware answer 500.
 * - A Next-Router-Prefetch header without the router's RSC header is not the router's (its
 *   prefetches always carry both): it is dropped, and the page renders as for a plain request,
 *   with its CSP. Left in, Next renders a prefetch shell that crashes on the server (500).
 */
import http from "node:http";

export const SERVED_METHODS = Object.freeze(["GET", "HEAD", "POST", "PATCH", "DELETE", "OPTIONS"]);
const SERVED = new Set(SERVED_METHODS);

const INSTALLED = Symbol.for("spacetime.requestGuardInstalled");

/** What the guard does with one request: true if it answered it (Next must not see it). */
export function guardRequest(req: http.IncomingMessage, res: http.ServerResponse): boolean {
  if (!SERVED.has(req.method ?? "")) {
    const body = JSON.stringify({ error: { code: "METHOD_NOT_ALLOWED", message: `${String(req.method).slice(0, 20)} is not served here` } });
    res.writeHead(405, {
      allow: SERVED_METHODS.join(", "),
      "content-type": "application/json; charset=utf-8",
      "content-length": Buffer.byteLength(body),
      "cache-control": "no-store",
      "x-content-type-options": "nosniff",
    });
    res.end(body);
    req.resume(); // drain any body
    return true;
  }
  if (req.headers["next-router-prefetch"] !== undefined && req.headers.rsc === undefined) delete req.headers["next-router-prefetch"];
  return false;
}

export function installRequestGuard(): void {
  const g = globalThis as { [INSTALLED]?: boolean };
  if (g[INSTALLED]) return;
  g[INSTALLED] = true;
  const emit = http.Server.prototype.emit;
  http.Server.prototype.emit = function (this: http.Server, event: string | symbol, ...args: unknown[]) {
    if (event === "request" && guardRequest(args[0] as http.IncomingMessage, args[1] as http.ServerResponse)) return true;
    return (emit as (this: http.Server, ...a: unknown[]) => boolean).call(this, event, ...args);
  } as typeof emit;
}
