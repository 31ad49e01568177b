/**
 * GET /api/jobs/[id]: one of the caller's jobs (an admin's: anyone's), with the scene plan it
 * follows (the clip's once made). DELETE: cancel it (queued at
 * once, running at its next step); an admin may cancel any job.
 */
import { canActOnAny } from "@/lib/auth/actor";
import { getJob } from "@/lib/db/jobs";
import { idParam, json, route } from "@/lib/http/respond";
import { jobViews } from "@/lib/http/views";
import { cancel } from "@/lib/queue";

export const dynamic = "force-dynamic";

type Params = { params: Promise<{ id: string }> };

export async function GET(req: Request, { params }: Params): Promise<Response> {
  return route(req, async (ctx) => {
    const jobId = idParam((await params).id, "job");
    const caller = await ctx.caller();
    const job = await getJob({ jobId, callerId: canActOnAny(caller) ? undefined : caller.callerId });
    const [view] = await jobViews([job], job.callerId, { withPlan: true });
    return json(200, { job: view });
  });
}

export async function DELETE(req: Request, { params }: Params): Promise<Response> {
  return route(req, async (ctx) => {
    const jobId = idParam((await params).id, "job");
    const caller = await ctx.caller();
    const job = await cancel({ jobId, callerId: canActOnAny(caller) ? undefined : caller.callerId });
    const [view] = await jobViews([job], job.callerId);
    return json(200, { job: view });
  });
}
