/** POST /api/queue/resume: start claiming jobs again. */
import { json, route } from "@/lib/http/respond";
import { isPaused, resume } from "@/lib/queue";

import { requireQueueManager } from "@/lib/auth/actor";

export const dynamic = "force-dynamic";

export async function POST(req: Request): Promise<Response> {
  return route(req, async (ctx) => {
    requireQueueManager(await ctx.caller(), "pausing and resuming the queue");
    await resume();
    return json(200, { paused: await isPaused() });
  });
}
