/**
 * A shared studio in Debian's Chromium against the production build, and the launcher's bind
 * address (`npm run test:e2e` builds first). The worker runs the stand-in handler (NOT the
 * model: lib/queue/testing/stand-in-handler.ts).
 *
 * - Default bind: a fresh `npm start` (scripts/start.mjs) listens on 127.0.0.1 only, as the
 *   kernel's socket table shows; HOST=0.0.0.0 opens every interface.
 * - The first sign-up becomes the admin. A second user signs up under the approval policy,
 *   waits, is approved on the admin page, makes a clip, and cannot pause the queue (no button;
 *   the API says 403). The admin pauses, the user queues two more, and the admin purges that
 *   user's queued jobs from the admin page.
 * - Spoofed X-Forwarded-Host changes neither the Origin check nor the share page's Open Graph
 *   URLs (no TRUSTED_PROXIES here).
 * - A revoked session (log out everywhere) gets 401 on its next request.
 * - The probe's flood of 50 cookie-less POSTs, behind a trusted proxy (TRUSTED_PROXIES), queues
 *   at most the anonymous cap, and the admin clears the queue with one request.
 * Prints "N passed, N failed"; exits non-zero on any failure.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import net from "node:net";
import { networkInterfaces, tmpdir } from "node:os";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";

import { chromium, type Browser, type BrowserContext, type Page } from "playwright-core";

import { check, expect, ROOT, runSuite, startStudio, type Studio } from "./harness";

let studio: Studio | undefined;
let browser: Browser | undefined;

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
    s.on("error", reject);
  });
}

/** The local addresses of listening TCP sockets on `port`, from /proc/net/tcp{,6}. */
function listeners(port: number): string[] {
  const out: string[] = [];
  for (const file of ["/proc/net/tcp", "/proc/net/tcp6"]) {
    if (!existsSync(file)) continue;
    for (const line of readFileSync(file, "utf8").split("\n").slice(1)) {
      const f = line.trim().split(/\s+/);
      if (f.length < 4 || f[3] !== "0A") continue; // 0A: LISTEN
      const [addr, p] = f[1]!.split(":");
      if (parseInt(p!, 16) !== port) continue;
      if (addr!.length === 8) out.push(addr!.match(/../g)!.reverse().map((h) => parseInt(h, 16)).join("."));
      else out.push(addr === "00000000000000000000000000000000" ? "::" : addr === "00000000000000000000000001000000" ? "::1" : addr!);
    }
  }
  return out;
}

const outsideAddress = () => Object.values(networkInterfaces()).flat().find((i) => i && i.family === "IPv4" && !i.internal)?.address ?? null;

function connects(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect({ host, port });
    s.setTimeout(2000);
    s.on("connect", () => (s.destroy(), resolve(true)));
    s.on("error", () => resolve(false));
    s.on("timeout", () => (s.destroy(), resolve(false)));
  });
}

/** `npm start` (the launcher itself) on a fresh database, web server only; resolves once it answers. */
async function launch(env: Record<string, string>): Promise<{ port: number; stop(): Promise<void> }> {
  const port = await freePort();
  const dir = mkdtempSync(path.join(tmpdir(), "spacetime-bind-"));
  const child: ChildProcess = spawn(process.execPath, [path.join(ROOT, "scripts/start.mjs")], {
    cwd: ROOT,
    env: { ...process.env, HOST: "", ...env, PORT: String(port), START_WORKER: "0", DATABASE_URL: `file:${path.join(dir, "db.sqlite")}`, SPACETIME_DATA_DIR: dir, MEDIA_ROOT: path.join(dir, "media") },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let log = "";
  child.stdout!.on("data", (d) => (log += d));
  child.stderr!.on("data", (d) => (log += d));
  const stop = async () => {
    child.kill("SIGTERM");
    for (let i = 0; i < 40 && child.exitCode === null && child.signalCode === null; i++) await sleep(100);
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    rmSync(dir, { recursive: true, force: true });
  };
  for (let i = 0; ; i++) {
    if (listeners(port).length && (await fetch(`http://127.0.0.1:${port}/api/queue`).then((r) => r.ok, () => false))) break;
    if (i > 240 || child.exitCode !== null) {
      await stop();
      throw new Error(`npm start did not come up on port ${port}:\n${log.slice(-3000)}`);
    }
    await sleep(250);
  }
  return { port, stop };
}

async function context(): Promise<{ ctx: BrowserContext; page: Page }> {
  const ctx = await browser!.newContext();
  return { ctx, page: await ctx.newPage() };
}

/** fetch() inside the page: the browser's own cookies and Origin. */
async function inPage(page: Page, url: string, init: { method?: string; body?: unknown } = {}): Promise<{ status: number; body: any }> {
  return page.evaluate(
    async ([u, m, b]) => {
      const r = await fetch(u as string, { method: m as string, headers: b === undefined ? {} : { "content-type": "application/json" }, body: b === undefined ? undefined : JSON.stringify(b) });
      const text = await r.text();
      return { status: r.status, body: text ? JSON.parse(text) : null };
    },
    [url, init.method ?? "GET", init.body] as const,
  );
}

async function signUp(page: Page, base: string, username: string, password: string) {
  await page.goto(`${base}/login`);
  await page.fill("#signup-username", username);
  await page.fill("#signup-password", password);
  await Promise.all([page.waitForURL(`${base}/`, { timeout: 15_000 }), page.click("#signup-submit")]);
}

async function main() {
  await check("default bind: a fresh `npm start` listens on 127.0.0.1 only", async () => {
    const s = await launch({});
    try {
      const bound = listeners(s.port);
      expect(bound.length > 0 && bound.every((a) => a === "127.0.0.1"), `listening on ${bound.join(", ")}`);
      const outside = outsideAddress();
      if (outside) expect(!(await connects(outside, s.port)), `reachable on ${outside}`);
    } finally {
      await s.stop();
    }
  });

  await check("HOST=0.0.0.0 opens every interface (and makes the studio shared)", async () => {
    const s = await launch({ HOST: "0.0.0.0" });
    try {
      const bound = listeners(s.port);
      expect(bound.some((a) => a === "0.0.0.0" || a === "::"), `listening on ${bound.join(", ")}`);
      const outside = outsideAddress();
      if (outside) expect(await connects(outside, s.port), `not reachable on ${outside}`);
      const me = (await (await fetch(`http://127.0.0.1:${s.port}/api/auth/me`)).json()) as { mode: string; role: string };
      expect(me.mode === "shared" && me.role === "anonymous", `an open studio without accounts answered ${JSON.stringify(me)}`);
    } finally {
      await s.stop();
    }
  });

  studio = await startStudio("accounts-e2e", { SPACETIME_WORKER_HANDLER: "stand-in", STANDIN_STEPS: "2", STANDIN_STEP_MS: "10", SPACETIME_SIGNUP: "approval" });
  const { base } = studio;
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH || "/usr/bin/chromium",
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"],
  });
  const admin = await context();
  const alice = await context();
  let aliceId = "";
  let slug = "";

  await check("the first sign-up becomes the admin", async () => {
    await signUp(admin.page, base, "root", "root password 1");
    const me = await inPage(admin.page, "/api/auth/me");
    expect(me.body.role === "admin" && me.body.mode === "shared", `me: ${JSON.stringify(me.body)}`);
    await admin.page.waitForSelector("header nav a[href='/admin']", { timeout: 10_000 });
    await admin.page.waitForSelector("button:has-text('Pause queue')", { timeout: 10_000 });
  });

  await check("a second sign-up under the approval policy waits: no Create form, the API says 403", async () => {
    await signUp(alice.page, base, "alice", "alice password");
    await alice.page.waitForSelector(".notice:has-text('waiting for the admin')", { timeout: 10_000 });
    expect((await alice.page.$("#prompt")) === null, "a pending account sees the prompt box");
    const me = await inPage(alice.page, "/api/auth/me");
    aliceId = me.body.user.id;
    expect(me.body.role === "pending", `role ${me.body.role}`);
    const made = await inPage(alice.page, "/api/jobs", { method: "POST", body: { prompt: "a red ball" } });
    expect(made.status === 403, `a pending account's job answered ${made.status}`);
  });

  await check("the admin approves her on the admin page", async () => {
    await admin.page.goto(`${base}/admin`);
    const row = `#users tr[data-user='alice']`;
    await admin.page.waitForSelector(`${row} button.approve`, { timeout: 10_000 });
    await admin.page.click(`${row} button.approve`);
    await admin.page.waitForSelector(`${row} td.role:has-text('user')`, { timeout: 10_000 });
  });

  await check("the approved user makes a clip, and cannot pause the queue", async () => {
    await alice.page.goto(`${base}/`);
    await alice.page.fill("#prompt", "a red ball bouncing on the grass");
    await alice.page.click("button.primary");
    await alice.page.waitForSelector(".job video", { timeout: 60_000 });
    expect((await alice.page.$("button:has-text('Pause queue')")) === null, "a user sees the Pause queue button");
    await alice.page.waitForSelector(".queue-state", { timeout: 10_000 }); // the queue's state is shown, without the button
    const pause = await inPage(alice.page, "/api/queue/pause", { method: "POST" });
    expect(pause.status === 403, `a user's pause answered ${pause.status}`);
    const queue = await inPage(alice.page, "/api/queue");
    expect(queue.body.paused === false, "the queue got paused");
    const clips = await inPage(alice.page, "/api/videos?scope=mine");
    expect(clips.body.videos.length === 1, `alice has ${clips.body.videos.length} clips`);
    // Her clip's page knows it is hers (kept under her account, not the browser's cookie).
    await alice.page.goto(`${base}/videos/${clips.body.videos[0].id}`);
    await alice.page.waitForSelector("button:has-text('Publish')", { timeout: 10_000 });
    const published = await inPage(alice.page, `/api/videos/${clips.body.videos[0].id}`, { method: "PATCH", body: { visibility: "public" } });
    slug = published.body.video.slug;
    expect(published.status === 200 && slug, `publish answered ${published.status}`);
  });

  await check("the admin purges that user's queued jobs from the admin page", async () => {
    await admin.page.goto(`${base}/`);
    await admin.page.click("button:has-text('Pause queue')");
    await admin.page.waitForSelector("button:has-text('Resume queue')", { timeout: 10_000 });
    const made = await inPage(alice.page, "/api/jobs", { method: "POST", body: { prompt: "a blue cube", variations: 2 } });
    expect(made.status === 202 && made.body.jobs.length === 2, `queueing answered ${made.status}`);
    await admin.page.goto(`${base}/admin`);
    await admin.page.waitForSelector(`#queue tr[data-owner='alice'][data-state='queued']`, { timeout: 10_000 });
    await admin.page.click(`#users tr[data-user='alice'] button.purge-user`);
    await admin.page.waitForSelector(`#admin-message:has-text('"canceled":2')`, { timeout: 10_000 });
    await admin.page.waitForSelector(`#queue tr[data-owner='alice']`, { state: "detached", timeout: 10_000 }); // the list reloads
    const left = await inPage(admin.page, `/api/admin/jobs?callerId=${aliceId}&state=queued`);
    expect(left.body.jobs.length === 0, `${left.body.jobs.length} queued jobs left`);
    const mine = await inPage(alice.page, "/api/jobs?state=queued");
    expect(mine.body.jobs.length === 0, "alice still sees queued jobs");
    await inPage(admin.page, "/api/queue/resume", { method: "POST" });
  });

  await check("spoofed X-Forwarded-Host changes neither the Origin check nor the Open Graph URLs", async () => {
    const cookie = (await alice.ctx.cookies(base)).map((c) => `${c.name}=${c.value}`).join("; ");
    const forged = await fetch(`${base}/api/jobs`, {
      method: "POST",
      headers: { cookie, origin: "https://evil.example", "x-forwarded-host": "evil.example", "content-type": "application/json" },
      body: JSON.stringify({ prompt: "a ball" }),
    });
    expect(forged.status === 403, `a forged cross-site POST answered ${forged.status}`);
    const share = await fetch(`${base}/v/${slug}`, { headers: { "x-forwarded-host": "evil.example", "x-forwarded-proto": "https" } });
    const html = await share.text();
    const og = /<meta property="og:url" content="([^"]+)"/.exec(html)?.[1];
    expect(share.status === 200 && og === `${base}/v/${slug}`, `og:url ${og} (status ${share.status})`);
    expect(!html.includes("evil.example"), "the share page names the forged host");
  });

  await check("log out everywhere: the revoked session gets 401 on its next request", async () => {
    const other = await context();
    await other.page.goto(`${base}/login`);
    await other.page.fill("#login-name", "alice");
    await other.page.fill("#login-password", "alice password");
    await Promise.all([other.page.waitForURL(`${base}/`, { timeout: 15_000 }), other.page.click("#login-submit")]);
    await alice.page.goto(`${base}/account`);
    await alice.page.waitForSelector("#account-role:has-text('user')", { timeout: 10_000 });
    await Promise.all([alice.page.waitForURL(`${base}/login`, { timeout: 15_000 }), alice.page.click("#logout-everywhere")]);
    const after = await inPage(other.page, "/api/jobs");
    expect(after.status === 401, `the other session answered ${after.status}`);
    await other.ctx.close();
  });

  await check("the probe's flood, replayed behind a trusted proxy: 50 cookie-less POSTs queue at most the anonymous cap; the admin clears the queue with one request", async () => {
    const cap = 3;
    const proxied = await startStudio("accounts-flood-e2e", {
      SPACETIME_WORKER_HANDLER: "stand-in",
      TRUSTED_PROXIES: "127.0.0.1",
      SPACETIME_ANONYMOUS_JOBS: String(cap),
    });
    try {
      const post = (xff: string) =>
        fetch(`${proxied.base}/api/jobs`, { method: "POST", headers: { "content-type": "application/json", "x-forwarded-for": xff }, body: JSON.stringify({ prompt: "a ball", steps: 100, extend: 32 }) });
      const anonymousPause = await fetch(`${proxied.base}/api/queue/pause`, { method: "POST" });
      expect(anonymousPause.status === 401, `an anonymous pause answered ${anonymousPause.status}`);
      const signup = await fetch(`${proxied.base}/api/auth/signup`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ username: "root", password: "root password 1" }),
      });
      const cookie = signup.headers.getSetCookie().map((c) => c.split(";")[0]).join("; ");
      // Paused, so the worker finishing a job does not free a slot mid-flood.
      const paused = await fetch(`${proxied.base}/api/queue/pause`, { method: "POST", headers: { cookie } });
      expect(paused.status === 200, `the admin's pause answered ${paused.status}`);
      const statuses: number[] = [];
      for (let i = 0; i < 50; i++) statuses.push((await post("198.51.100.66")).status);
      const queued = statuses.filter((x) => x === 202).length;
      expect(queued === cap && statuses.filter((x) => x === 429).length === 50 - cap, `statuses: ${statuses.join(",")}`);
      const cleared = await fetch(`${proxied.base}/api/admin/jobs`, { method: "POST", headers: { cookie, "content-type": "application/json" }, body: JSON.stringify({ action: "cancel" }) });
      const result = (await cleared.json()) as { canceled: number; flagged: number };
      expect(cleared.status === 200 && result.canceled + result.flagged === queued, `clearing answered ${cleared.status} ${JSON.stringify(result)}`);
      const left = (await (await fetch(`${proxied.base}/api/admin/jobs?state=queued`, { headers: { cookie } })).json()) as { jobs: unknown[] };
      expect(left.jobs.length === 0, `${left.jobs.length} jobs still queued`);
    } finally {
      await proxied.stop();
    }
  });
}

await runSuite(main, async () => {
  await browser?.close();
  await studio?.stop();
});
