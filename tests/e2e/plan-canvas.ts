/** The Create page's plan canvas, as the browser tests drive it: handles in the plan's frame and on the page. */
import type { Page } from "playwright-core";

export type Point = { x: number; y: number };

/** The canvas's frame: its viewBox, the plan's width and height. */
export async function canvasFrame(page: Page): Promise<{ W: number; H: number }> {
  const [, , W, H] = (await page.getAttribute(".plan-canvas", "viewBox"))!.split(" ").map(Number);
  return { W: W!, H: H! };
}

/** A handle's centre in the plan's frame (its SVG cx/cy). */
export async function handleAt(page: Page, sel: string): Promise<Point> {
  const [x, y] = await page.$eval(sel, (el) => [Number(el.getAttribute("cx")), Number(el.getAttribute("cy"))]);
  return { x: x!, y: y! };
}

/**
 * The handle's position once the page holds still: the canvas scrolled into view, and the
 * position the same over a quarter second (a loaded machine may still be laying the page out,
 * or re-rendering the plan, when a drag would start).
 */
export async function settledHandle(page: Page, sel: string): Promise<Point> {
  await page.locator(".plan-canvas").scrollIntoViewIfNeeded();
  let at = await handleAt(page, sel);
  for (let i = 0; i < 20; i++) {
    await page.waitForTimeout(250);
    const again = await handleAt(page, sel);
    if (again.x === at.x && again.y === at.y) break;
    at = again;
  }
  return at;
}

/** Frame coordinates -> page coordinates, through the canvas's on-screen box. */
export async function toPage(page: Page, p: Point): Promise<Point> {
  const { W, H } = await canvasFrame(page);
  const box = (await page.locator(".plan-canvas").boundingBox())!;
  return { x: box.x + (p.x / W) * box.width, y: box.y + (p.y / H) * box.height };
}
