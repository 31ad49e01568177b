/** GET /api/admin/users: every account with its jobs in the queue and its disk use (admin only). */
import { requireUserManager } from "@/lib/auth/actor";
import { activeJobsByCaller } from "@/lib/db/admin-jobs";
import { listUsers } from "@/lib/db/users";
import { userView } from "@/lib/http/account-views";
import { json, route } from "@/lib/http/respond";
import { diskUse } from "@/lib/queue/disk";

export const dynamic = "force-dynamic";

export async function GET(req: Request): Promise<Response> {
  return route(req, async (ctx) => {
    requireUserManager(await ctx.callerOrNull());
    const [users, active, disk] = await Promise.all([listUsers(), activeJobsByCaller(), diskUse()]);
    const known = new Set(users.map((u) => u.id));
    let anonymous = { queued: 0, running: 0, bytes: 0, clips: 0 };
    for (const [id, a] of active) if (!known.has(id)) anonymous = { ...anonymous, queued: anonymous.queued + a.queued, running: anonymous.running + a.running };
    for (const [id, d] of disk) if (!known.has(id)) anonymous = { ...anonymous, bytes: anonymous.bytes + d.bytes, clips: anonymous.clips + d.clips };
    return json(200, {
      users: users.map((u) => ({ ...userView(u), jobs: active.get(u.id) ?? { queued: 0, running: 0 }, disk: disk.get(u.id) ?? { bytes: 0, clips: 0 } })),
      anonymous,
    });
  });
}
