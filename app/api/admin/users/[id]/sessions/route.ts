/** DELETE /api/admin/users/[id]/sessions: ends every session of the user (admin only). */
import { requireUserManager } from "@/lib/auth/actor";
import { revokeUserSessions } from "@/lib/db/sessions";
import { getUser } from "@/lib/db/users";
import { idParam, json, route } from "@/lib/http/respond";

export const dynamic = "force-dynamic";

export async function DELETE(req: Request, { params }: { params: Promise<{ id: string }> }): Promise<Response> {
  return route(req, async (ctx) => {
    const userId = idParam((await params).id, "user");
    requireUserManager(await ctx.callerOrNull());
    await getUser({ userId });
    return json(200, { revoked: await revokeUserSessions({ userId }) });
  });
}
