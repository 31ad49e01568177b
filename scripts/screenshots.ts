/**
 * npm run screenshots -- [--model DIR] [--out docs/screenshots]
 *
 * The README's pictures, taken in Debian's Chromium (CHROMIUM_PATH, default /usr/bin/chromium)
 * from the production build (run `next build` first) serving a fresh database in a temp
 * folder, with one worker running the model (models/dev by default):
 *   create.png   the create page mid-generation: progress, ETA and the live latent preview
 *   gallery.png  the gallery after a handful of clips
 *   share.png    a published clip's share page, as a stranger sees it
 */
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { parseArgs } from "node:util";

import { chromium, type Page } from "playwright-core";

import { toolsConfig } from "../lib/config";
import { migrateDeploy } from "../lib/db/migrate";

const { values: args } = parseArgs({ options: { model: { type: "string", default: "models/dev" }, out: { type: "string", default: "docs/screenshots" } } });
const ROOT = path.resolve(import.meta.dirname, "..");
const PORT = 3900 + Math.floor(Math.random() * 90);
const BASE = `http://127.0.0.1:${PORT}`;
const PROMPTS = [
  "a red ball bouncing on the grass",
  "two yellow stars spinning in the night sky",
  "a small boat moving right on the ocean at sunset",
  "a purple balloon moving up above a snowy field",
  "a green car moving left in a field",
  "a big white bird flying in the sky",
];

async function main() {
  if (!existsSync(path.join(ROOT, ".next", "BUILD_ID"))) throw new Error("no production build: run `npx next build` first");
  const dir = mkdtempSync(path.join(tmpdir(), "spacetime-screenshots-"));
  const dbUrl = `file:${path.join(dir, "shots.db")}`;
  const env = { ...process.env, DATABASE_URL: dbUrl, MEDIA_ROOT: path.join(dir, "media"), SPACETIME_DATA_DIR: dir, SPACETIME_MODEL_DIR: path.resolve(args.model), SPACETIME_THREADS: "1", NODE_ENV: "production" as const };
  const children: ChildProcess[] = [];
  const start = (argv: string[]) => {
    const child = spawn(process.execPath, argv, { cwd: ROOT, env, stdio: ["ignore", "inherit", "inherit"] });
    children.push(child);
  };
  const out = path.resolve(args.out);
  mkdirSync(out, { recursive: true });
  migrateDeploy({ url: dbUrl, cwd: ROOT });
  start([path.join(ROOT, "node_modules/next/dist/bin/next"), "start", "-p", String(PORT), "-H", "127.0.0.1"]);
  start(["--import", "tsx", path.join(ROOT, "scripts/worker.ts")]);
  const browser = await chromium.launch({ executablePath: toolsConfig().chromiumPath, args: ["--no-sandbox"] });
  try {
    for (let i = 0; !(await fetch(`${BASE}/api/queue`).then((r) => r.ok, () => false)); i++) {
      if (i > 120) throw new Error("the web server did not come up in 60 s");
      await sleep(500);
    }
    const context = await browser.newContext({ viewport: { width: 1280, height: 860 }, deviceScaleFactor: 1 });
    const page = await context.newPage();
    await page.goto(`${BASE}/`);
    const post = (body: object) =>
      page.evaluate(async (b) => {
        const r = await fetch("/api/jobs", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(b) });
        if (!r.ok) throw new Error(`POST /api/jobs: ${r.status} ${await r.text()}`);
        return ((await r.json()) as { jobs: { id: string }[] }).jobs.map((j) => j.id);
      }, body);

    // A handful of finished clips for the gallery.
    const ids: string[] = [];
    for (const [i, prompt] of PROMPTS.entries()) ids.push(...(await post({ prompt, seed: 100 + i, steps: 16 })));
    await waitForJobs(page, ids, 600_000);

    // The create page while a long job runs: wait for its preview and some progress.
    await post({ prompt: "three orange fish moving left under the sea", seed: 7, steps: 100 });
    await page.goto(`${BASE}/`);
    await page.fill("#prompt", "a pink star spinning at sunset");
    await page.waitForSelector(".words .known", { timeout: 20_000 });
    await page.waitForSelector(".job canvas.latent-preview", { timeout: 120_000 });
    await page.waitForFunction(() => Number(document.querySelector(".job progress")?.getAttribute("value") ?? 0) >= 35, undefined, { timeout: 120_000 });
    await page.screenshot({ path: path.join(out, "create.png"), fullPage: true });

    await page.goto(`${BASE}/gallery`);
    await page.waitForSelector(".gallery video", { timeout: 20_000 });
    await page.waitForFunction(() => [...document.querySelectorAll<HTMLVideoElement>(".gallery video")].every((v) => v.poster), undefined, { timeout: 20_000 });
    await sleep(1_000); // posters decoded
    await page.screenshot({ path: path.join(out, "gallery.png") });

    // Publish one clip and open its share link as a stranger.
    const video = await page.evaluate(async () => {
      const list = (await (await fetch("/api/videos?scope=mine&limit=1")).json()) as { videos: { id: string }[] };
      const r = await fetch(`/api/videos/${list.videos[0]!.id}`, { method: "PATCH", headers: { "content-type": "application/json" }, body: JSON.stringify({ visibility: "public" }) });
      return ((await r.json()) as { video: { shareUrl: string } }).video;
    });
    const stranger = await (await browser.newContext({ viewport: { width: 1280, height: 860 } })).newPage();
    await stranger.goto(`${BASE}${video.shareUrl}`);
    await stranger.waitForFunction(() => (document.querySelector("video")?.readyState ?? 0) >= 2, undefined, { timeout: 20_000 });
    await sleep(500);
    await stranger.screenshot({ path: path.join(out, "share.png") });
    console.log(`screenshots written to ${path.relative(process.cwd(), out)}/{create,gallery,share}.png`);
  } finally {
    await browser.close();
    for (const c of children) c.kill("SIGTERM");
    await sleep(1500);
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
    rmSync(dir, { recursive: true, force: true });
  }
}

async function waitForJobs(page: Page, ids: string[], ms: number) {
  const end = Date.now() + ms;
  for (;;) {
    const states = await page.evaluate(async () => ((await (await fetch("/api/jobs?limit=100")).json()) as { jobs: { id: string; state: string; error: string | null }[] }).jobs);
    const mine = states.filter((j) => ids.includes(j.id));
    const failed = mine.find((j) => j.state === "failed" || j.state === "canceled");
    if (failed) throw new Error(`a job ended ${failed.state}: ${failed.error}`);
    if (mine.length === ids.length && mine.every((j) => j.state === "succeeded")) return;
    if (Date.now() > end) throw new Error(`clips not done in ${ms / 1000} s`);
    await sleep(1000);
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
