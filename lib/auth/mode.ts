/**
 * Local or shared. A studio is local when it listens on loopback only (HOST unset or a
 * loopback address: what `npm start` binds by default), no reverse proxy is configured in
 * front of it (TRUSTED_PROXIES), SPACETIME_MODE is not "shared", and no account exists yet:
 * then the one person at the keyboard is the local owner, with every right, as before
 * accounts existed. Anything else is shared: accounts, roles and quotas apply. Making the
 * first account (who becomes the admin) turns a local studio into a shared one.
 */
import { webConfig } from "../config";
import { countUsers } from "../db/users";
import { getDb, type Db } from "../db/client";

const LOOPBACK = /^(localhost|127(\.\d{1,3}){3}|::1|\[::1\])$/i;

export function isLoopbackHost(host: string | undefined): boolean {
  return host === undefined || host === "" || LOOPBACK.test(host);
}

/** Shared by configuration alone (before looking at accounts). */
export function sharedByConfig(): boolean {
  const c = webConfig();
  return c.mode === "shared" || !isLoopbackHost(c.host) || c.trustedProxies.length > 0;
}

// Accounts are never all deleted in practice; once seen, a database stays shared for the process.
const hasAccounts = new WeakMap<Db, true>();

export async function isShared(input: { db?: Db } = {}): Promise<boolean> {
  if (sharedByConfig()) return true;
  const db = input.db ?? getDb();
  if (hasAccounts.has(db)) return true;
  if ((await countUsers({ db })) > 0) {
    hasAccounts.set(db, true);
    return true;
  }
  return false;
}

/**
 * Anonymous use in shared mode: SPACETIME_ANONYMOUS_JOBS is how many jobs one client address
 * may have queued or running without an account; 0 (the default) turns anonymous use off.
 * The address is the trusted proxy's X-Forwarded-For client, or the peer (lib/http/proxy.ts).
 */
export function anonymousJobsPerAddress(): number {
  return webConfig().anonymousJobs;
}
