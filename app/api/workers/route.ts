/**
 * GET /api/workers: the fleet, every worker seen in the last hour (host, execution provider,
 * model, status, jobs done, seconds per step) and the live workers' throughput, which the
 * queue's ETAs use. Its hosts are the admin's business on a shared instance (see ../queue/admin.ts).
 */
import { json, route } from "@/lib/http/respond";
import { fleet } from "@/lib/queue/fleet";

import { requireQueueAdmin } from "../queue/admin";

export const dynamic = "force-dynamic";

export async function GET(req: Request): Promise<Response> {
  return route(req, async (ctx) => {
    ctx.caller();
    requireQueueAdmin(req, "seeing the fleet");
    return json(200, await fleet());
  });
}
