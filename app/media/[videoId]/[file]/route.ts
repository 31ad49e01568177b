/**
 * GET/HEAD /media/[videoId]/[file]: a clip's video.mp4, video.webm, poster.png or preview.webp,
 * for its owner or, once published, anyone. Ids and names are checked before anything is
 * looked up, the store key comes from the database row, and every miss is the same 404. The
 * bytes come from the media store (local disk or S3, lib/storage).
 */
import { canActOnAny } from "@/lib/auth/actor";
import { AppError } from "@/lib/db/errors";
import { getVideo } from "@/lib/db/videos";
import { isMediaName, mediaKeyOf, objectResponse } from "@/lib/http/media";
import { limitMisses } from "@/lib/http/rate-limit";
import { idParam, route } from "@/lib/http/respond";
import { mediaStore } from "@/lib/storage";

export const dynamic = "force-dynamic";

type Params = { params: Promise<{ videoId: string; file: string }> };

const notFound = () => new AppError("NOT_FOUND", "no such file");

export async function GET(req: Request, { params }: Params): Promise<Response> {
  return route(req, async (ctx) => {
    const { videoId: rawId, file } = await params;
    const actor = await ctx.callerOrNull();
    const { callerId } = actor;
    // NOT_FOUND unless theirs or published; misses count against the client (anti-enumeration).
    const { video, name } = await limitMisses(req.headers, async () => {
      const videoId = idParam(rawId, "file");
      if (!isMediaName(file)) throw notFound();
      return { video: await getVideo({ videoId, callerId: callerId ?? "", anyOwner: canActOnAny(actor) }), name: file };
    });
    const key = mediaKeyOf(video, name);
    if (!key) throw notFound();
    // Revalidated on every use (a cheap 304 by ETag): a clip unpublished or deleted must not
    // live on in a browser's cache; "private" keeps shared caches out.
    const res = await objectResponse(req, mediaStore(), key, "private, no-cache");
    if (!res) throw notFound();
    return res;
  });
}

export const HEAD = GET;
