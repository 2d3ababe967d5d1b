// The HTML report in a real browser: Debian's headless Chromium driven by playwright-core (never a
// downloaded browser). Proves what string checks cannot: the page renders with no console error, makes
// no request but its own file, the CSP is enforced, hostile labels stay inert text, and it prints.
// Two reports: one from generated Parquet snapshots through the real engine (saved as
// test-artifacts/report.png and .pdf), one from a hand-built model with hostile text in every kind of
// field (test-artifacts/report-sample.png).
import assert from "node:assert/strict";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type TestContext, test } from "node:test";
import { fileURLToPath, pathToFileURL } from "node:url";
import { sampleModel, steady, type Traffic, writeParquetRun } from "@ibsr/report/testing";
import { type BrowserContext, chromium, type Page } from "playwright-core";
import { EMPTY_ALLOWLIST } from "../packages/report/src/allowlist.js";
import { DEFAULT_CONFIG } from "../packages/report/src/config.js";
import { renderHtml } from "../packages/report/src/render/html.js";
import { generateReport } from "../packages/report/src/report.js";

const CHROMIUM = "/usr/bin/chromium";
const ARTIFACTS = fileURLToPath(new URL("../test-artifacts/", import.meta.url));
const INJECT = `<script>alert(1)</script>"><img src=x onerror=alert(2)>`;

function requireChromium(t: TestContext): boolean {
  if (existsSync(CHROMIUM)) return true;
  const why = `${CHROMIUM} not found (apt-get install chromium); the browser test needs Debian's Chromium`;
  if (process.env.CI === "true") throw new Error(`browser test cannot run in CI: ${why}`);
  t.skip(why);
  return false;
}

async function withBrowser(fn: (ctx: BrowserContext, dir: string) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "ibsr-report-browser-"));
  // A fresh profile every time: no cache, no state from an earlier run.
  const ctx = await chromium.launchPersistentContext(join(dir, "profile"), {
    executablePath: CHROMIUM,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
    viewport: { width: 1200, height: 900 },
  });
  try {
    await fn(ctx, dir);
  } finally {
    await ctx.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

interface Watch {
  consoleErrors: string[];
  requests: string[];
  responses: string[];
  failures: string[];
  dialogs: string[];
}

/** Opens the file and records everything the page does that it should not. */
async function open(ctx: BrowserContext, file: string): Promise<{ page: Page; url: string; w: Watch }> {
  const page = await ctx.newPage();
  const url = pathToFileURL(file).href;
  const w: Watch = { consoleErrors: [], requests: [], responses: [], failures: [], dialogs: [] };
  page.on("console", (m) => {
    if (m.type() === "error" || m.type() === "warning") w.consoleErrors.push(`${m.type()}: ${m.text()}`);
  });
  page.on("pageerror", (e) => w.consoleErrors.push(`pageerror: ${e.message}`));
  page.on("request", (r) => w.requests.push(r.url()));
  page.on("response", (r) => w.responses.push(r.url()));
  page.on("requestfailed", (r) => w.failures.push(`${r.url()} ${r.failure()?.errorText ?? ""}`));
  page.on("dialog", (d) => {
    w.dialogs.push(d.message());
    void d.dismiss();
  });
  await page.goto(url, { waitUntil: "load" });
  // Give a late onerror handler or a lazy fetch time to show itself.
  await page.waitForTimeout(500);
  return { page, url, w };
}

/** What every report must satisfy in the browser. */
async function assertInertAndComplete(page: Page, url: string, w: Watch, label: string, minCharts: number) {
  assert.deepEqual(w.consoleErrors, [], "no console errors or warnings");
  assert.deepEqual(w.requests, [url], "the only request is the report file itself");
  assert.deepEqual(w.dialogs, [], "no injected script ran");
  // Only the report's own: five JSON data blocks (never executed) and the one script the CSP names by hash.
  assert.equal(await page.locator('script[type="application/json"]').count(), 5, "the data blocks");
  assert.equal(await page.locator("script:not([type])").count(), 1, "one executable script");
  assert.equal(await page.locator("script[src]").count(), 0, "no script from anywhere");
  assert.equal(await page.locator("img").count(), 0, "no <img> element in the DOM");

  assert.equal(await page.locator("section").first().getAttribute("id"), "verdict", "verdict first");
  const verdict = page.locator("section#verdict");
  assert.ok(await verdict.isVisible());
  assert.equal((await verdict.locator(".label").textContent())?.trim(), label);

  const svgs = page.locator("svg.chart");
  const n = await svgs.count();
  assert.ok(n >= minCharts, `${n} charts, expected at least ${minCharts}`);
  for (let i = 0; i < n; i++) {
    const box = await svgs.nth(i).boundingBox();
    assert.ok(box && box.width > 100 && box.height > 20, `chart ${i} has a size: ${JSON.stringify(box)}`);
  }
  assert.ok((await page.locator("table").count()) >= 6, "tables rendered");
  assert.ok(await page.locator("#sources table").first().isVisible(), "top sources table visible");
}

test("report.html from generated snapshots through the engine, in headless Chromium", {
  timeout: 180_000,
}, async (t) => {
  if (!requireChromium(t)) return;
  await withBrowser(async (ctx, dir) => {
    // An hour of a monitored port: two healthy clients, a SYN flood from one IPv4 source and a short
    // one from an IPv6 /64, on a host whose name tries to inject markup.
    const host = `edge-1${INJECT}`;
    const base = 1_795_000_000;
    const snaps = join(dir, "snapshots");
    writeParquetRun(snaps, {
      host,
      baseTs: base,
      intervalSec: 60,
      snapshots: steady(base, 60, 60, (i) => {
        const traffic: Traffic[] = [
          {
            src: "198.18.0.1",
            port: 8899,
            syn: 600,
            handshake_ack: 590,
            ack: 6000,
            packets: 7000,
            bytes: 700_000,
          },
          {
            src: "198.18.0.2",
            port: 8899,
            syn: 60,
            handshake_ack: 60,
            ack: 600,
            packets: 700,
            bytes: 70_000,
          },
        ];
        if (i >= 20 && i < 26)
          traffic.push({ src: "198.18.7.7", port: 8899, syn: 30_000, packets: 30_000, bytes: 1_800_000 });
        if (i >= 30 && i < 33)
          traffic.push({
            src: "2001:2:0:1::/64",
            port: 8899,
            syn: 12_000,
            handshake_ack: 10,
            packets: 12_000,
            bytes: 720_000,
          });
        return traffic;
      }),
    });
    // The real pipeline: engine, renderers and the atomic output directory, as `ibsr-report` runs it.
    const out = join(dir, "out");
    const { result } = await generateReport({
      inputs: [snaps],
      cfg: { ...DEFAULT_CONFIG },
      allowlist: EMPTY_ALLOWLIST,
      since: null,
      until: null,
      now: null,
      host: null,
      ports: null,
      outDir: out,
      formats: ["html", "md"],
    });
    const model = result.model;
    assert.ok(
      model.topSources.rows.some((r) => r.src === "198.18.7.7"),
      "the engine found the flood",
    );
    assert.ok(model.rules.total >= 1, "candidate rules were built");
    const file = join(out, "report.html");
    const { page, url, w } = await open(ctx, file);
    await assertInertAndComplete(page, url, w, model.verdict.label, 5);
    const meta = await page.locator("header.top .meta").textContent();
    assert.ok(meta?.startsWith(host), `host label shown as text: ${meta}`);
    assert.ok(await page.locator("#sources td.src", { hasText: "198.18.7.7:8899" }).first().isVisible());
    assert.ok(
      await page.locator("#rules td.src", { hasText: "198.18.7.7" }).first().isVisible(),
      "rules listed",
    );

    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: join(ARTIFACTS, "report.png"), fullPage: true });
    // Printable: the print stylesheet lays the report out on pages without error.
    await page.emulateMedia({ media: "print" });
    const pdf = await page.pdf({ format: "A4", printBackground: true });
    assert.ok(pdf.length > 10_000, `pdf of ${pdf.length} bytes`);
    writeFileSync(join(ARTIFACTS, "report.pdf"), pdf);
    assert.deepEqual(w.consoleErrors, [], "printing logged nothing either");
  });
});

test("report.html with hostile labels in every field: inert text, CSP enforced", {
  timeout: 180_000,
}, async (t) => {
  if (!requireChromium(t)) return;
  await withBrowser(async (ctx, dir) => {
    const file = join(dir, "report.html");
    writeFileSync(file, renderHtml(sampleModel({ hostile: INJECT })));
    const { page, url, w } = await open(ctx, file);
    await assertInertAndComplete(page, url, w, "NOT READY", 8);

    // Hostile labels are shown as text: in the header, a table cell and a chart label.
    const meta = await page.locator("header.top .meta").textContent();
    assert.ok(meta?.includes(`edge-1${INJECT}`), `host label shown as text: ${meta}`);
    const cell = page.locator("#sources td.src", { hasText: "198.18.0.66" }).first();
    assert.equal(await cell.textContent(), `198.18.0.66${INJECT}:8899`);
    const barLabel = await page.locator("#sources svg text", { hasText: "198.18.0.66" }).textContent();
    // Long labels give way in the middle (the port stays whole): both ends show the hostile text as text.
    assert.ok(
      barLabel?.startsWith("198.18.0.66") && barLabel.endsWith("alert(2)>:8899"),
      `bar label as text: ${barLabel}`,
    );
    assert.match((await page.locator(".banner").textContent()) ?? "", /SYNTHETIC DATA/);

    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: join(ARTIFACTS, "report-sample.png"), fullPage: true });

    // The CSP is enforced, not just present: an image added later is refused before any request.
    // Page-side code as text: the test project is typed without the DOM library.
    const violated = await page.evaluate(`new Promise((resolve) => {
      document.addEventListener("securitypolicyviolation", (e) => resolve(e.effectiveDirective));
      const img = document.createElement("img");
      img.src = "http://198.18.0.1/pixel.png";
      document.body.append(img);
      setTimeout(() => resolve("no violation"), 3000);
    })`);
    assert.equal(violated, "img-src");
    await page.waitForTimeout(200);
    // Chromium reports the attempt as a request that failed with reason "csp": nothing left the page.
    assert.deepEqual(w.failures, ["http://198.18.0.1/pixel.png csp"]);
    assert.deepEqual(w.responses, [url], "no response but the file's own");
  });
});

test("report.html on a 390 px phone: no sideways page scroll, verdict and reasons readable, charts legible; print CSS applies", {
  timeout: 120_000,
}, async (t) => {
  if (!requireChromium(t)) return;
  await withBrowser(async (ctx, dir) => {
    const file = join(dir, "phone.html");
    writeFileSync(
      file,
      renderHtml(sampleModel({ extraSources: 300, longKeys: true, fleet: true, unattributed: true })),
    );
    const { page, url, w } = await open(ctx, file);
    await page.setViewportSize({ width: 390, height: 844 });
    await page.waitForTimeout(200);
    assert.deepEqual(w.requests, [url]);
    // Page code as strings: the tests compile without the DOM library (and tsx's helpers do not exist there).
    const widths = await page.evaluate<{ page: number; nav: number[] }>(`({
      page: document.scrollingElement.scrollWidth,
      nav: [document.querySelector("nav.toc").scrollWidth, document.querySelector("nav.toc").clientWidth],
    })`);
    assert.ok(widths.page <= 392, `the page scrolls sideways: scrollWidth ${widths.page}`);
    assert.ok(widths.nav[0]! <= widths.nav[1]!, `the section menu does not wrap: ${widths.nav}`);
    for (const sel of [
      "section#verdict .label",
      "section#verdict .headline",
      "ol.reasons li",
      "table.checks",
    ]) {
      const el = page.locator(sel).first();
      assert.ok(await el.isVisible(), `${sel} visible`);
      const box = (await el.boundingBox())!;
      assert.ok(box.x >= 0 && box.x + box.width <= 390, `${sel} inside the screen: ${JSON.stringify(box)}`);
    }
    const fonts = await page.evaluate<
      number[]
    >(`[...document.querySelectorAll("figure.chart svg.timeseries")].map(
      (svg) => (10 * svg.getBoundingClientRect().width) / svg.viewBox.baseVal.width)`);
    assert.ok(fonts.length >= 4);
    for (const f of fonts) assert.ok(f >= 8, `chart tick text is ${f.toFixed(1)} px on a phone`);
    const keyCells = await page.evaluate<string[]>(`[...document.querySelectorAll("td.src")]
      .filter((td) => td.textContent.includes("2001:2:ffff"))
      .map((td) => getComputedStyle(td).whiteSpace)`);
    for (const ws of keyCells) assert.equal(ws, "nowrap");
    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: join(ARTIFACTS, "report-390.png"), fullPage: false });

    await page.emulateMedia({ media: "print" });
    const print = await page.evaluate<Record<string, string>>(`({
      thead: getComputedStyle(document.querySelector("thead")).display,
      h2: getComputedStyle(document.querySelector("h2")).breakAfter,
      h3: getComputedStyle(document.querySelector("h3")).breakAfter,
      figure: getComputedStyle(document.querySelector("figure.chart")).breakInside,
      tr: getComputedStyle(document.querySelector("tr")).breakInside,
    })`);
    assert.deepEqual(print, {
      thead: "table-header-group",
      h2: "avoid",
      h3: "avoid",
      figure: "avoid",
      tr: "avoid",
    });
  });
});
