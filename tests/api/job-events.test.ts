/**
 * components/job-events.ts, the job card's subscription to its event stream, driven by the
 * events an EventSource delivers: the server's `event: error` (a MessageEvent with data) and a
 * dropped connection (an Event without) both show as trouble on the card, cleared by the
 * next update; the terminal state closes the source.
 */
import { describe, expect, it } from "vitest";

import { subscribeJobEvents } from "../../components/job-events";

class FakeEventSource extends EventTarget {
  closed = false;
  close() {
    this.closed = true;
  }
  emit(type: string, data?: unknown) {
    this.dispatchEvent(data === undefined ? new Event(type) : new MessageEvent(type, { data: typeof data === "string" ? data : JSON.stringify(data) }));
  }
}

function subscribe() {
  const source = new FakeEventSource();
  const seen = { jobs: [] as string[], trouble: [] as (string | null)[] };
  subscribeJobEvents(source, { update: (j) => seen.jobs.push(j.state), trouble: (m) => seen.trouble.push(m) });
  return { source, seen };
}

describe("a job card's event subscription", () => {
  it("shows the server's `event: error` message, then clears it on the next update", () => {
    const { source, seen } = subscribe();
    source.emit("state", { id: "j", state: "running" });
    source.emit("error", { error: { code: "UNAVAILABLE", message: "lost track of the job; reconnecting" } });
    expect(seen.trouble.at(-1)).toBe("lost track of the job; reconnecting");
    expect(source.closed).toBe(false); // the browser reconnects
    source.emit("progress", { id: "j", state: "running" });
    expect(seen.trouble.at(-1)).toBeNull();
    expect(seen.jobs).toEqual(["running", "running"]);
  });

  it("tells a dropped connection apart from the server's error", () => {
    const { source, seen } = subscribe();
    source.emit("error");
    expect(seen.trouble.at(-1)).toBe("connection lost; reconnecting…");
    source.emit("error", "not json");
    expect(seen.trouble.at(-1)).toBe("the server lost track of this job; reconnecting…");
  });

  it("closes the source at the terminal state", () => {
    const { source, seen } = subscribe();
    source.emit("state", { id: "j", state: "succeeded" });
    expect(seen.jobs).toEqual(["succeeded"]);
    expect(source.closed).toBe(true);
  });
});
