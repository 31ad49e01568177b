/**
 * The Create page's storyboard in Debian's Chromium against the production build (`npm run
 * test:e2e` builds, then runs this), with a worker running the real pipeline on the tiny
 * plan-following stub model of tests/pipeline/fixtures that renders camera moves (64x64, 9 frames
 * a window; scripts/make-stub-model.py --camera).
 *
 * - Keyboard only: the mode's radio group turns on Storyboard; shots are typed, added after a
 *   shot, moved up and deleted with their buttons, and focus follows the shot that moved (or
 *   goes to the next one after a delete); the timeline has a segment per shot.
 * - A third shot, and a camera per shot: wide, then follow, then close-up.
 * - Generate (Enter) makes one job that sends `shots`; the worker makes the clip over a plan
 *   filmed shot by shot; the clip page lists the shots with their start times and cameras, and
 *   so does the share page once published.
 * - Plan edits made in the one-prompt mode come back after a visit to Storyboard mode.
 * - With SCREENSHOT=1 (npm run screenshots:storyboard), saves docs/screenshots/storyboard.png.
 * Prints "N passed, N failed"; exits non-zero on any failure.
 */
import { mkdirSync } from "node:fs";
import path from "node:path";

import { chromium, type Browser, type Page } from "playwright-core";

import { check, expect, ROOT, runSuite, startStudio, type Studio } from "./harness";

let studio: Studio | undefined;
let browser: Browser | undefined;

const focused = (page: Page) => page.evaluate(() => document.activeElement?.getAttribute("aria-label") ?? document.activeElement?.closest("label")?.textContent?.trim() ?? "");

/** Tab until the focused control's label matches; the label it reached otherwise. */
async function tabTo(page: Page, label: RegExp): Promise<string> {
  let now = "";
  for (let i = 0; i < 40 && !label.test(now); i++) {
    await page.keyboard.press("Tab");
    now = await focused(page);
  }
  return now;
}

const api = (page: Page, url: string, init: { method?: string; body?: unknown } = {}) =>
  page.evaluate(
    async ([u, m, b]) => {
      const r = await fetch(u!, { method: m, headers: { "content-type": "application/json" }, body: b });
      return { status: r.status, body: await r.json() };
    },
    [url, init.method ?? "GET", init.body === undefined ? undefined : JSON.stringify(init.body)] as const,
  );

async function main() {
  studio = await startStudio("storyboard", { SPACETIME_MODEL_DIR: path.join(ROOT, "tests/pipeline/fixtures/stub-camera-model"), SPACETIME_THREADS: "1" });
  browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH || "/usr/bin/chromium", args: ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"] });
  const problems: string[] = [];
  const page = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
  page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
  let videoId = "";

  await check("keyboard only: Storyboard mode, type, add, move up and delete shots; focus follows the shot", async () => {
    await page.goto(`${studio!.base}/`);
    expect(/One prompt/.test(await tabTo(page, /One prompt/)), "Tab never reached the mode's radio group");
    await page.keyboard.press("ArrowRight"); // the radio group's next choice: Storyboard
    expect((await page.locator("ol.shots li").count()) === 1, "Storyboard mode shows no shot");
    await tabTo(page, /^Shot 1 prompt/);
    await page.keyboard.type("a red ball bouncing in the snow");
    await page.keyboard.press("Tab"); // its seconds
    await page.keyboard.press("Control+a");
    await page.keyboard.type("1");
    expect((await tabTo(page, /Add a shot after shot 1/)) === "Add a shot after shot 1", "no Add button after shot 1");
    await page.keyboard.press("Enter");
    expect(/^Shot 2 prompt/.test(await focused(page)), `after Add the focus is on ${JSON.stringify(await focused(page))}`);
    await page.keyboard.type("a red ball moving right in the snow");
    await page.keyboard.press("Tab");
    await page.keyboard.press("Control+a");
    await page.keyboard.type("1.5");
    await tabTo(page, /Add a shot after shot 2/);
    await page.keyboard.press("Enter");
    await page.keyboard.type("a blue car moving left");
    await tabTo(page, /Move shot 3 up/);
    await page.keyboard.press("Enter");
    const prompts = () => page.$$eval("ol.shots textarea", (els) => els.map((e) => (e as HTMLTextAreaElement).value));
    expect((await prompts())[1] === "a blue car moving left", `after Move up: ${JSON.stringify(await prompts())}`);
    expect((await focused(page)) === "Move shot 2 up", `focus did not follow the moved shot: ${JSON.stringify(await focused(page))}`);
    await tabTo(page, /Delete shot 2/);
    await page.keyboard.press("Enter");
    expect(JSON.stringify(await prompts()) === JSON.stringify(["a red ball bouncing in the snow", "a red ball moving right in the snow"]), `after Delete: ${JSON.stringify(await prompts())}`);
    expect(/^Shot 2 prompt/.test(await focused(page)), `after Delete the focus is on ${JSON.stringify(await focused(page))}`);
    expect((await page.locator(".storyboard-timeline span").count()) === 2, "the timeline does not have one segment per shot");
    expect(/2 shots, 2\.5 s of at most 60 s/.test(await page.locator(".storyboard p").first().innerText()), "the total length is not shown");
  });

  await check("a 3-shot storyboard: wide, then follow, then close-up", async () => {
    await page.click("button[aria-label='Add a shot after shot 2']");
    await page.fill("ol.shots li:nth-child(3) textarea", "the red ball bouncing in the snow");
    await page.fill("ol.shots li:nth-child(3) input[type=number]", "1");
    await page.focus("select[aria-label='Shot 1 camera']");
    await page.keyboard.press("End"); // by keyboard: the list's last move, the wide shot
    await page.selectOption("select[aria-label='Shot 2 camera']", "follow");
    await page.selectOption("select[aria-label='Shot 3 camera']", "zoom-in");
    const cameras = await page.$$eval("ol.shots select", (els) => els.map((e) => (e as HTMLSelectElement).value));
    expect(JSON.stringify(cameras) === JSON.stringify(["zoom-out", "follow", "zoom-in"]), `cameras ${JSON.stringify(cameras)}`);
    expect((await page.locator(".storyboard-timeline span").count()) === 3, "the timeline does not have three segments");
  });

  if (process.env.SCREENSHOT) {
    await check("screenshot of the storyboard", async () => {
      const out = path.join(ROOT, "docs/screenshots");
      mkdirSync(out, { recursive: true });
      await page.locator("form.create").screenshot({ path: path.join(out, "storyboard.png") });
    });
  }

  await check("Generate sends one job of the shots; the clip page lists them with their start times", async () => {
    await page.focus("button.primary");
    await page.keyboard.press("Enter");
    let job: { state: string; shots: unknown; video: { id: string } | null; error: string | null } | undefined;
    for (let i = 0; i < 300 && job?.state !== "succeeded" && job?.state !== "failed"; i++) {
      await page.waitForTimeout(200);
      job = (await api(page, "/api/jobs")).body.jobs[0];
    }
    expect(job?.state === "succeeded", `job ${job?.state}: ${job?.error}`);
    const want = [
      { prompt: "a red ball bouncing in the snow", seconds: 1, camera: "zoom-out" },
      { prompt: "a red ball moving right in the snow", seconds: 1.5, camera: "follow" },
      { prompt: "the red ball bouncing in the snow", seconds: 1, camera: "zoom-in" },
    ];
    expect(JSON.stringify(job.shots) === JSON.stringify(want), `shots ${JSON.stringify(job.shots)}`);
    videoId = job.video!.id;
    const video = (await api(page, `/api/videos/${videoId}`)).body.video;
    expect(video.plan?.camera?.move === "zoom-out", `the clip's plan has no camera: ${JSON.stringify(video.plan?.camera?.move)}`);
    await page.goto(`${studio!.base}/videos/${videoId}`);
    const rows = await page.$$eval("table.shots tbody tr", (trs) => trs.map((tr) => Array.from(tr.children, (c) => c.textContent?.trim())));
    expect(
      JSON.stringify(rows) ===
        JSON.stringify([
          ["1", "0:00.0", "1", "zoom-out", "a red ball bouncing in the snow"],
          ["2", "0:01.0", "1.5", "follow", "a red ball moving right in the snow"],
          ["3", "0:02.5", "1", "zoom-in", "the red ball bouncing in the snow"],
        ]),
      `shot rows ${JSON.stringify(rows)}`,
    );
    expect((await page.locator("video").count()) >= 1, "the clip page has no player");
    await page.evaluate(() => {
      const v = document.querySelector("video")!;
      v.muted = true;
      void v.play();
    });
    await page.waitForFunction(() => (document.querySelector("video")?.currentTime ?? 0) > 0, undefined, { timeout: 20_000 });
  });

  await check("the share page lists the shots", async () => {
    const published = await api(page, `/api/videos/${videoId}`, { method: "PATCH", body: { visibility: "public" } });
    expect(published.status === 200, `publish: ${published.status}`);
    await page.goto(`${studio!.base}${published.body.video.shareUrl}`);
    expect((await page.locator("table.shots tbody tr").count()) === 3, "the share page does not list the three shots");
  });

  await check("plan edits of the one-prompt mode survive a visit to Storyboard mode", async () => {
    const p = await browser!.newPage({ viewport: { width: 1280, height: 900 } });
    p.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
    await p.goto(`${studio!.base}/`);
    await p.fill("#prompt", "a red ball moving right");
    const end = ".plan-canvas .handle-end[data-object='o1']";
    await p.waitForSelector(end, { timeout: 15_000 });
    await p.focus(end);
    await p.keyboard.press("ArrowUp");
    const edited = () => p.getAttribute(".plan-editor", "data-edited");
    expect((await edited()) === "true", "moving a handle did not edit the plan");
    await p.check("input[name=mode][value=storyboard]");
    await p.check("input[name=mode][value=prompt]");
    await p.waitForSelector(end, { timeout: 15_000 });
    let now = await edited();
    for (let i = 0; i < 50 && now !== "true"; i++) {
      await p.waitForTimeout(100);
      now = await edited();
    }
    expect(now === "true", "back from Storyboard mode, the plan editor lost its edits");
    await p.close();
  });

  await check("no page errors", async () => {
    expect(problems.length === 0, problems.join("\n"));
  });
}

await runSuite(main, async () => {
  await browser?.close();
  await studio?.stop();
});
