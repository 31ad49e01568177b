/**
 * End to end in Debian's Chromium (CHROMIUM_PATH, default /usr/bin/chromium) against the
 * production build: `npm run test:e2e` builds, then runs this. It starts `next start` and one
 * worker running the real pipeline on the tiny stub model of tests/pipeline/fixtures (a real
 * MP4 in about a second), each on a fresh database and media folder, and walks the studio:
 * type a prompt (an unknown word is marked), generate while the queue is paused (the card
 * shows its place), resume and watch it finish, play the clip in place, find it in the
 * gallery, publish it, open the share link in a fresh browser context, unpublish it (the
 * link dies). Then it restarts the web server (SIGKILL, start again) while three jobs are
 * queued and running: the worker carries on, and the cards' EventSources reconnect with
 * Last-Event-ID and catch up to the finished clips. Prints "N passed, N failed"; exits
 * non-zero on any failure.
 *
 * The worker runs the real pipeline with its denoising paced (lib/queue/testing/paced-handler.ts)
 * so that a job lasts long enough to watch, and to restart the server under.
 */
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";

import { chromium, type Page } from "playwright-core";

import { openDb } from "../../lib/db/client";
import { check, expect, ROOT, runSuite, startStudio, type Studio } from "./harness";

let studio: Studio | undefined;
let browser: Awaited<ReturnType<typeof chromium.launch>> | undefined;

const api = (page: Page, url: string, method = "GET") =>
  page.evaluate(
    async ([u, m]) => {
      const r = await fetch(u!, { method: m });
      return { status: r.status, body: r.status === 204 ? null : await r.json() };
    },
    [url, method],
  );

async function main() {
  studio = await startStudio("e2e", {
    SPACETIME_MODEL_DIR: path.join(ROOT, "tests/pipeline/fixtures/stub-model"),
    SPACETIME_THREADS: "1",
    SPACETIME_WORKER_HANDLER: "paced-pipeline",
    PACED_STEP_MS: "40",
    WORKER_CHECKPOINT_EVERY: "2",
  });
  const BASE = studio.base;
  const chrome = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH || "/usr/bin/chromium", args: ["--no-sandbox", "--autoplay-policy=no-user-gesture-required"] });
  browser = chrome;
  const problems: string[] = [];
  const page = await (await chrome.newContext()).newPage();
  page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
  page.on("console", (m) => {
    if (m.type() === "error" && /Content Security Policy|Refused to/i.test(m.text())) problems.push(`CSP: ${m.text()}`);
  });
  const prompt = "a red ball bouncing on the zorblax";
  let videoId = "";
  let shareUrl = "";

  await check("the create page marks a word the model does not know", async () => {
    await page.goto(`${BASE}/`);
    await page.fill("#prompt", prompt);
    await page.waitForSelector(".words .unknown:has-text('zorblax')", { timeout: 10_000 });
  });

  await check("a job queued while the queue is paused shows its place", async () => {
    await page.click("button:has-text('Pause queue')");
    await page.waitForSelector("button:has-text('Resume queue')", { timeout: 10_000 });
    await page.check("input[name='aspect'][value='16:9']"); // a landscape clip: its real size shows through
    await page.click("button.primary");
    await page.waitForSelector(".job .meta:has-text('#1 in queue')", { timeout: 10_000 });
  });

  await check("after resuming, progress reaches the end and the clip plays in place", async () => {
    await page.click("button:has-text('Resume queue')");
    await page.waitForSelector(".job video", { timeout: 60_000 });
    await page.waitForFunction(
      () => {
        const v = document.querySelector<HTMLVideoElement>(".job video");
        return v !== null && v.readyState >= 2 && v.currentTime > 0;
      },
      undefined,
      { timeout: 20_000 },
    );
    const href = await page.getAttribute(".job a[href^='/videos/']", "href");
    videoId = href!.split("/").pop()!;
  });

  await check("the gallery shows it and its page opens", async () => {
    await page.goto(`${BASE}/gallery`);
    await page.waitForSelector(`.gallery a[href='/videos/${videoId}']:has-text('${prompt}')`, { timeout: 10_000 });
    await page.click(`.gallery a[href='/videos/${videoId}']`);
    await page.waitForSelector("h1.prompt", { timeout: 10_000 });
  });

  await check("publishing gives a share link", async () => {
    await page.click("button:has-text('Publish')");
    await page.waitForSelector("button:has-text('Copy share link')", { timeout: 10_000 });
    shareUrl = (await api(page, `/api/videos/${videoId}`)).body.video.shareUrl;
    expect(/^\/v\/[A-Za-z0-9_-]{24}$/.test(shareUrl), `share url ${shareUrl}`);
  });

  await check("a fresh browser opens the share link: the clip loads, Open Graph tags are there", async () => {
    const other = await (await chrome.newContext()).newPage();
    const res = await other.goto(`${BASE}${shareUrl}`);
    expect(res?.status() === 200, `share page answered ${res?.status()}`);
    await other.waitForFunction(() => (document.querySelector("video")?.readyState ?? 0) >= 1, undefined, { timeout: 20_000 });
    const og = await other.getAttribute('meta[property="og:video"]', "content");
    expect(og?.endsWith(`/media/${videoId}/video.mp4`), `og:video ${og}`);
    // The tags carry the clip's real size (issue 16: not a fixed square).
    const { width, height } = (await api(page, `/api/videos/${videoId}`)).body.video;
    const size = [await other.getAttribute('meta[property="og:video:width"]', "content"), await other.getAttribute('meta[property="og:video:height"]', "content")];
    expect(width > height && size[0] === String(width) && size[1] === String(height), `og:video size ${size} for a ${width}x${height} clip`);
    // The stranger cannot change it.
    const patch = await other.evaluate(async (id) => (await fetch(`/api/videos/${id}`, { method: "DELETE" })).status, videoId);
    expect(patch === 404 || patch === 401, `a stranger's DELETE answered ${patch}`);
  });

  await check("unpublishing kills the share link", async () => {
    await page.click("button:has-text('Unpublish')");
    await page.waitForSelector("button:has-text('Publish')", { timeout: 10_000 });
    const res = await (await (await chrome.newContext()).newPage()).goto(`${BASE}${shareUrl}`);
    expect(res?.status() === 404, `share page answered ${res?.status()} after unpublishing`);
  });

  await check("restarting the web server while jobs are queued and running loses nothing; the cards reconnect and catch up", async () => {
    const db = openDb({ url: studio!.dbUrl });
    try {
      await api(page, "/api/queue/pause", "POST");
      const made = await page.evaluate(async () => {
        const r = await fetch("/api/jobs", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ prompt: "a blue fish moving left", steps: 40, variations: 3 }) });
        return ((await r.json()) as { jobs: { id: string }[] }).jobs.map((j) => j.id);
      });
      expect(made.length === 3, `made ${made.length} jobs`);
      const reconnects: string[] = [];
      page.on("request", (r) => {
        if (!r.url().includes("/events")) return;
        void r.allHeaders().then((h) => {
          if (h["last-event-id"]) reconnects.push(h["last-event-id"]);
        });
      });
      await page.goto(`${BASE}/`); // a card per job, each with its EventSource
      await page.waitForSelector(".job .meta:has-text('in queue')", { timeout: 10_000 });
      await api(page, "/api/queue/resume", "POST");
      await page.waitForSelector(".job .meta:has-text('step ')", { timeout: 30_000 });

      await studio!.killWeb();
      const atRestart = await db.run((p) => p.job.findMany({ where: { id: { in: made } }, select: { state: true } }));
      expect(atRestart.some((j) => j.state === "running"), `no job running when the server died: ${atRestart.map((j) => j.state)}`);
      expect(atRestart.some((j) => j.state === "queued"), `no job queued when the server died: ${atRestart.map((j) => j.state)}`);
      await sleep(1_000);
      await studio!.startWeb();

      await page.waitForFunction((n) => document.querySelectorAll(".job video").length >= n, made.length + 1, { timeout: 90_000 });
      expect(reconnects.length > 0, "no EventSource reconnected with Last-Event-ID");
      const jobs = await db.run((p) => p.job.findMany({ where: { id: { in: made } }, include: { video: true } }));
      expect(jobs.every((j) => j.state === "succeeded" && j.video), `jobs after the restart: ${jobs.map((j) => j.state)}`);
    } finally {
      await db.close();
    }
  });

  await check("no page errors and no Content-Security-Policy violations", async () => {
    expect(problems.length === 0, problems.join("\n"));
  });
}

await runSuite(main, async () => {
  await browser?.close();
  await studio?.stop();
});
