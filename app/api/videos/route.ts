/** GET /api/videos: the gallery (the caller's clips and published ones), cursor pages, prompt search. */
import { listVideos } from "@/lib/db/videos";
import { json, readQuery, route } from "@/lib/http/respond";
import { videoView } from "@/lib/http/views";

import { listVideosQuery } from "./schema";

export const dynamic = "force-dynamic";

export async function GET(req: Request): Promise<Response> {
  return route(req, async (ctx) => {
    const query = readQuery(req, listVideosQuery);
    const { callerId } = await ctx.callerOrIssue();
    const page = await listVideos({ callerId, scope: query.scope, cursor: query.cursor || null, q: query.q, limit: query.limit });
    return json(200, { videos: page.videos.map((v) => videoView(v, callerId)), nextCursor: page.nextCursor });
  });
}
