/**
 * GET /api/workers: the fleet, every worker seen in the last hour (host, execution provider,
 * model, status, jobs done, seconds per step) and the live workers' throughput, which the
 * queue's ETAs use. Its hosts are the admin's business (and a local studio's owner's): lib/auth/actor.ts.
 */
import { json, route } from "@/lib/http/respond";
import { fleet } from "@/lib/queue/fleet";

import { requireQueueManager } from "@/lib/auth/actor";

export const dynamic = "force-dynamic";

export async function GET(req: Request): Promise<Response> {
  return route(req, async (ctx) => {
    requireQueueManager(await ctx.caller(), "seeing the fleet");
    return json(200, await fleet());
  });
}
