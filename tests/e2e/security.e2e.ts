/**
 * Attacks in Debian's Chromium against the production build (`npm run test:e2e` builds, then
 * runs tests/e2e/studio.e2e.ts and this). The worker runs the stand-in handler (NOT the
 * model: lib/queue/testing/stand-in-handler.ts), since only prompts matter here.
 *
 * - Prompts carrying <script>, <img onerror>, javascript: links, attribute and script-block
 *   breakouts are typed into the create page and shown as plain text there, in the gallery,
 *   on the clip page, in the remix box, on the share page (title, Open Graph and Twitter tags)
 *   and in the embed player: no dialog, no injected element or script, nothing run. Pages are
 *   opened with CSP bypassed, so this proves the escaping itself, not just the policy.
 * - Security headers on every kind of response: a nonce CSP without 'unsafe-inline' scripts,
 *   nosniff, Referrer-Policy, frame-ancestors 'none' (open only on the embed player).
 * - A cross-site form POST from another origin is refused (403) and changes nothing.
 * - Share-page misses are rate-limited per client address (lib/http/rate-limit.ts).
 * - Prefetch headers (Next-Router-Prefetch, Purpose: prefetch) get the page with its nonce CSP,
 *   and methods the app does not serve (TRACE, ...) a 405: no 500, no stack trace.
 * Prints "N passed, N failed"; exits non-zero on any failure.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";

import { chromium, type Browser, type Page } from "playwright-core";

import { MISS_LIMIT } from "../../lib/http/rate-limit";
import { check, expect, getFrom, runSuite, startStudio, type Studio } from "./harness";

// Each under 70 characters, so the share page's title is the whole prompt.
const PAYLOADS = [
  `<script>window.__xss="script";alert(1)</script>`,
  `<img src=x onerror="window.__xss='img';alert(2)" id=xss-img>`,
  `<a id=xss-link href="javascript:window.__xss='link'">click</a>`,
  `"><svg id=xss-svg onload="window.__xss='svg'"></svg><!--`,
  `</script><script>window.__xss='flight'</script>`,
];

let studio: Studio | undefined;
let browser: Browser | undefined;
const dialogs: string[] = [];

/** A page in a fresh context; CSP is bypassed unless `enforceCsp`, so escaping is tested on its own. */
async function newPage(enforceCsp = false): Promise<Page> {
  if (!browser) throw new Error("the browser is not running");
  const context = await browser.newContext({ bypassCSP: !enforceCsp });
  const page = await context.newPage();
  page.on("dialog", (d) => {
    dialogs.push(`${d.type()}: ${d.message()}`);
    void d.dismiss();
  });
  return page;
}

/** Nothing of the payloads became markup or ran on this page. */
async function expectInert(page: Page, where: string) {
  const found = await page.evaluate(() => ({
    ran: (window as unknown as { __xss?: string }).__xss ?? null,
    injected: [...document.querySelectorAll("#xss-img, #xss-link, #xss-svg, [onerror], [onload], a[href^='javascript:' i]")].map((e) => e.outerHTML),
    scripts: [...document.scripts].filter((s) => /^\s*window\.__xss/.test(s.textContent ?? "")).map((s) => s.outerHTML),
  }));
  expect(found.ran === null, `${where}: a payload ran (window.__xss = ${found.ran})`);
  expect(found.injected.length === 0, `${where}: injected elements ${found.injected.join(" ")}`);
  expect(found.scripts.length === 0, `${where}: injected scripts ${found.scripts.join(" ")}`);
  expect(dialogs.length === 0, `${where}: dialogs ${dialogs.join("; ")}`);
}

const STACK = /\n\s+at [^\n]+:\d+:\d+|\b(TypeError|ReferenceError): /;

/** A request by node:http (fetch refuses TRACE and CONNECT), to the studio. */
function raw(method: string, url: string, headers: Record<string, string> = {}): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
  const base = new URL(studio!.base);
  return new Promise((resolve, reject) => {
    const req = http.request({ host: base.hostname, port: base.port, method, path: url, headers }, (res) => {
      let body = "";
      res.setEncoding("utf8").on("data", (d: string) => (body += d));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on("error", reject);
    req.end();
  });
}

const text = (page: Page, selector: string) => page.$$eval(selector, (els) => els.map((e) => e.textContent ?? ""));

async function main() {
  studio = await startStudio("security-e2e", { SPACETIME_WORKER_HANDLER: "stand-in", STANDIN_STEPS: "2", STANDIN_STEP_MS: "10" });
  const { base } = studio;
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH || "/usr/bin/chromium",
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"],
  });
  const owner = await newPage();
  const clips: { id: string; prompt: string; slug?: string }[] = [];

  await check("create page: each hostile prompt shows as text in the prompt box and its job card", async () => {
    await owner.goto(`${base}/`);
    for (const [i, prompt] of PAYLOADS.entries()) {
      await owner.fill("#prompt", prompt);
      await owner.waitForSelector(".words span", { timeout: 10_000 });
      await owner.click("button.primary");
      await owner.waitForFunction((n) => document.querySelectorAll(".job").length >= n, i + 1, { timeout: 10_000 });
    }
    await owner.waitForFunction((n) => document.querySelectorAll(".job a[href^='/videos/']").length >= n, PAYLOADS.length, { timeout: 60_000 });
    const shown = await text(owner, ".job .prompt");
    for (const p of PAYLOADS) expect(shown.includes(p), `no job card shows ${p} as text (cards: ${JSON.stringify(shown)})`);
    for (const card of await owner.$$(".job")) {
      const prompt = await card.$eval(".prompt", (e) => e.textContent ?? "");
      const href = await card.$eval("a[href^='/videos/']", (e) => e.getAttribute("href") ?? "");
      clips.push({ id: href.split("/").pop()!, prompt });
    }
    await expectInert(owner, "create page");
  });

  await check("gallery: the captions are the prompts as text", async () => {
    await owner.goto(`${base}/gallery`);
    await owner.waitForFunction((n) => document.querySelectorAll(".gallery .caption").length >= n, PAYLOADS.length, { timeout: 10_000 });
    const captions = await text(owner, ".gallery .caption");
    for (const p of PAYLOADS) expect(captions.includes(p), `gallery lacks ${p}`);
    await expectInert(owner, "gallery");
  });

  await check("clip pages and the remix box: the prompt as text", async () => {
    for (const c of clips) {
      await owner.goto(`${base}/videos/${c.id}`);
      expect((await owner.textContent("h1.prompt")) === c.prompt, `clip ${c.id}: heading is not the prompt`);
      await expectInert(owner, `clip page of ${c.prompt}`);
      await owner.goto(`${base}/?remix=${c.id}`);
      await owner.waitForFunction((p) => (document.querySelector<HTMLTextAreaElement>("#prompt")?.value ?? "") === p, c.prompt, { timeout: 10_000 });
      await expectInert(owner, `remix of ${c.prompt}`);
    }
  });

  await check("share pages: title, Open Graph and Twitter tags carry the prompt escaped; the embed player too", async () => {
    for (const c of clips) {
      const res = await owner.evaluate(async (id) => {
        const r = await fetch(`/api/videos/${id}`, { method: "PATCH", headers: { "content-type": "application/json" }, body: JSON.stringify({ visibility: "public" }) });
        return (await r.json()) as { video: { slug: string } };
      }, c.id);
      c.slug = res.video.slug;
    }
    const stranger = await newPage();
    for (const c of clips) {
      const html = await (await fetch(`${base}/v/${c.slug}`)).text();
      expect(!html.includes(c.prompt), `the share page's HTML holds ${c.prompt} unescaped`);
      await stranger.goto(`${base}/v/${c.slug}`);
      expect((await stranger.textContent("h1.prompt")) === c.prompt, `share page of ${c.prompt}: heading`);
      expect((await stranger.title()) === `${c.prompt} · Spacetime`, `share page title: ${await stranger.title()}`);
      const meta = (sel: string) => stranger.getAttribute(`meta[${sel}]`, "content");
      expect((await meta('property="og:title"')) === c.prompt, `og:title ${await meta('property="og:title"')}`);
      expect((await meta('name="twitter:title"')) === c.prompt, `twitter:title ${await meta('name="twitter:title"')}`);
      expect((await meta('name="description"'))?.includes(c.prompt), "description");
      expect((await meta('property="og:video"'))?.endsWith(`/media/${c.id}/video.mp4`), "og:video");
      await expectInert(stranger, `share page of ${c.prompt}`);

      const embedHtml = await (await fetch(`${base}/v/${c.slug}/embed`)).text();
      expect(!embedHtml.includes(c.prompt) && !/<script/i.test(embedHtml), `the embed HTML holds ${c.prompt} unescaped, or a script`);
      await stranger.goto(`${base}/v/${c.slug}/embed`);
      expect((await stranger.title()) === c.prompt, `embed title ${await stranger.title()}`);
      await expectInert(stranger, `embed of ${c.prompt}`);
    }
  });

  await check("security headers on pages, API, media, static files and the 404 page; the embed player alone may be framed", async () => {
    const c = clips[0]!;
    const page = await (await fetch(`${base}/`)).text();
    const asset = /<script[^>]+src="(\/_next\/static\/[^"]+\.js)"/.exec(page)?.[1];
    expect(asset, "no /_next/static script on the create page");
    const pages = ["/", "/gallery", `/videos/${c.id}`, `/v/${c.slug}`, "/no-such-page", `/v/${"A".repeat(24)}`];
    const others = ["/api/videos", "/api/openapi.json", `/media/${c.id}/poster.png`, asset, "/api/jobs/nope"];
    const nonces = new Set<string>();
    for (const url of [...pages, ...others, `/v/${c.slug}/embed`]) {
      const res = await fetch(`${base}${url}`, { redirect: "manual" });
      await res.arrayBuffer();
      const h = (k: string) => res.headers.get(k) ?? "";
      expect(h("x-content-type-options") === "nosniff", `${url}: X-Content-Type-Options ${h("x-content-type-options")}`);
      expect(h("referrer-policy") === "strict-origin-when-cross-origin", `${url}: Referrer-Policy ${h("referrer-policy")}`);
      // Several CSP headers are all enforced; fetch joins them with ", ".
      const policies = h("content-security-policy").split(",").map((p) => new Map(p.split(";").map((d) => {
        const [name, ...values] = d.trim().split(/\s+/);
        return [name!, values.join(" ")] as const;
      })));
      expect(policies.length > 0 && policies.every((p) => p.has("frame-ancestors")), `${url}: a CSP without frame-ancestors: ${h("content-security-policy")}`);
      const frameAncestors = policies.map((p) => p.get("frame-ancestors"));
      const scriptSrc = policies.map((p) => p.get("script-src") ?? p.get("default-src")).filter(Boolean) as string[];
      expect(scriptSrc.every((s) => !s.includes("'unsafe-inline'") && !s.includes("'unsafe-eval'")), `${url}: script-src ${scriptSrc.join(" | ")}`);
      if (url.endsWith("/embed")) {
        expect(frameAncestors.every((f) => f === "*"), `embed: frame-ancestors ${frameAncestors.join(" | ")}`);
        expect(!h("x-frame-options"), `embed: X-Frame-Options ${h("x-frame-options")}`);
        continue;
      }
      expect(frameAncestors.every((f) => f === "'none'"), `${url}: frame-ancestors ${frameAncestors.join(" | ")}`);
      expect(h("x-frame-options") === "DENY", `${url}: X-Frame-Options ${h("x-frame-options")}`);
      if (pages.includes(url)) {
        const nonce = /'nonce-([A-Za-z0-9+/=]+)'/.exec(scriptSrc.join(" "))?.[1];
        expect(nonce && scriptSrc.some((s) => s.includes("'strict-dynamic'")), `${url}: script-src without a nonce: ${scriptSrc.join(" | ")}`);
        nonces.add(nonce);
      }
    }
    expect(nonces.size === pages.length, "a nonce was reused across responses");
    // And Chromium enforces it: another site framing the gallery gets an error page in the frame.
    const framer = await newPage(true);
    // Another origin served from loopback too (Chromium keeps a public site's frames off 127.0.0.1 anyway).
    const other = http.createServer((_, res) => res.writeHead(200, { "content-type": "text/html" }).end(`<iframe src="${base}/gallery"></iframe>`));
    await new Promise<void>((resolve) => other.listen(0, "127.0.0.1", resolve));
    try {
      const answered = framer.waitForResponse(`${base}/gallery`);
      await framer.goto(`http://127.0.0.1:${(other.address() as AddressInfo).port}/`);
      expect((await answered).status() === 200, "the framed gallery was not requested");
      await framer.waitForTimeout(500);
      const framed = framer.frames().find((f) => f !== framer.mainFrame());
      const heading = await framed?.evaluate(() => document.querySelector("h1")?.textContent ?? null).catch(() => null);
      expect(framed && heading !== "Gallery", `the gallery rendered inside another site's frame (url ${framed?.url()})`);
    } finally {
      other.close();
    }
  });

  await check("prefetch headers get the page (200) with its full nonce CSP, never a 500 or a stack trace", async () => {
    const variants: Record<string, string>[] = [
      { "next-router-prefetch": "1" },
      { purpose: "prefetch" },
      { "sec-purpose": "prefetch" },
      { "next-router-prefetch": "1", purpose: "prefetch" },
      { "next-router-prefetch": "1", rsc: "1" }, // the router's own prefetch: an RSC payload
    ];
    for (const url of ["/", "/gallery", "/fleet"]) {
      for (const headers of variants) {
        const what = `${url} with ${JSON.stringify(headers)}`;
        const r = await raw("GET", url, headers);
        expect(r.status === 200, `${what}: ${r.status}`);
        expect(!STACK.test(r.body), `${what}: a stack trace in the body`);
        if (/^text\/html/.test(r.headers["content-type"] ?? "")) {
          const csp = String(r.headers["content-security-policy"] ?? "");
          expect(/script-src 'self' 'nonce-[A-Za-z0-9+/=]+' 'strict-dynamic'/.test(csp) && /default-src 'self'/.test(csp), `${what}: CSP ${csp}`);
        }
      }
    }
  });

  await check("methods the app does not serve get 405 (or 400 from the HTTP parser), never a 500 or a stack trace", async () => {
    const c = clips[0]!;
    for (const url of ["/api/jobs", "/", "/gallery", `/media/${c.id}/video.mp4`, "/api/openapi.json"]) {
      for (const method of ["TRACE", "TRACK", "PROPFIND", "PUT", "FOO"]) {
        const r = await raw(method, url);
        expect(r.status === 405 || r.status === 400, `${method} ${url}: ${r.status}`);
        expect(!STACK.test(r.body), `${method} ${url}: a stack trace in the body`);
        if (r.status === 405) expect(r.headers.allow === "GET, HEAD, POST, PATCH, DELETE, OPTIONS", `${method} ${url}: Allow ${r.headers.allow}`);
      }
    }
    // The server still serves afterwards.
    expect((await raw("GET", "/api/queue")).status === 200, "the server stopped answering");
  });

  await check("a cross-site form POST is refused with 403 and changes nothing", async () => {
    const evil = await newPage();
    const html = `<form id=f method=POST action="${base}/api/queue/pause" enctype="text/plain"><input name='{"x":"' value='"}'></form><script>document.getElementById("f").submit()</script>`;
    await evil.route("https://evil.example/", (r) => r.fulfill({ contentType: "text/html", body: html }));
    const answered = evil.waitForResponse(`${base}/api/queue/pause`);
    await evil.goto("https://evil.example/");
    const res = await answered;
    expect(res.status() === 403, `the forged POST answered ${res.status()}`);
    const queue = (await (await fetch(`${base}/api/queue`)).json()) as { paused: boolean };
    expect(queue.paused === false, "the queue was paused by the forged POST");
  });

  await check(`share links cannot be enumerated: ${MISS_LIMIT} misses, then one address sees only 404s (page) and 429s (embed)`, async () => {
    const c = clips[0]!;
    // Clients are told apart by their TCP peer (the server stamps it), never by a header they send.
    const scanner = "127.0.0.50";
    const randomSlug = () => Buffer.from(crypto.getRandomValues(new Uint8Array(18))).toString("base64url");
    for (let i = 0; i < MISS_LIMIT; i++) {
      const r = await getFrom(scanner, `${base}/v/${randomSlug()}`, { "x-forwarded-for": `198.51.100.${i}` });
      expect(r.status === 404, `miss ${i} answered ${r.status}`);
    }
    const hit = await getFrom(scanner, `${base}/v/${c.slug}`);
    expect(hit.status === 404, `a real share link answered ${hit.status} to a client over its miss limit`);
    const embed = await getFrom(scanner, `${base}/v/${c.slug}/embed`);
    expect(embed.status === 429 && Number(embed.headers["retry-after"]) > 0, `embed answered ${embed.status}`);
    // A spoofed X-Forwarded-For does not make the scanner someone else (no TRUSTED_PROXIES here).
    const spoofed = await getFrom(scanner, `${base}/v/${c.slug}/embed`, { "x-forwarded-for": "203.0.113.51" });
    expect(spoofed.status === 429, `a spoofed X-Forwarded-For got ${spoofed.status}`);
    const other = await getFrom("127.0.0.51", `${base}/v/${c.slug}`);
    expect(other.status === 200, `another address got ${other.status}`);
  });
}

await runSuite(main, async () => {
  await browser?.close();
  await studio?.stop();
});
