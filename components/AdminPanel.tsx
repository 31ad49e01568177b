"use client";
/**
 * /admin: accounts (approve, roles, quotas, password reset, end sessions), the sign-up policy,
 * the whole queue with bulk cancel and purge by owner, state and age, the fleet, and disk use.
 */
import { useCallback, useEffect, useState, type FormEvent } from "react";

import { formatBytes } from "./AccountPanel";
import { api } from "./api";

interface AdminUser {
  id: string;
  username: string;
  email: string | null;
  role: string;
  createdAt: string;
  quotas: { maxActive: number | null; maxCostInFlight: number | null; maxCostPerHour: number | null };
  jobs: { queued: number; running: number };
  disk: { bytes: number; clips: number };
}
interface Users {
  users: AdminUser[];
  anonymous: { queued: number; running: number; bytes: number; clips: number };
}
interface AdminJob {
  id: string;
  callerId: string;
  owner: string | null;
  state: string;
  prompt: string;
  steps: number | null;
  extend: number;
  progress: { step: number; total: number };
  createdAt: string;
}
interface Fleet {
  live: number;
  stepsPerSecond: number | null;
  workers: { id: string; host: string; provider: string; status: string; jobsDone: number }[];
}

const STATES = ["queued", "running", "failed", "canceled"] as const;

export function AdminPanel() {
  const [users, setUsers] = useState<Users | null>(null);
  const [jobs, setJobs] = useState<AdminJob[]>([]);
  const [fleet, setFleet] = useState<Fleet | null>(null);
  const [policy, setPolicy] = useState<string>("approval");
  const [message, setMessage] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);

  const load = useCallback(async () => {
    try {
      const [u, j, f, s] = await Promise.all([
        api<Users>("/api/admin/users"),
        api<{ jobs: AdminJob[] }>("/api/admin/jobs"),
        api<Fleet>("/api/workers"),
        api<{ signupPolicy: string }>("/api/admin/settings"),
      ]);
      setUsers(u);
      setJobs(j.jobs);
      setFleet(f);
      setPolicy(s.signupPolicy);
    } catch (err) {
      setError((err as Error).message);
    }
  }, []);
  useEffect(() => {
    void load();
  }, [load]);

  async function act(what: string, path: string, method: string, body?: unknown) {
    setError(null);
    try {
      const r = await api<unknown>(path, { method, body: body === undefined ? undefined : JSON.stringify(body) });
      setMessage(`${what}: ${JSON.stringify(r)}`);
      await load();
    } catch (err) {
      setError(`${what}: ${(err as Error).message}`);
    }
  }

  function bulk(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const d = new FormData(e.currentTarget);
    const states = STATES.filter((s) => d.get(`state-${s}`) === "on");
    const owner = String(d.get("owner") ?? "");
    const older = String(d.get("older") ?? "").trim();
    const action = (e.nativeEvent as SubmitEvent).submitter?.getAttribute("value") ?? "cancel";
    void act(`bulk ${action}`, "/api/admin/jobs", "POST", {
      action,
      ...(owner ? { callerId: owner } : {}),
      ...(states.length ? { states } : {}),
      ...(older ? { olderThanMinutes: Number(older) } : {}),
    });
  }

  function resetPassword(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const d = new FormData(e.currentTarget);
    void act("password reset", `/api/admin/users/${encodeURIComponent(String(d.get("user")))}/password`, "POST", { password: String(d.get("password")) });
    e.currentTarget.reset();
  }

  function setQuota(u: AdminUser, key: keyof AdminUser["quotas"]) {
    const raw = window.prompt(`${key} for ${u.username} (empty: the server's default)`, u.quotas[key]?.toString() ?? "");
    if (raw === null) return;
    void act("quota", `/api/admin/users/${u.id}`, "PATCH", { quotas: { [key]: raw.trim() === "" ? null : Number(raw) } });
  }

  return (
    <>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      {message && (
        <p className="notice" role="status" id="admin-message">
          {message}
        </p>
      )}

      <h2>Sign-ups</h2>
      <p>
        <label>
          Policy{" "}
          <select id="signup-policy" value={policy} onChange={(e) => void act("sign-up policy", "/api/admin/settings", "PATCH", { signupPolicy: e.target.value })}>
            <option value="open">open: new accounts can make clips</option>
            <option value="approval">approval: new accounts wait for you</option>
            <option value="closed">closed: no new accounts</option>
          </select>
        </label>
      </p>

      <h2>Users</h2>
      <table className="admin" id="users">
        <thead>
          <tr>
            <th scope="col">User</th>
            <th scope="col">Role</th>
            <th scope="col">Queued / running</th>
            <th scope="col">Disk use</th>
            <th scope="col">Quotas (jobs · cost at once · cost per hour)</th>
            <th scope="col">Actions</th>
          </tr>
        </thead>
        <tbody>
          {users?.users.map((u) => (
            <tr key={u.id} data-user={u.username}>
              <td>
                {u.username}
                {u.email ? ` <${u.email}>` : ""}
              </td>
              <td className="role">{u.role}</td>
              <td>
                {u.jobs.queued} / {u.jobs.running}
              </td>
              <td>
                {formatBytes(u.disk.bytes)} ({u.disk.clips})
              </td>
              <td>
                {(["maxActive", "maxCostInFlight", "maxCostPerHour"] as const).map((k) => (
                  <button type="button" key={k} onClick={() => setQuota(u, k)} title={`set ${k}`}>
                    {u.quotas[k] ?? "default"}
                  </button>
                ))}
              </td>
              <td className="row">
                {u.role === "pending" && (
                  <button type="button" className="approve" onClick={() => act(`approve ${u.username}`, `/api/admin/users/${u.id}`, "PATCH", { role: "user" })}>
                    Approve
                  </button>
                )}
                {u.role !== "admin" && (
                  <button type="button" onClick={() => act(`make ${u.username} admin`, `/api/admin/users/${u.id}`, "PATCH", { role: "admin" })}>
                    Make admin
                  </button>
                )}
                {u.role !== "pending" && (
                  <button type="button" onClick={() => act(`suspend ${u.username}`, `/api/admin/users/${u.id}`, "PATCH", { role: "pending" })}>
                    Suspend
                  </button>
                )}
                <button type="button" onClick={() => act(`end ${u.username}'s sessions`, `/api/admin/users/${u.id}/sessions`, "DELETE")}>
                  End sessions
                </button>
                <button
                  type="button"
                  className="danger purge-user"
                  onClick={() => act(`purge ${u.username}'s queued jobs`, "/api/admin/jobs", "POST", { action: "purge", callerId: u.id, states: ["queued"] })}
                >
                  Purge queued jobs
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {users && (
        <p className="note">
          Anonymous browsers: {users.anonymous.queued} queued, {users.anonymous.running} running, {formatBytes(users.anonymous.bytes)} in {users.anonymous.clips} clips.
        </p>
      )}
      <form className="auth" onSubmit={resetPassword}>
        <label>
          Reset the password of{" "}
          <select name="user" required>
            {users?.users.map((u) => (
              <option key={u.id} value={u.id}>
                {u.username}
              </option>
            ))}
          </select>
        </label>
        <label>
          New password <input name="password" type="password" minLength={8} required autoComplete="new-password" />
        </label>
        <button type="submit">Set password (ends their sessions)</button>
      </form>

      <h2>Queue</h2>
      <form onSubmit={bulk} className="grid-form" id="bulk">
        <label>
          Owner
          <select name="owner" defaultValue="">
            <option value="">everyone</option>
            {users?.users.map((u) => (
              <option key={u.id} value={u.id}>
                {u.username}
              </option>
            ))}
          </select>
        </label>
        <fieldset>
          <legend>States (none: queued and running)</legend>
          {STATES.map((s) => (
            <label key={s}>
              <input type="checkbox" name={`state-${s}`} /> {s}
            </label>
          ))}
        </fieldset>
        <label>
          Older than (minutes)
          <input name="older" inputMode="numeric" placeholder="any age" />
        </label>
        <span className="row">
          <button type="submit" value="cancel" id="bulk-cancel">
            Cancel matching
          </button>
          <button type="submit" value="purge" className="danger" id="bulk-purge">
            Purge matching
          </button>
        </span>
      </form>
      <table className="admin" id="queue">
        <thead>
          <tr>
            <th scope="col">State</th>
            <th scope="col">Owner</th>
            <th scope="col">Prompt</th>
            <th scope="col">Steps × chunks</th>
            <th scope="col">Progress</th>
            <th scope="col">Queued at</th>
            <th scope="col" />
          </tr>
        </thead>
        <tbody>
          {jobs.map((j) => (
            <tr key={j.id} data-state={j.state} data-owner={j.owner ?? "anonymous"}>
              <td>{j.state}</td>
              <td>{j.owner ?? "anonymous"}</td>
              <td>{j.prompt}</td>
              <td>
                {j.steps ?? "default"} × {1 + j.extend}
              </td>
              <td>{j.progress.total ? `${j.progress.step}/${j.progress.total}` : "–"}</td>
              <td>{new Date(j.createdAt).toLocaleString()}</td>
              <td className="row">
                <button type="button" onClick={() => act("cancel", `/api/jobs/${j.id}`, "DELETE")}>
                  Cancel
                </button>
                {j.state === "queued" && (
                  <button type="button" onClick={() => act("move to front", `/api/jobs/${j.id}/front`, "POST")}>
                    To front
                  </button>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {jobs.length === 0 && <p className="note">No job is queued or running.</p>}

      <h2>Fleet</h2>
      {fleet && (
        <p className="note">
          {fleet.live} live worker{fleet.live === 1 ? "" : "s"}
          {fleet.stepsPerSecond !== null && <> · {fleet.stepsPerSecond.toFixed(2)} steps/s together</>} ·{" "}
          {fleet.workers.map((w) => `${w.id} on ${w.host} (${w.provider}, ${w.status}, ${w.jobsDone} done)`).join("; ") || "none seen in the last hour"} ·{" "}
          <a href="/fleet">details</a>
        </p>
      )}
    </>
  );
}
