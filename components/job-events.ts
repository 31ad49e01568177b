/**
 * A job card's subscription to /api/jobs/[id]/events: `state` and `progress` events carry the
 * job; `event: error` from the server says it lost track of the job (the stream ends and the
 * browser reconnects), and an error event without data is the connection itself dropping
 * (EventSource reconnects by itself). Either is shown on the card until the next update.
 */
import type { JobView } from "@/lib/http/views";

export interface JobEventHandlers {
  update(job: JobView): void;
  trouble(message: string | null): void; // null: the stream is healthy again
}

const TERMINAL = new Set(["succeeded", "failed", "canceled"]);

/** Listens on `source` (an EventSource); closes it at the job's terminal state. Returns the unsubscribe. */
export function subscribeJobEvents(source: EventTarget & { close(): void }, h: JobEventHandlers): () => void {
  const update = (e: Event) => {
    const next = JSON.parse((e as MessageEvent<string>).data) as JobView;
    h.trouble(null);
    h.update(next);
    if (TERMINAL.has(next.state)) source.close();
  };
  const error = (e: Event) => {
    const data = (e as Partial<MessageEvent<string>>).data;
    if (typeof data !== "string") {
      h.trouble("connection lost; reconnecting…");
      return;
    }
    let message = "the server lost track of this job; reconnecting…";
    try {
      message = (JSON.parse(data) as { error?: { message?: string } }).error?.message ?? message;
    } catch {
      // not JSON: keep the generic message
    }
    h.trouble(message);
  };
  source.addEventListener("state", update);
  source.addEventListener("progress", update);
  source.addEventListener("error", error);
  return () => source.close();
}
