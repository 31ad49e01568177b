/**
 * GET /api/videos/[id]: a clip the caller owns, or a published one, with its scene plan. PATCH { visibility }:
 * publish or unpublish (owner only). DELETE: soft delete (owner, or an admin): hidden everywhere,
 * its share link dead, its files removed.
 */
import { canActOnAny, requireCreate } from "@/lib/auth/actor";
import { deleteVideo, getVideo, setVideoPublished } from "@/lib/db/videos";
import { limitMisses } from "@/lib/http/rate-limit";
import { idParam, json, readJson, route } from "@/lib/http/respond";
import { videoView } from "@/lib/http/views";
import { mediaStore } from "@/lib/storage";

import { updateVideoBody } from "../schema";

export const dynamic = "force-dynamic";

type Params = { params: Promise<{ id: string }> };

export async function GET(req: Request, { params }: Params): Promise<Response> {
  return route(req, async (ctx) => {
    const { id } = await params;
    const actor = await ctx.callerOrNull();
    const { callerId } = actor;
    // No identity: published clips only (the admin: every clip). Misses count against the client (anti-enumeration).
    const video = await limitMisses(req.headers, () => getVideo({ videoId: idParam(id, "video"), callerId: callerId ?? "", anyOwner: canActOnAny(actor) }));
    return json(200, { video: videoView(video, callerId, { withPlan: true }) });
  });
}

export async function PATCH(req: Request, { params }: Params): Promise<Response> {
  return route(req, async (ctx) => {
    const body = await readJson(req, updateVideoBody);
    const videoId = idParam((await params).id, "video");
    const caller = await ctx.caller();
    requireCreate(caller, "publishing clips");
    const { callerId } = caller;
    const video = await setVideoPublished({ videoId, callerId, published: body.visibility === "public" });
    return json(200, { video: videoView(video, callerId) });
  });
}

export async function DELETE(req: Request, { params }: Params): Promise<Response> {
  return route(req, async (ctx) => {
    const videoId = idParam((await params).id, "video");
    const caller = await ctx.caller();
    const video = await deleteVideo({ videoId, callerId: canActOnAny(caller) ? undefined : caller.callerId });
    // The row stays (the slug never comes back); the files go. A failure here leaves them to the sweeper.
    const keys = [video.mp4Key, video.webmKey, video.posterKey, video.webpKey].filter((k): k is string => k !== null);
    await mediaStore()
      .remove(keys)
      .catch((err: unknown) => console.error(`[videos] removing files of ${video.id}:`, err));
    return json(204, null);
  });
}
