/** POST /api/jobs/[id]/front: the caller's queued job goes ahead of every other queued job. */
import { idParam, json, route } from "@/lib/http/respond";
import { jobViews } from "@/lib/http/views";
import { moveToFront } from "@/lib/queue";

export const dynamic = "force-dynamic";

export async function POST(req: Request, { params }: { params: Promise<{ id: string }> }): Promise<Response> {
  return route(req, async (ctx) => {
    const jobId = idParam((await params).id, "job");
    const callerId = ctx.caller();
    const job = await moveToFront({ jobId, callerId });
    const [view] = await jobViews([job], callerId);
    return json(200, { job: view });
  });
}
