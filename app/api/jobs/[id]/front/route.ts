/**
 * POST /api/jobs/[id]/front: "move to front". The admin (and a local studio's owner) puts a
 * queued job ahead of every other; anyone else only ahead of their own other queued jobs.
 */
import { canActOnAny, canManageQueue } from "@/lib/auth/actor";
import { idParam, json, route } from "@/lib/http/respond";
import { jobViews } from "@/lib/http/views";
import { moveToFront } from "@/lib/queue";

export const dynamic = "force-dynamic";

export async function POST(req: Request, { params }: { params: Promise<{ id: string }> }): Promise<Response> {
  return route(req, async (ctx) => {
    const jobId = idParam((await params).id, "job");
    const caller = await ctx.caller();
    const job = await moveToFront({
      jobId,
      callerId: canActOnAny(caller) ? undefined : caller.callerId,
      among: canManageQueue(caller) ? "all" : "own",
    });
    const [view] = await jobViews([job], job.callerId);
    return json(200, { job: view });
  });
}
