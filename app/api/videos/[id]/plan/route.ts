/**
 * GET /api/videos/[id]/plan: the scene plan a clip followed (docs/scene-plan.md), as a JSON
 * file to download, edit and send back as POST /api/jobs's `plan` (or `generate --plan FILE`).
 * The same clips as GET /api/videos/[id]; 404 when it followed none (text alone).
 */
import { canActOnAny } from "@/lib/auth/actor";
import { AppError } from "@/lib/db/errors";
import { planFromColumn } from "@/lib/db/plan-column";
import { getVideo } from "@/lib/db/videos";
import { limitMisses } from "@/lib/http/rate-limit";
import { idParam, json, route } from "@/lib/http/respond";

export const dynamic = "force-dynamic";

export async function GET(req: Request, { params }: { params: Promise<{ id: string }> }): Promise<Response> {
  return route(req, async (ctx) => {
    const { id } = await params;
    const actor = await ctx.callerOrNull();
    const video = await limitMisses(req.headers, () => getVideo({ videoId: idParam(id, "video"), callerId: actor.callerId ?? "", anyOwner: canActOnAny(actor) }));
    const plan = planFromColumn(video.plan);
    if (!plan) throw new AppError("NOT_FOUND", "this clip followed no scene plan (text alone)");
    return json(200, plan, { "content-disposition": `attachment; filename="plan-${video.id}.json"` });
  });
}
