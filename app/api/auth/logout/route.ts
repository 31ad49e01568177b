/** POST /api/auth/logout { everywhere? }: ends this session, or every session of the account. */
import { logOut } from "@/lib/auth/accounts";
import { clearSessionCookies } from "@/lib/auth/cookies";
import { AppError } from "@/lib/db/errors";
import { json, readJson, route } from "@/lib/http/respond";

import { logoutBody } from "../schema";

export const dynamic = "force-dynamic";

export async function POST(req: Request): Promise<Response> {
  return route(req, async (ctx) => {
    const { everywhere } = await readJson(req, logoutBody);
    const actor = await ctx.callerOrNull();
    if (!actor.user || !actor.sessionId) throw new AppError("UNAUTHORIZED", "not signed in");
    const revoked = await logOut({ sessionId: actor.sessionId, userId: actor.user.id, everywhere });
    for (const c of clearSessionCookies(req)) ctx.setCookie(c);
    return json(200, { revoked });
  });
}
