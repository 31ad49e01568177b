/** POST /api/queue/pause: stop claiming jobs (running ones finish). */
import { json, route } from "@/lib/http/respond";
import { isPaused, pause } from "@/lib/queue";

import { requireQueueManager } from "@/lib/auth/actor";

export const dynamic = "force-dynamic";

export async function POST(req: Request): Promise<Response> {
  return route(req, async (ctx) => {
    requireQueueManager(await ctx.caller(), "pausing and resuming the queue");
    await pause();
    return json(200, { paused: await isPaused() });
  });
}
