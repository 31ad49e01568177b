/**
 * GET /api/jobs/[id]/events: Server-Sent Events for one of the caller's jobs. All streams share
 * one poller (lib/http/job-watch.ts), which sends the job (as GET /api/jobs/[id]
 * shows it, plus its latest latent preview while running) whenever it changed: `event: state`
 * when its state did, `event: progress` otherwise. Each event's id names the snapshot, so a
 * client that reconnects with Last-Event-ID gets nothing it already has, then only changes.
 * The stream ends after the terminal state (succeeded, failed, canceled), or after 10 minutes;
 * `retry` asks browsers to reconnect after 2 s if it ends or drops before the terminal state.
 * `event: error` says the server lost track of the job (the stream then ends, and the browser
 * reconnects). A caller may hold SPACETIME_MAX_STREAMS_PER_CALLER (default 200) streams open
 * at once; one more is a 429.
 */
import { getJob } from "@/lib/db/jobs";
import { openStream, watchJob, type Snapshot } from "@/lib/http/job-watch";
import { idParam, route } from "@/lib/http/respond";
import { isTerminal } from "@/lib/queue";

export const dynamic = "force-dynamic";

const KEEPALIVE_MS = 15_000; // a comment line keeps proxies from closing an idle stream
const MAX_STREAM_MS = 10 * 60_000; // then the browser reconnects (with Last-Event-ID): no stream lives forever

export async function GET(req: Request, { params }: { params: Promise<{ id: string }> }): Promise<Response> {
  return route(req, async (ctx) => {
    const jobId = idParam((await params).id, "job");
    const { callerId } = await ctx.caller();
    const job = await getJob({ jobId, callerId }); // a 404 before any stream starts
    const release = openStream(callerId); // a 429 past the caller's open streams
    const lastEventId = req.headers.get("last-event-id");
    const encoder = new TextEncoder();
    let end = () => {};

    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        let closed = false;
        let lastId = lastEventId;
        let lastState: string | null = null;
        const send = (text: string) => {
          if (!closed) controller.enqueue(encoder.encode(text));
        };
        const keepAlive = setInterval(() => send(": keep-alive\n\n"), KEEPALIVE_MS);
        const deadline = setTimeout(() => end(), MAX_STREAM_MS);
        const unwatch = watchJob(job, callerId, {
          snapshot({ id, view, data }: Snapshot) {
            if (id !== lastId) {
              const type = lastState === null || lastState !== view.state ? "state" : "progress";
              send(`id: ${id}\nevent: ${type}\ndata: ${data}\n\n`);
              lastId = id;
            }
            lastState = view.state;
            if (isTerminal(view.state)) end();
          },
          error() {
            send(`event: error\ndata: ${JSON.stringify({ error: { code: "UNAVAILABLE", message: "lost track of the job; reconnecting" } })}\n\n`);
            end();
          },
        });
        end = () => {
          if (closed) return;
          closed = true;
          clearInterval(keepAlive);
          clearTimeout(deadline);
          unwatch();
          release();
          try {
            controller.close();
          } catch {
            // the client went away first: nothing to close
          }
        };
        send("retry: 2000\n\n");
        req.signal?.addEventListener("abort", () => end());
      },
      cancel() {
        end();
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
