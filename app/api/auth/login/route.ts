/**
 * POST /api/auth/login { login, password }: `login` is the username or the email. 200 with the
 * session cookie; 401 for a wrong name or password (the same answer for both); 429 with
 * Retry-After past the failed-attempt limit (lib/auth/login-limit.ts). At an account's first
 * login the browser's anonymous jobs and clips become its own.
 */
import { logIn } from "@/lib/auth/accounts";
import { sessionCookie } from "@/lib/auth/cookies";
import { userView } from "@/lib/http/account-views";
import { clientAddress } from "@/lib/http/proxy";
import { json, readJson, route } from "@/lib/http/respond";

import { loginBody } from "../schema";

export const dynamic = "force-dynamic";

export async function POST(req: Request): Promise<Response> {
  return route(req, async (ctx) => {
    const body = await readJson(req, loginBody);
    const actor = await ctx.callerOrNull().catch(() => null); // an old, revoked session cookie does not block a new login
    const r = await logIn({
      ...body,
      address: clientAddress(req.headers),
      anonymousCallerId: actor?.anonymousCallerId ?? null,
      userAgent: req.headers.get("user-agent") ?? "",
    });
    ctx.setCookie(sessionCookie(req, r.token, r.expiresAt));
    return json(200, { user: userView(r.user), claimed: r.claimed });
  });
}
