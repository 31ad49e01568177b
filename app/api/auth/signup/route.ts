/**
 * POST /api/auth/signup { username, email?, password }: makes an account and logs it in (201,
 * with the session cookie). The first account is the admin; later ones follow the sign-up
 * policy (open: user, approval: pending, closed: 403). The browser's anonymous jobs and clips
 * become the account's.
 */
import { signUp } from "@/lib/auth/accounts";
import { sessionCookie } from "@/lib/auth/cookies";
import { json, readJson, route } from "@/lib/http/respond";
import { userView } from "@/lib/http/account-views";

import { signupBody } from "../schema";

export const dynamic = "force-dynamic";

export async function POST(req: Request): Promise<Response> {
  return route(req, async (ctx) => {
    const body = await readJson(req, signupBody);
    const actor = await ctx.callerOrNull().catch(() => null); // an old, revoked session cookie does not block a sign-up
    const r = await signUp({ ...body, anonymousCallerId: actor?.anonymousCallerId ?? null, userAgent: req.headers.get("user-agent") ?? "" });
    ctx.setCookie(sessionCookie(req, r.token, r.expiresAt));
    return json(201, { user: userView(r.user), claimed: r.claimed });
  });
}
