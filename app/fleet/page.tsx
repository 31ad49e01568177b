/**
 * /fleet: the workers serving the queue, on this machine or others (see the README's "Web
 * server here, workers elsewhere"), and their throughput. Only the admin (or a local studio's
 * owner without SPACETIME_ADMIN_TOKEN) sees the hosts; everyone else the totals.
 */
import type { Metadata } from "next";

import { AutoRefresh } from "@/components/AutoRefresh";
import { canManageQueue } from "@/lib/auth/actor";
import { pageActor } from "@/lib/http/page";
import { fleet, type FleetWorker } from "@/lib/queue/fleet";

export const metadata: Metadata = { title: "Fleet" };
export const dynamic = "force-dynamic";

const STATUS_LABEL: Record<FleetWorker["status"], string> = {
  working: "working",
  idle: "idle",
  silent: "no heartbeat",
  stopped: "stopped",
};

function ago(iso: string, now: number): string {
  const s = Math.max(0, Math.round((now - Date.parse(iso)) / 1000));
  return s < 90 ? `${s} s ago` : s < 5400 ? `${Math.round(s / 60)} min ago` : `${Math.round(s / 3600)} h ago`;
}

export default async function FleetPage() {
  const f = await fleet();
  const now = Date.now();
  const hostsHidden = !canManageQueue(await pageActor());
  return (
    <main className="wide">
      <AutoRefresh everyMs={5_000} />
      <h1>Fleet</h1>
      <p className="lede">
        {f.live} live worker{f.live === 1 ? "" : "s"}
        {f.stepsPerSecond !== null && (
          <>
            {" "}
            · {f.stepsPerSecond.toFixed(2)} denoising steps/s together · {f.secondsPerStep!.toFixed(2)} s per step for a typical one
          </>
        )}
      </p>
      {hostsHidden ? (
        <p className="note">This server keeps its workers&apos; hosts to its admin (the Admin page, or GET /api/workers as the admin).</p>
      ) : f.workers.length === 0 ? (
        <p className="note">
          No worker has been seen in the last hour. Start one with <code>npm run worker</code>, here or on another machine.
        </p>
      ) : (
        <table className="fleet">
          <thead>
            <tr>
              <th scope="col">Worker</th>
              <th scope="col">Host</th>
              <th scope="col">Runs on</th>
              <th scope="col">Model</th>
              <th scope="col">Status</th>
              <th scope="col">Jobs done</th>
              <th scope="col">s / step</th>
              <th scope="col">Heartbeat</th>
            </tr>
          </thead>
          <tbody>
            {f.workers.map((w) => (
              <tr key={w.id} data-status={w.status}>
                <td>{w.id}</td>
                <td>{w.host}</td>
                <td>{w.provider}</td>
                <td>{w.model}</td>
                <td>{STATUS_LABEL[w.status]}</td>
                <td>{w.jobsDone}</td>
                <td>{w.secondsPerStep === null ? "–" : w.secondsPerStep.toFixed(3)}</td>
                <td>{ago(w.heartbeatAt, now)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </main>
  );
}
