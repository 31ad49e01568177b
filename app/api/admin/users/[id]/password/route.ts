/** POST /api/admin/users/[id]/password { password }: the admin sets a new password; the user's sessions end. */
import { requireUserManager } from "@/lib/auth/actor";
import { hashPassword } from "@/lib/auth/password";
import { revokeUserSessions } from "@/lib/db/sessions";
import { setPasswordHash } from "@/lib/db/users";
import { idParam, json, readJson, route } from "@/lib/http/respond";

import { resetPasswordBody } from "../../../../auth/schema";

export const dynamic = "force-dynamic";

export async function POST(req: Request, { params }: { params: Promise<{ id: string }> }): Promise<Response> {
  return route(req, async (ctx) => {
    const { password } = await readJson(req, resetPasswordBody);
    const userId = idParam((await params).id, "user");
    requireUserManager(await ctx.callerOrNull());
    await setPasswordHash({ userId, passwordHash: await hashPassword(password) });
    return json(200, { revokedSessions: await revokeUserSessions({ userId }) });
  });
}
