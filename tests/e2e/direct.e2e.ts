/**
 * Directing a clip with the shipped model, in Debian's Chromium against the production build
 * (`npm run test:e2e` builds, then runs this). It starts `next start` and one worker running
 * the real pipeline on models/dev, on a fresh database and media folder:
 *
 * - type "a red ball moving right", drag the ball's end handle to the other side of the frame
 *   with the mouse and press Generate: the job is made from the edited plan;
 * - the clip is read back and judged by WorldBench (`spacetime.worldbench.cli --json`): its
 *   track of the red ball ends within 10% of the frame of the dragged point, so the model
 *   followed the edit, not only the editor's plan.
 *
 * The editor's own behaviour (keyboard, touch, undo, the plan Generate sends) is
 * tests/e2e/editor.e2e.ts, on the stub model. Prints "N passed, N failed"; exits non-zero on
 * any failure.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

import { chromium, type Browser } from "playwright-core";

import { check, expect, ROOT, runSuite, startStudio, type Studio } from "./harness";
import { canvasFrame, settledHandle, toPage } from "./plan-canvas";

const PROMPT = "a red ball moving right";
const END = ".plan-canvas .handle-end[data-object='o1']";

let studio: Studio | undefined;
let browser: Browser | undefined;
const judged = mkdtempSync(path.join(tmpdir(), "spacetime-direct-"));

interface JudgedObject {
  kind: string;
  colour: string | null;
  end: [number, number];
}

async function main() {
  studio = await startStudio("direct", { SPACETIME_MODEL_DIR: path.join(ROOT, "models/dev"), SPACETIME_THREADS: "2" });
  browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH || "/usr/bin/chromium", args: ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"] });
  const problems: string[] = [];
  const page = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
  page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
  let dragged = { x: 0, y: 0 }; // fractions of the frame
  let videoId = "";

  await check("dragging the ball's end to the other side and generating makes a clip from the edited plan", async () => {
    await page.goto(`${studio!.base}/`);
    await page.fill("#prompt", PROMPT);
    await page.waitForSelector(END, { timeout: 10_000 });
    const { W, H } = await canvasFrame(page);
    const end = await settledHandle(page, END);
    const target = { x: end.x > W / 2 ? W * 0.2 : W * 0.8, y: end.y };
    const from = await toPage(page, end);
    const to = await toPage(page, target);
    await page.mouse.move(from.x, from.y);
    await page.mouse.down();
    for (let i = 1; i <= 10; i++) await page.mouse.move(from.x + ((to.x - from.x) * i) / 10, from.y + ((to.y - from.y) * i) / 10);
    await page.mouse.up();
    await page.waitForSelector(".plan-editor[data-edited='true']", { timeout: 5_000 });
    dragged = { x: target.x / W, y: target.y / H };
    await page.click("button.primary");
    await page.waitForSelector(".job a[href^='/videos/']", { timeout: 120_000 });
    videoId = (await page.getAttribute(".job a[href^='/videos/']", "href"))!.split("/").pop()!;
    const plan = await page.evaluate(async (id) => (await fetch(`/api/videos/${id}/plan`)).json(), videoId);
    const ball = (plan.plan ?? plan).objects.find((o: { kind: string; colour: string }) => o.kind === "ball" && o.colour === "red");
    expect(ball, `the clip's plan has no red ball: ${JSON.stringify(plan).slice(0, 300)}`);
  });

  await check("WorldBench's track of the red ball ends within 10% of the frame of the dragged point", async () => {
    expect(videoId, "no clip was made");
    const mp4 = await page.evaluate(async (id) => {
      const v = (await (await fetch(`/api/videos/${id}`)).json()).video;
      const bytes = new Uint8Array(await (await fetch(v.media.mp4)).arrayBuffer());
      return Array.from(bytes);
    }, videoId);
    writeFileSync(path.join(judged, "clip.mp4"), Buffer.from(mp4));
    writeFileSync(path.join(judged, "clip.txt"), PROMPT);
    const report = JSON.parse(
      execFileSync(path.join(ROOT, "scripts/py"), ["-m", "spacetime.worldbench.cli", "--videos", judged, "--json"], { encoding: "utf8", maxBuffer: 1 << 26 }),
    ) as { clips: { objects: JudgedObject[] }[] };
    const balls = report.clips[0]!.objects.filter((o) => o.colour === "red");
    expect(balls.length > 0, `WorldBench saw no red object: ${JSON.stringify(report.clips[0]?.objects)}`);
    const miss = Math.min(...balls.map((o) => Math.hypot(o.end[0] - dragged.x, o.end[1] - dragged.y)));
    expect(miss <= 0.1, `the red ball's track ends ${(miss * 100).toFixed(1)}% of the frame from the dragged point (${dragged.x.toFixed(2)}, ${dragged.y.toFixed(2)}): ${JSON.stringify(balls.map((b) => b.end))}`);
  });

  await check("no page errors", async () => {
    expect(problems.length === 0, problems.join("\n"));
  });
}

await runSuite(main, async () => {
  await browser?.close();
  await studio?.stop();
  rmSync(judged, { recursive: true, force: true });
});
