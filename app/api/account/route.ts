/** GET /api/account: the signed-in user, their quotas, disk use, jobs in the queue and live sessions. */
import { AppError } from "@/lib/db/errors";
import { listJobs } from "@/lib/db/jobs";
import { listSessions } from "@/lib/db/sessions";
import { sessionView, userView } from "@/lib/http/account-views";
import { json, route } from "@/lib/http/respond";
import { diskUse } from "@/lib/queue/disk";
import { quotasOf } from "@/lib/queue/quotas";

export const dynamic = "force-dynamic";

export async function GET(req: Request): Promise<Response> {
  return route(req, async (ctx) => {
    const actor = await ctx.callerOrNull();
    if (!actor.user) throw new AppError("UNAUTHORIZED", "not signed in");
    const [disk, sessions, active] = await Promise.all([
      diskUse({ callerId: actor.user.id }),
      listSessions({ userId: actor.user.id }),
      listJobs({ callerId: actor.user.id, states: ["queued", "running"], limit: 100 }),
    ]);
    const use = disk.get(actor.user.id) ?? { bytes: 0, clips: 0 };
    return json(200, {
      user: userView(actor.user),
      quotas: quotasOf(actor),
      disk: use,
      activeJobs: active.jobs.length,
      sessions: sessions.map((s) => sessionView(s, actor.sessionId)),
    });
  });
}
