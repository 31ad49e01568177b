/**
 * Installed by instrumentation.ts in the Node server process: every HTTP request is stamped
 * with its socket's address before Next sees it (Next keeps a client's own X-Forwarded-For,
 * filling it in only when absent, so without this the real peer is lost). The stamp carries a
 * per-process random nonce, so a client cannot forge one, whenever it reaches the server
 * (lib/http/proxy.ts reads it).
 */
import { randomBytes } from "node:crypto";
import http from "node:http";

import { PEER_HEADER, setPeerNonce } from "./proxy";

const INSTALLED = Symbol.for("spacetime.peerStampInstalled");
const PROXY_HEADERS = ["x-forwarded-for", "x-forwarded-host", "forwarded", "x-real-ip"];

export function installPeerStamp(): void {
  const g = globalThis as { [INSTALLED]?: boolean };
  if (g[INSTALLED]) return;
  g[INSTALLED] = true;
  const nonce = randomBytes(16).toString("base64url");
  const emit = http.Server.prototype.emit;
  http.Server.prototype.emit = function (this: http.Server, event: string | symbol, ...args: unknown[]) {
    if (event === "request") {
      const req = args[0] as http.IncomingMessage;
      const forwarded = PROXY_HEADERS.some((h) => req.headers[h] !== undefined) ? "1" : "0";
      req.headers[PEER_HEADER] = `${nonce};${forwarded};${req.socket?.remoteAddress ?? ""}`;
    }
    return (emit as (this: http.Server, ...a: unknown[]) => boolean).call(this, event, ...args);
  } as typeof emit;
  setPeerNonce(nonce);
}
