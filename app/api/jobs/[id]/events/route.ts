/**
 * GET /api/jobs/[id]/events: Server-Sent Events for one of the caller's jobs. The server
 * polls the database every SPACETIME_SSE_POLL_MS (default 500 ms) and sends the job (as
 * GET /api/jobs/[id] shows it, plus its latest latent preview while running) whenever it
 * changed: `event: state` when its state did, `event: progress` otherwise. Each event's id names the snapshot, so a client that
 * reconnects with Last-Event-ID gets nothing it already has, then only changes. The stream
 * ends after the terminal state (succeeded, failed, canceled), or after 10 minutes; `retry`
 * asks browsers to reconnect after 2 s if it ends or drops before the terminal state.
 */
import { setTimeout as sleep } from "node:timers/promises";

import { getJob, readPreview } from "@/lib/db/jobs";
import { idParam, route } from "@/lib/http/respond";
import { jobViews, type JobView } from "@/lib/http/views";
import { isTerminal } from "@/lib/queue";
import { previewView } from "@/lib/queue/preview";

export const dynamic = "force-dynamic";

const KEEPALIVE_MS = 15_000; // a comment line keeps proxies from closing an idle stream
const MAX_STREAM_MS = 10 * 60_000; // then the browser reconnects (with Last-Event-ID): no stream lives forever

function pollMs(): number {
  const n = Number(process.env.SPACETIME_SSE_POLL_MS);
  return Number.isFinite(n) && n >= 10 ? n : 500;
}

function eventId(v: JobView): string {
  return [v.state, v.progress.step, v.progress.total, v.position ?? "-", v.cancelRequested ? "c" : "", v.video?.id ?? ""].join(".");
}

export async function GET(req: Request, { params }: { params: Promise<{ id: string }> }): Promise<Response> {
  return route(req, async (ctx) => {
    const jobId = idParam((await params).id, "job");
    const { callerId } = await ctx.caller();
    const first = await getJob({ jobId, callerId }); // a 404 before any stream starts
    const lastEventId = req.headers.get("last-event-id");
    const encoder = new TextEncoder();
    let closed = false;

    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        const send = (text: string) => {
          if (!closed) controller.enqueue(encoder.encode(text));
        };
        const close = () => {
          if (closed) return;
          closed = true;
          try {
            controller.close();
          } catch {
            // the client went away first: nothing to close
          }
        };
        req.signal?.addEventListener("abort", close);

        void (async () => {
          send("retry: 2000\n\n");
          let lastId = lastEventId;
          let lastState: string | null = null;
          let lastSent = Date.now();
          let job = first;
          const until = Date.now() + MAX_STREAM_MS;
          try {
            for (;;) {
              const [view] = await jobViews([job], callerId);
              const id = eventId(view!);
              if (id !== lastId && view!.state === "running") {
                const bytes = await readPreview({ jobId, callerId });
                view!.preview = bytes && previewView(bytes);
              }
              if (id !== lastId) {
                const type = lastState === null || lastState !== view!.state ? "state" : "progress";
                send(`id: ${id}\nevent: ${type}\ndata: ${JSON.stringify(view)}\n\n`);
                lastId = id;
                lastSent = Date.now();
              }
              lastState = view!.state;
              if (isTerminal(view!.state) || closed || Date.now() > until) break;
              await sleep(pollMs());
              if (closed) break;
              if (Date.now() - lastSent >= KEEPALIVE_MS) {
                send(": keep-alive\n\n");
                lastSent = Date.now();
              }
              job = await getJob({ jobId, callerId });
            }
          } catch (err) {
            console.error(`[events ${jobId}]`, err);
            send(`event: error\ndata: ${JSON.stringify({ error: { code: "UNAVAILABLE", message: "lost track of the job; reconnecting" } })}\n\n`);
          }
          close();
        })();
      },
      cancel() {
        closed = true;
      },
    });

    return new Response(stream, {
      status: 200,
      headers: {
        "content-type": "text/event-stream; charset=utf-8",
        "cache-control": "no-store, no-transform",
        "x-accel-buffering": "no",
        "x-content-type-options": "nosniff",
      },
    });
  });
}
