/** POST /api/queue/pause: stop claiming jobs (running ones finish). */
import { json, route } from "@/lib/http/respond";
import { isPaused, pause } from "@/lib/queue";

import { requireQueueAdmin } from "../admin";

export const dynamic = "force-dynamic";

export async function POST(req: Request): Promise<Response> {
  return route(req, async (ctx) => {
    ctx.caller();
    requireQueueAdmin(req);
    await pause();
    return json(200, { paused: await isPaused() });
  });
}
