/** The browser's side of the HTTP API: fetch + the `{ error: { code, message } }` shape; a failed call throws its message. */
export class ApiError extends Error {
  override name = "ApiError";
}

export async function api<T>(path: string, init: RequestInit = {}): Promise<T> {
  const res = await fetch(path, {
    ...init,
    headers: { ...(init.body ? { "content-type": "application/json" } : {}), ...init.headers },
    credentials: "same-origin",
  });
  if (res.status === 204) return undefined as T;
  const text = await res.text();
  let data: unknown = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    // fall through: a non-JSON error page
  }
  if (!res.ok) {
    const e = (data as { error?: { code?: string; message?: string } } | null)?.error;
    throw new ApiError(e?.message ?? `the server answered ${res.status}`);
  }
  return data as T;
}

export function formatEta(seconds: number | null): string {
  if (seconds === null) return "estimating…";
  if (seconds < 60) return `about ${Math.max(1, Math.round(seconds))} s`;
  const m = Math.round(seconds / 60);
  return m < 60 ? `about ${m} min` : `about ${Math.floor(m / 60)} h ${m % 60} min`;
}
