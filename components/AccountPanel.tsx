"use client";
/** /account: who you are, your quotas and disk use, your sessions; log out here or everywhere. */
import { useEffect, useState } from "react";

import { api } from "./api";

interface Account {
  user: { username: string; email: string | null; role: string; createdAt: string };
  quotas: { maxActive: number; perHour: number; maxCostInFlight: number | null; maxCostPerHour: number | null };
  disk: { bytes: number; clips: number };
  activeJobs: number;
  sessions: { id: string; current: boolean; createdAt: string; lastSeenAt: string; expiresAt: string; userAgent: string }[];
}

export const formatBytes = (n: number) => (n < 1024 ? `${n} B` : n < 1024 ** 2 ? `${(n / 1024).toFixed(1)} KB` : n < 1024 ** 3 ? `${(n / 1024 ** 2).toFixed(1)} MB` : `${(n / 1024 ** 3).toFixed(2)} GB`);

export function AccountPanel() {
  const [a, setA] = useState<Account | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    api<Account>("/api/account").then(setA, (err: Error) => setError(err.message));
  }, []);

  async function logout(everywhere: boolean) {
    try {
      await api("/api/auth/logout", { method: "POST", body: JSON.stringify({ everywhere }) });
      window.location.assign("/login");
    } catch (err) {
      setError((err as Error).message);
    }
  }

  if (error) return <p className="error" role="alert">{error}</p>;
  if (!a) return <p className="note">Loading…</p>;
  return (
    <>
      <dl className="settings">
        <dt>Username</dt>
        <dd id="account-username">{a.user.username}</dd>
        <dt>Email</dt>
        <dd>{a.user.email ?? "–"}</dd>
        <dt>Role</dt>
        <dd id="account-role">{a.user.role}</dd>
        <dt>Disk use</dt>
        <dd id="account-disk">
          {formatBytes(a.disk.bytes)} in {a.disk.clips} clip{a.disk.clips === 1 ? "" : "s"}
        </dd>
        <dt>Jobs queued or running</dt>
        <dd>
          {a.activeJobs} of at most {a.quotas.maxActive}
        </dd>
        <dt>Quotas</dt>
        <dd>
          {a.quotas.perHour} jobs per hour
          {a.quotas.maxCostInFlight !== null && <> · {a.quotas.maxCostInFlight} steps × chunks queued at once</>}
          {a.quotas.maxCostPerHour !== null && <> · {a.quotas.maxCostPerHour} steps × chunks per hour</>}
        </dd>
      </dl>
      <h2>Sessions</h2>
      <table className="admin">
        <thead>
          <tr>
            <th scope="col">Signed in</th>
            <th scope="col">Last seen</th>
            <th scope="col">Expires</th>
            <th scope="col">Browser</th>
          </tr>
        </thead>
        <tbody>
          {a.sessions.map((s) => (
            <tr key={s.id}>
              <td>
                {new Date(s.createdAt).toLocaleString()}
                {s.current ? " (this one)" : ""}
              </td>
              <td>{new Date(s.lastSeenAt).toLocaleString()}</td>
              <td>{new Date(s.expiresAt).toLocaleString()}</td>
              <td>{s.userAgent.slice(0, 60)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <p className="actions">
        <button type="button" id="logout" onClick={() => logout(false)}>
          Log out
        </button>
        <button type="button" className="danger" id="logout-everywhere" onClick={() => logout(true)}>
          Log out everywhere
        </button>
      </p>
    </>
  );
}
