/**
 * PATCH /api/admin/users/[id] { role?, quotas? }: approve (role "user"), make admin, send back
 * to pending, or set quotas (null: the server's default). Demoting or suspending someone ends
 * their sessions. Admin only; the last admin stays one (409).
 */
import { requireUserManager } from "@/lib/auth/actor";
import { revokeUserSessions } from "@/lib/db/sessions";
import { getUser, updateUser, type Role } from "@/lib/db/users";
import { userView } from "@/lib/http/account-views";
import { idParam, json, readJson, route } from "@/lib/http/respond";

import { updateUserBody } from "../../../auth/schema";

export const dynamic = "force-dynamic";

export async function PATCH(req: Request, { params }: { params: Promise<{ id: string }> }): Promise<Response> {
  return route(req, async (ctx) => {
    const body = await readJson(req, updateUserBody);
    const userId = idParam((await params).id, "user");
    requireUserManager(await ctx.callerOrNull());
    const before = await getUser({ userId });
    const user = await updateUser({ userId, role: body.role as Role | undefined, quotas: body.quotas });
    const rank = { pending: 0, user: 1, admin: 2 } as const;
    if (rank[user.role] < rank[before.role]) await revokeUserSessions({ userId });
    return json(200, { user: userView(user) });
  });
}
