/**
 * POST /api/videos/[id]/extend: queues a job (202) that makes the clip again with one more
 * chunk (lib/queue/extend.ts), as a new clip of the caller's. Any clip the caller can see may
 * be extended, as any may be remixed. Idempotency-Key as for POST /api/jobs.
 */
import { requireCreate } from "@/lib/auth/actor";
import { getJob } from "@/lib/db/jobs";
import { getVideo } from "@/lib/db/videos";
import { limitMisses } from "@/lib/http/rate-limit";
import { idParam, json, route, parseOrBadRequest } from "@/lib/http/respond";
import { jobViews } from "@/lib/http/views";
import { submit } from "@/lib/queue";
import { extensionSettings } from "@/lib/queue/extend";
import { limitsFor } from "@/lib/queue/quotas";

import { idempotencyKeyHeader } from "../../../jobs/schema";

export const dynamic = "force-dynamic";

export async function POST(req: Request, { params }: { params: Promise<{ id: string }> }): Promise<Response> {
  return route(req, async (ctx) => {
    const { id } = await params;
    const rawKey = req.headers.get("idempotency-key");
    const key = rawKey === null ? undefined : parseOrBadRequest(idempotencyKeyHeader, rawKey, "Idempotency-Key header");
    requireCreate(await ctx.callerOrNull(), "extending clips");
    const caller = await ctx.callerOrIssue();
    const { callerId } = caller;
    // A lookup by clip id: misses count against the client (anti-enumeration).
    const video = await limitMisses(req.headers, () => getVideo({ videoId: idParam(id, "video"), callerId }));
    const source = await getJob({ jobId: video.jobId });
    const { job, created } = await submit({ callerId, idempotencyKey: key, settings: extensionSettings(video, source), limits: limitsFor(caller) });
    const [view] = await jobViews([job], callerId);
    return json(202, { jobs: [view] }, created ? {} : { "idempotent-replayed": "true" });
  });
}
