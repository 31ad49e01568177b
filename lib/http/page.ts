/** For server-rendered pages: the caller from the request's cookie, and this site's public origin. */
import { cookies, headers } from "next/headers";

import { CALLER_COOKIE, verifyCaller } from "./caller";
import { requestHost, requestProto } from "./proxy";

/** The verified caller id, or null (pages never issue one: the first API call does). */
export async function pageCaller(): Promise<string | null> {
  return verifyCaller((await cookies()).get(CALLER_COOKIE)?.value);
}

/**
 * SPACETIME_PUBLIC_URL, else the origin this request came to (for absolute Open Graph URLs):
 * Host, or X-Forwarded-Host/-Proto only from a trusted proxy (lib/http/proxy.ts).
 */
export async function publicOrigin(): Promise<string> {
  if (process.env.SPACETIME_PUBLIC_URL) return process.env.SPACETIME_PUBLIC_URL.replace(/\/+$/, "");
  const h = await headers();
  return `${requestProto(h, "http")}://${requestHost(h, "localhost:3000")}`;
}
