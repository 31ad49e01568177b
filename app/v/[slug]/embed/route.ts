/**
 * GET /v/SLUG/embed: the bare player other sites may frame (twitter:player points here).
 * Plain HTML from a handler, so no layout, no script at all; the prompt is escaped. The only
 * page whose frame-ancestors is open (next.config.ts leaves it out of the global headers).
 */
import { getVideoBySlug } from "@/lib/db/videos";
import { limitMisses } from "@/lib/http/rate-limit";
import { idParam, route } from "@/lib/http/respond";
import { videoView } from "@/lib/http/views";

export const dynamic = "force-dynamic";

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

export async function GET(req: Request, { params }: { params: Promise<{ slug: string }> }): Promise<Response> {
  return route(req, async () => {
    const { slug } = await params;
    const v = videoView(await limitMisses(req.headers, () => getVideoBySlug({ slug: idParam(slug, "video") })), null);
    const poster = v.media.poster ? ` poster="${escapeHtml(v.media.poster)}"` : "";
    const html = `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>${escapeHtml(v.prompt)}</title><style>html,body{margin:0;height:100%;background:#000}video{width:100%;height:100%;object-fit:contain;image-rendering:pixelated}</style></head><body><video src="${escapeHtml(v.media.mp4)}"${poster} controls loop muted playsinline aria-label="${escapeHtml(v.prompt)}"></video></body></html>`;
    return new Response(html, {
      headers: {
        "content-type": "text/html; charset=utf-8",
        "content-security-policy": "default-src 'none'; media-src 'self'; img-src 'self'; style-src 'unsafe-inline'; frame-ancestors *",
        "x-content-type-options": "nosniff",
        "referrer-policy": "strict-origin-when-cross-origin",
        "cache-control": "no-store",
      },
    });
  });
}
