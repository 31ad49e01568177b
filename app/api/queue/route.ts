/** GET /api/queue: whether the queue is paused. */
import { json, route } from "@/lib/http/respond";
import { isPaused } from "@/lib/queue";

export const dynamic = "force-dynamic";

export async function GET(req: Request): Promise<Response> {
  return route(req, async () => json(200, { paused: await isPaused() }));
}
