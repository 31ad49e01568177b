/**
 * POST /api/videos/[id]/continue: queues a job (202) that keeps the clip up to a frame and
 * continues it from there for `seconds` more under a prompt (lib/queue/continue.ts), as a new
 * clip of the caller's. Any clip the caller can see may be continued, as any may be extended.
 * The job's `frames` says how long the new clip is; its first frames are the clip's up to the
 * frame, snapped down to a latent frame's end. Idempotency-Key as for POST /api/jobs.
 */
import { requireCreate } from "@/lib/auth/actor";
import { getJob } from "@/lib/db/jobs";
import { getVideo } from "@/lib/db/videos";
import { limitMisses } from "@/lib/http/rate-limit";
import { idParam, json, route, readJson, parseOrBadRequest } from "@/lib/http/respond";
import { jobViews } from "@/lib/http/views";
import { submit } from "@/lib/queue";
import { continuation } from "@/lib/queue/continue";
import { modelSettingsLimits } from "@/lib/queue/job-settings";
import { limitsFor } from "@/lib/queue/quotas";

import { idempotencyKeyHeader } from "../../../jobs/schema";
import { continueVideoBody } from "../../schema";

export const dynamic = "force-dynamic";

export async function POST(req: Request, { params }: { params: Promise<{ id: string }> }): Promise<Response> {
  return route(req, async (ctx) => {
    const limits = modelSettingsLimits();
    const body = await readJson(req, continueVideoBody(limits));
    const rawKey = req.headers.get("idempotency-key");
    const key = rawKey === null ? undefined : parseOrBadRequest(idempotencyKeyHeader, rawKey, "Idempotency-Key header");
    const { id } = await params;
    requireCreate(await ctx.callerOrNull(), "continuing clips");
    const caller = await ctx.callerOrIssue();
    const { callerId } = caller;
    // A lookup by clip id: misses count against the client (anti-enumeration).
    const video = await limitMisses(req.headers, () => getVideo({ videoId: idParam(id, "video"), callerId }));
    const { settings, continueOf } = continuation(video, await getJob({ jobId: video.jobId }), body, limits);
    const { job, created } = await submit({ callerId, idempotencyKey: key, settings, continueOf, limits: limitsFor(caller) });
    const [view] = await jobViews([job], callerId);
    return json(202, { jobs: [view] }, created ? {} : { "idempotent-replayed": "true" });
  });
}
