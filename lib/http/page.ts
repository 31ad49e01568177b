/** For server-rendered pages: the caller from the request's cookie, and this site's public origin. */
import { headers } from "next/headers";

import { resolveActor, SessionEndedError, type Actor } from "../auth/actor";
import { SESSION_COOKIES } from "../auth/cookies";
import { webConfig } from "../config";

import { requestHost, requestProto } from "./proxy";

/**
 * The id the caller's jobs and clips are kept under (the account's, or the verified anonymous
 * cookie's), or null (pages never issue one: the first API call does).
 */
export async function pageCaller(): Promise<string | null> {
  return (await pageActor()).callerId;
}

/**
 * SPACETIME_PUBLIC_URL, else the origin this request came to (for absolute Open Graph URLs):
 * Host, or X-Forwarded-Host/-Proto only from a trusted proxy (lib/http/proxy.ts).
 */
export async function publicOrigin(): Promise<string> {
  const { publicUrl } = webConfig();
  if (publicUrl) return publicUrl;
  const h = await headers();
  return `${requestProto(h, "http")}://${requestHost(h, "localhost:3000")}`;
}

/**
 * The page's actor (lib/auth/actor.ts), from the request's own headers. A session cookie that
 * has ended counts as none here (the next API call answers 401 and clears it).
 */
export async function pageActor(): Promise<Actor> {
  const h = new Headers(await headers());
  try {
    return await resolveActor(new Request("http://page.invalid/", { headers: h }));
  } catch (err) {
    if (!(err instanceof SessionEndedError)) throw err;
    const kept = (h.get("cookie") ?? "")
      .split(";")
      .filter((c) => !SESSION_COOKIES.some((name) => c.trim().startsWith(`${name}=`)))
      .join(";");
    h.set("cookie", kept);
    return resolveActor(new Request("http://page.invalid/", { headers: h }));
  }
}
