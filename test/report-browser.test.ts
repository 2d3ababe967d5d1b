// The HTML report in a real browser: Debian's headless Chromium driven by playwright-core (never a
// downloaded browser). Proves what string checks cannot: the page renders with no console error, makes
// no request but its own file, the CSP is enforced, hostile labels stay inert text, and it prints.
// Saves test-artifacts/report.png (and .pdf) for a human look.
import assert from "node:assert/strict";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type TestContext, test } from "node:test";
import { fileURLToPath, pathToFileURL } from "node:url";
import { chromium } from "playwright-core";
import { sampleModel } from "../packages/report/src/render/html/sample-model.js";
import { renderHtml } from "../packages/report/src/render/html.js";

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

test("report.html in headless Chromium: renders, fetches nothing, hostile labels inert, printable", {
  timeout: 180_000,
}, async (t) => {
  if (!requireChromium(t)) return;
  const dir = mkdtempSync(join(tmpdir(), "ibsr-report-browser-"));
  const profile = join(dir, "profile");
  const file = join(dir, "report.html");
  writeFileSync(file, renderHtml(sampleModel({ hostile: INJECT })));
  const url = pathToFileURL(file).href;
  const ctx = await chromium.launchPersistentContext(profile, {
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
    const page = await ctx.newPage();
    const consoleErrors: string[] = [];
    const requests: string[] = [];
    const dialogs: string[] = [];
    const responses: string[] = [];
    const failures: string[] = [];
    page.on("console", (m) => {
      if (m.type() === "error" || m.type() === "warning") consoleErrors.push(`${m.type()}: ${m.text()}`);
    });
    page.on("pageerror", (e) => consoleErrors.push(`pageerror: ${e.message}`));
    page.on("request", (r) => requests.push(r.url()));
    page.on("response", (r) => responses.push(r.url()));
    page.on("requestfailed", (r) => failures.push(`${r.url()} ${r.failure()?.errorText ?? ""}`));
    page.on("dialog", (d) => {
      dialogs.push(d.message());
      void d.dismiss();
    });
    await page.goto(url, { waitUntil: "load" });
    // Give a late onerror handler or lazy fetch time to show itself.
    await page.waitForTimeout(500);

    assert.deepEqual(consoleErrors, [], "no console errors or warnings");
    assert.deepEqual(requests, [url], "the only request is the report file itself");
    assert.deepEqual(dialogs, [], "no injected script ran");
    assert.equal(await page.locator("script").count(), 0, "no <script> element in the DOM");
    assert.equal(await page.locator("img").count(), 0, "no <img> element in the DOM");

    // Verdict first and visible.
    const verdict = page.locator("section#verdict");
    assert.ok(await verdict.isVisible());
    assert.equal((await verdict.locator(".label").textContent())?.trim(), "NOT READY");
    const firstSection = await page.locator("section").first().getAttribute("id");
    assert.equal(firstSection, "verdict");

    // Charts and tables render with real size.
    const svgs = page.locator("svg.chart");
    assert.equal(await svgs.count(), 8);
    for (let i = 0; i < (await svgs.count()); i++) {
      const box = await svgs.nth(i).boundingBox();
      assert.ok(box && box.width > 100 && box.height > 20, `chart ${i} has a size: ${JSON.stringify(box)}`);
    }
    assert.ok((await page.locator("table").count()) >= 8);
    assert.ok(await page.locator("#sources table").first().isVisible());

    // Hostile labels are shown as text, in the header, the tables and a chart label.
    const meta = await page.locator("header.top .meta").textContent();
    assert.ok(meta?.includes(`edge-1${INJECT}`), `host label shown as text: ${meta}`);
    const cell = page.locator("#sources td.src", { hasText: "198.18.0.66" }).first();
    assert.equal(await cell.textContent(), `198.18.0.66${INJECT}:8899`);
    const barLabel = await page.locator("#sources svg text", { hasText: "198.18.0.66" }).textContent();
    assert.ok(barLabel?.startsWith("198.18.0.66<script>"), `bar label as text: ${barLabel}`);

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
    assert.deepEqual(failures, ["http://198.18.0.1/pixel.png csp"]);
    assert.deepEqual(responses, [url], "no response but the file's own");

    mkdirSync(ARTIFACTS, { recursive: true });
    await page.evaluate(`for (const img of document.querySelectorAll("img")) img.remove()`);
    await page.screenshot({ path: join(ARTIFACTS, "report.png"), fullPage: true });
    // Printable: the print stylesheet lays the report out on pages without error.
    await page.emulateMedia({ media: "print" });
    const pdf = await page.pdf({ format: "A4", printBackground: true });
    assert.ok(pdf.length > 10_000, `pdf of ${pdf.length} bytes`);
    writeFileSync(join(ARTIFACTS, "report.pdf"), pdf);
  } finally {
    await ctx.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
