/**
 * POST /api/videos/[id]/remix: queues a job (202) with the clip's settings and scene plan,
 * changed by the body (lib/queue/remix.ts): `{ "seed": 8 }` makes the same plan again under
 * another seed, `{ "plan": null }` makes it from text alone, `{ "plan": {...} }` follows a new
 * plan. Any clip the caller can see may be remixed. Idempotency-Key as for POST /api/jobs.
 */
import { requireCreate } from "@/lib/auth/actor";
import { getVideo } from "@/lib/db/videos";
import { limitMisses } from "@/lib/http/rate-limit";
import { PLAN_BODY_LIMIT_BYTES, idParam, json, readJson, route, parseOrBadRequest } from "@/lib/http/respond";
import { jobViews } from "@/lib/http/views";
import { submit } from "@/lib/queue";
import { limitsFor } from "@/lib/queue/quotas";
import { remixSettings } from "@/lib/queue/remix";
import { checkStoryboardFits } from "@/lib/queue/storyboard-fits";
import { modelSettingsLimits } from "@/lib/queue/job-settings";

import { idempotencyKeyHeader } from "../../../jobs/schema";
import { remixVideoBody } from "../../schema";

export const dynamic = "force-dynamic";

export async function POST(req: Request, { params }: { params: Promise<{ id: string }> }): Promise<Response> {
  return route(req, async (ctx) => {
    const limits = modelSettingsLimits();
    const changes = await readJson(req, remixVideoBody(limits), { limitBytes: PLAN_BODY_LIMIT_BYTES });
    const rawKey = req.headers.get("idempotency-key");
    const key = rawKey === null ? undefined : parseOrBadRequest(idempotencyKeyHeader, rawKey, "Idempotency-Key header");
    const { id } = await params;
    requireCreate(await ctx.callerOrNull(), "remixing clips");
    const caller = await ctx.callerOrIssue();
    const { callerId } = caller;
    // A lookup by clip id: misses count against the client (anti-enumeration).
    const video = await limitMisses(req.headers, () => getVideo({ videoId: idParam(id, "video"), callerId }));
    const settings = remixSettings(video, changes);
    checkStoryboardFits(settings, settings.seed ?? video.seed, limits); // a storyboard is planned again under the remix's seed
    const { job, created } = await submit({ callerId, idempotencyKey: key, settings, limits: limitsFor(caller) });
    const [view] = await jobViews([job], callerId);
    return json(202, { jobs: [view] }, created ? {} : { "idempotent-replayed": "true" });
  });
}
