/**
 * The session cookie: httpOnly, SameSite=Lax, Path=/; over https also Secure with the
 * `__Host-` prefix (the browser then refuses it from a subdomain or without Secure). Whether
 * the request is https comes from lib/http/proxy.ts (X-Forwarded-Proto only from a trusted proxy).
 */
import { webConfig } from "../config";
import { isHttps } from "../http/caller";

export const SESSION_COOKIE_HTTPS = "__Host-spacetime_session";
export const SESSION_COOKIE_HTTP = "spacetime_session";
export const SESSION_COOKIES = [SESSION_COOKIE_HTTPS, SESSION_COOKIE_HTTP] as const;

/** SPACETIME_SESSION_DAYS (default 30): how long a session lasts from its login. */
export function sessionTtlMs(): number {
  return webConfig().sessionDays * 86_400_000;
}

export function sessionCookie(req: Request, token: string, expiresAt: Date): string {
  const https = isHttps(req);
  const maxAge = Math.max(0, Math.floor((expiresAt.getTime() - Date.now()) / 1000));
  const attrs = [`${https ? SESSION_COOKIE_HTTPS : SESSION_COOKIE_HTTP}=${token}`, "Path=/", "HttpOnly", "SameSite=Lax", `Max-Age=${maxAge}`];
  if (https) attrs.push("Secure");
  return attrs.join("; ");
}

/** Set-Cookie headers that remove both forms of the session cookie. */
export function clearSessionCookies(req: Request): string[] {
  const https = isHttps(req);
  return [
    `${SESSION_COOKIE_HTTP}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0`,
    ...(https ? [`${SESSION_COOKIE_HTTPS}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0; Secure`] : []),
  ];
}
