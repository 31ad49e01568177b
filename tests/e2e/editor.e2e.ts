/**
 * The Create page's plan editor in Debian's Chromium against the production build (`npm run
 * test:e2e` builds, then runs this), serving the tiny plan-following stub model of
 * tests/pipeline/fixtures (64x64, 9 frames). POST /api/jobs is intercepted (page.route), so
 * what is checked is the body Generate sends, whatever the server then does with it.
 *
 * - Typing a prompt draws its plan: a path and start/end handles per object, a scrubber.
 * - Unedited, Generate sends no plan (the server plans the prompt itself).
 * - Dragging the red ball's end handle to the other side with the mouse: the plan Generate
 *   sends is schema-valid and the ball ends within 10% of the frame of the dragged point.
 * - A prompt change that keeps the objects keeps the edits; one that changes them drops them
 *   with a notice, and Restore brings them back.
 * - Keyboard only: Tab reaches a handle (named "red ball start point"), arrow keys move it
 *   (Shift: 8 px), Ctrl+Z undoes each step, Delete removes the object and Ctrl+Z brings it back;
 *   a whole mouse drag is one step of the Undo button.
 * - Touch: a finger drag (CDP touch events, so real pointer events of type touch) moves a handle.
 * - With SCREENSHOT=1 (npm run screenshots:editor), saves docs/screenshots/plan-editor.png.
 * Prints "N passed, N failed"; exits non-zero on any failure.
 */
import { mkdirSync } from "node:fs";
import path from "node:path";

import { chromium, type Browser, type Page } from "playwright-core";

import { planSchema, type ScenePlan } from "../../lib/plan/schema";
import { check, expect, ROOT, runSuite, startStudio, type Studio } from "./harness";
import { handleAt, settledHandle, toPage } from "./plan-canvas";

const W = 64; // the stub model's frame
const H = 64;
const PROMPT = "a red ball moving right";

let studio: Studio | undefined;
let browser: Browser | undefined;

/** Every POST /api/jobs body, answered with an empty job list. */
async function capturePosts(page: Page): Promise<Record<string, unknown>[]> {
  const bodies: Record<string, unknown>[] = [];
  await page.route("**/api/jobs", async (route) => {
    if (route.request().method() !== "POST") return route.continue();
    bodies.push(JSON.parse(route.request().postData() ?? "{}") as Record<string, unknown>);
    await route.fulfill({ status: 201, contentType: "application/json", body: JSON.stringify({ jobs: [] }) });
  });
  return bodies;
}

async function generate(page: Page, bodies: Record<string, unknown>[]): Promise<Record<string, unknown>> {
  const n = bodies.length;
  await page.click("button.primary");
  for (let i = 0; i < 100 && bodies.length === n; i++) await page.waitForTimeout(100);
  expect(bodies.length === n + 1, "Generate sent no POST /api/jobs");
  return bodies[n]!;
}

const objectCount = (page: Page) => page.locator(".plan-canvas .handle-start").count();

/** Whether the editor's edited flag reads `value` within 5 s: it renders a beat after the handles on a busy machine. */
async function editedBecomes(page: Page, value: "true" | "false"): Promise<boolean> {
  return page.waitForSelector(`.plan-editor[data-edited='${value}']`, { timeout: 5_000 }).then(
    () => true,
    () => false,
  );
}

async function main() {
  studio = await startStudio("editor", { SPACETIME_MODEL_DIR: path.join(ROOT, "tests/pipeline/fixtures/stub-planned-model") });
  browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH || "/usr/bin/chromium", args: ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"] });
  const problems: string[] = [];
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
  page.on("console", (m) => {
    if (m.type() === "error" && /Content Security Policy|Refused to/i.test(m.text())) problems.push(`CSP: ${m.text()}`);
  });
  const bodies = await capturePosts(page);
  const END = ".plan-canvas .handle-end[data-object='o1']";
  let dragged = { x: 0, y: 0 };

  await check("typing a prompt draws its plan: a path, start and end handles, a scrubber", async () => {
    await page.goto(`${studio!.base}/`);
    await page.fill("#prompt", PROMPT);
    await page.waitForSelector(END, { timeout: 15_000 });
    expect((await page.getAttribute(END, "aria-label")) === "red ball end point", `aria-label ${await page.getAttribute(END, "aria-label")}`);
    expect((await page.locator(".plan-canvas polyline").count()) >= 1, "no path drawn");
    expect((await page.getAttribute(".plan-scrubber input[type=range]", "max")) === "8", "the scrubber does not span the 9 frames");
    expect((await page.getAttribute(".plan-editor", "data-edited")) === "false", "a fresh plan reads as edited");
  });

  await check("unedited, Generate sends no plan", async () => {
    const body = await generate(page, bodies);
    expect(body.prompt === PROMPT, `prompt ${String(body.prompt)}`);
    expect(!("plan" in body), `sent a plan: ${JSON.stringify(body.plan)?.slice(0, 80)}`);
  });

  await check("the scrubber moves the ball along its path", async () => {
    const at = (f: number) =>
      page.evaluate(async (frame) => {
        const r = document.querySelector<HTMLInputElement>(".plan-scrubber input[type=range]")!;
        const set = Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, "value")!.set!;
        set.call(r, String(frame));
        r.dispatchEvent(new Event("input", { bubbles: true }));
        await new Promise((ok) => requestAnimationFrame(() => requestAnimationFrame(ok)));
        return document.querySelector(".plan-object[data-object='o1']")!.getAttribute("transform");
      }, f);
    const first = await at(0);
    const last = await at(8);
    expect(first !== last, `the ball is drawn at the same place in frames 0 and 8: ${first}`);
    await at(0);
  });

  await check("dragging the ball's end to the other side: the plan Generate sends ends within 10% of the frame of the dragged point", async () => {
    const end = await settledHandle(page, END);
    dragged = { x: end.x > W / 2 ? W * 0.2 : W * 0.8, y: H * 0.3 };
    const from = await toPage(page, end);
    const to = await toPage(page, dragged);
    await page.mouse.move(from.x, from.y);
    await page.mouse.down();
    for (let i = 1; i <= 10; i++) await page.mouse.move(from.x + ((to.x - from.x) * i) / 10, from.y + ((to.y - from.y) * i) / 10);
    await page.mouse.up();
    await page.waitForSelector(".plan-editor[data-edited='true']", { timeout: 5_000 });
    const body = await generate(page, bodies);
    const parsed = planSchema.safeParse(body.plan);
    expect(parsed.success, `the plan sent is not schema-valid: ${parsed.success ? "" : JSON.stringify(parsed.error.issues.slice(0, 2))}`);
    const plan: ScenePlan = parsed.data;
    const ball = plan.objects.find((o) => o.kind === "ball" && o.colour === "red")!;
    const T = plan.frames;
    const miss = Math.hypot(ball.track.x[T - 1]! - dragged.x, ball.track.y[T - 1]! - dragged.y) / Math.max(W, H);
    expect(miss <= 0.1, `the ball ends ${(miss * 100).toFixed(1)}% of the frame from the dragged point (${ball.track.x[T - 1]}, ${ball.track.y[T - 1]}) vs (${dragged.x}, ${dragged.y})`);
    expect(plan.width === W && plan.height === H && plan.fps === 8, `plan frame ${plan.width}x${plan.height}@${plan.fps}`);
  });

  await check("a prompt edit that keeps the objects keeps the plan edits", async () => {
    await page.fill("#prompt", `${PROMPT}, please`);
    await page.waitForTimeout(600);
    expect((await page.getAttribute(".plan-editor", "data-edited")) === "true", "the edits were dropped by a filler word");
  });

  await check("a prompt edit that changes the objects drops them with a notice; Restore brings them back", async () => {
    await page.fill("#prompt", "a blue cube moving right");
    await page.waitForSelector(".plan-notice:has-text('dropped')", { timeout: 5_000 });
    expect((await page.getAttribute(".plan-editor", "data-edited")) === "false", "still edited after the objects changed");
    const body = await generate(page, bodies);
    expect(!("plan" in body), "Generate sent the dropped plan");
    await page.click(".plan-notice button:has-text('Restore edits')");
    await page.waitForSelector(".plan-editor[data-edited='true']", { timeout: 5_000 });
    const back = await handleAt(page, END);
    expect(Math.hypot(back.x - dragged.x, back.y - dragged.y) < W * 0.1, `restored end at ${JSON.stringify(back)}`);
  });

  if (process.env.SCREENSHOT) {
    await check("screenshot of the editor", async () => {
      await page.fill("#prompt", "a red ball bouncing and a blue car moving left at sunset");
      await page.waitForSelector(".plan-canvas .handle-end[data-object='o2']", { timeout: 10_000 });
      const end = await handleAt(page, ".plan-canvas .handle-end[data-object='o1']");
      const from = await toPage(page, end);
      const to = await toPage(page, { x: end.x < W / 2 ? W * 0.7 : W * 0.3, y: end.y });
      await page.mouse.move(from.x, from.y);
      await page.mouse.down();
      for (let i = 1; i <= 6; i++) await page.mouse.move(from.x + ((to.x - from.x) * i) / 6, from.y + ((to.y - from.y) * i) / 6);
      await page.mouse.up();
      await page.evaluate(() => {
        const r = document.querySelector<HTMLInputElement>(".plan-scrubber input[type=range]")!;
        Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, "value")!.set!.call(r, "4");
        r.dispatchEvent(new Event("input", { bubbles: true }));
      });
      await page.focus(".plan-canvas .handle-end[data-object='o2']");
      await page.keyboard.press("ArrowUp"); // a visible focus ring (keyboard focus)
      const out = path.join(ROOT, "docs/screenshots");
      mkdirSync(out, { recursive: true });
      await page.locator("form.create").screenshot({ path: path.join(out, "plan-editor.png") });
    });
  }

  await check("keyboard only: Tab to a handle, arrows move it, Ctrl+Z undoes, Delete removes, Ctrl+Z restores", async () => {
    const kb = await context.newPage();
    kb.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
    await capturePosts(kb);
    await kb.goto(`${studio!.base}/`);
    await kb.focus("#prompt");
    await kb.keyboard.type(PROMPT);
    await kb.waitForSelector(END, { timeout: 15_000 });
    let label = "";
    for (let i = 0; i < 40 && !/ (start|end) point$/.test(label); i++) {
      await kb.keyboard.press("Tab");
      label = await kb.evaluate(() => document.activeElement?.getAttribute("aria-label") ?? "");
    }
    expect(label === "red ball start point", `Tab reached ${JSON.stringify(label)} first`);
    const ring = await kb.evaluate(() => getComputedStyle(document.activeElement!).strokeWidth);
    expect(ring === "3.5px", `no visible focus ring on the handle (stroke-width ${ring})`);
    const sel = ".plan-canvas .handle-start[data-object='o1']";
    const before = await handleAt(kb, sel);
    const dir = before.y > H / 2 ? "ArrowUp" : "ArrowDown";
    const sign = dir === "ArrowUp" ? -1 : 1;
    await kb.keyboard.press(dir);
    await kb.keyboard.press(`Shift+${dir}`);
    const moved = await handleAt(kb, sel);
    expect(Math.abs(moved.y - (before.y + sign * 9)) < 1e-6 && moved.x === before.x, `after 1 + 8 px ${dir}: ${JSON.stringify(before)} -> ${JSON.stringify(moved)}`);
    expect(await editedBecomes(kb, "true"), "not edited after moving a handle");
    await kb.keyboard.press("Control+z");
    const once = await handleAt(kb, sel);
    expect(Math.abs(once.y - (before.y + sign)) < 1e-6, `one Ctrl+Z: ${JSON.stringify(once)}`);
    await kb.keyboard.press("Control+z");
    const twice = await handleAt(kb, sel);
    expect(twice.x === before.x && twice.y === before.y, `two Ctrl+Z: ${JSON.stringify(twice)} vs ${JSON.stringify(before)}`);
    expect(await editedBecomes(kb, "false"), "undone to the prompt's own plan, yet still edited");
    const still = await kb.evaluate(() => document.activeElement?.getAttribute("aria-label") ?? "");
    expect(still === "red ball start point", `focus moved to ${JSON.stringify(still)} while undoing`);
    await kb.keyboard.press("Delete");
    expect((await objectCount(kb)) === 0, "Delete did not remove the ball");
    await kb.keyboard.press("Control+z");
    expect((await objectCount(kb)) === 1, "Ctrl+Z did not bring the ball back");
  });

  await check("a whole drag is one undo step (the Undo button)", async () => {
    const kb = context.pages().at(-1)!;
    const sel = ".plan-canvas .handle-end[data-object='o1']";
    const before = await settledHandle(kb, sel);
    const from = await toPage(kb, before);
    const to = await toPage(kb, { x: W / 2, y: H / 2 });
    await kb.mouse.move(from.x, from.y);
    await kb.mouse.down();
    for (let i = 1; i <= 8; i++) await kb.mouse.move(from.x + ((to.x - from.x) * i) / 8, from.y + ((to.y - from.y) * i) / 8);
    await kb.mouse.up();
    const moved = await handleAt(kb, sel);
    expect(Math.hypot(moved.x - before.x, moved.y - before.y) > 3, `the drag did not move the end: ${JSON.stringify(moved)}`);
    await kb.click(".plan-head button:has-text('Undo')");
    const back = await handleAt(kb, sel);
    expect(back.x === before.x && back.y === before.y, `one Undo after a drag: ${JSON.stringify(back)} vs ${JSON.stringify(before)}`);
    await kb.close();
  });

  await check("touch: a finger drag on a handle moves it (real touch events through CDP)", async () => {
    const touch = await (await browser!.newContext({ viewport: { width: 420, height: 900 }, hasTouch: true, isMobile: true })).newPage();
    touch.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
    await capturePosts(touch);
    await touch.goto(`${studio!.base}/`);
    await touch.fill("#prompt", PROMPT);
    await touch.waitForSelector(END, { timeout: 15_000 });
    const before = await settledHandle(touch, END);
    const target = { x: before.x > W / 2 ? W * 0.25 : W * 0.75, y: H * 0.75 };
    const from = await toPage(touch, before);
    const to = await toPage(touch, target);
    const cdp = await touch.context().newCDPSession(touch);
    const at = (p: { x: number; y: number }) => [{ x: p.x, y: p.y, id: 1 }];
    await cdp.send("Input.dispatchTouchEvent", { type: "touchStart", touchPoints: at(from) });
    for (let i = 1; i <= 8; i++) {
      await cdp.send("Input.dispatchTouchEvent", { type: "touchMove", touchPoints: at({ x: from.x + ((to.x - from.x) * i) / 8, y: from.y + ((to.y - from.y) * i) / 8 }) });
    }
    await cdp.send("Input.dispatchTouchEvent", { type: "touchEnd", touchPoints: [] });
    await touch.waitForSelector(".plan-editor[data-edited='true']", { timeout: 15_000 });
    const after = await handleAt(touch, END);
    const miss = Math.hypot(after.x - target.x, after.y - target.y) / W;
    expect(miss <= 0.1, `after the touch drag the end is at ${JSON.stringify(after)}, the finger lifted at ${JSON.stringify(target)}`);
    await touch.close();
  });

  await check("no page errors and no Content-Security-Policy violations", async () => {
    expect(problems.length === 0, problems.join("\n"));
  });
}

await runSuite(main, async () => {
  await browser?.close();
  await studio?.stop();
});
