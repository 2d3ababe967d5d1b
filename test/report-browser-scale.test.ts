// The HTML report at scale in a real browser (Debian's headless Chromium via playwright-core): a report of
// more than 5 000 keys from generated Parquet through the real engine. An operator's questions, asked in the
// page: is this address affected (find), which source is worst (sort), what did a block do to it
// (drill-down); and without JavaScript the verdict and top rows are still there. The page makes no request,
// logs no error, and runs only the script its CSP names by hash. Screenshots at 1400 and 390 px wide go to
// test-artifacts/.
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type TestContext, test } from "node:test";
import { fileURLToPath, pathToFileURL } from "node:url";
import { steady, type Traffic, writeParquetRun } from "@ibsr/report/testing";
import { type BrowserContext, chromium, type Locator, type Page } from "playwright-core";
import { EMPTY_ALLOWLIST } from "../packages/report/src/allowlist.js";
import { DEFAULT_CONFIG } from "../packages/report/src/config.js";
import { formatInt } from "../packages/report/src/render/format.js";
import { generateReport } from "../packages/report/src/report.js";

const CHROMIUM = "/usr/bin/chromium";
const ARTIFACTS = fileURLToPath(new URL("../test-artifacts/", import.meta.url));
const HEALTHY = 5200;
const ATTACKERS = 300;
/** A blocked key well below the top 50 by would-drop: found only by searching. */
const TARGET = "198.19.0.150";

function requireChromium(t: TestContext): boolean {
  if (existsSync(CHROMIUM)) return true;
  const why = `${CHROMIUM} not found (apt-get install chromium); the browser test needs Debian's Chromium`;
  if (process.env.CI === "true") throw new Error(`browser test cannot run in CI: ${why}`);
  t.skip(why);
  return false;
}

async function launch(dir: string, name: string, javaScriptEnabled: boolean): Promise<BrowserContext> {
  return chromium.launchPersistentContext(join(dir, `profile-${name}`), {
    executablePath: CHROMIUM,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--no-first-run",
      "--disable-background-networking",
    ],
    viewport: { width: 1400, height: 1000 },
    javaScriptEnabled,
  });
}

interface Watch {
  errors: string[];
  requests: string[];
}

async function open(ctx: BrowserContext, file: string): Promise<{ page: Page; url: string; w: Watch }> {
  const page = await ctx.newPage();
  const url = pathToFileURL(file).href;
  const w: Watch = { errors: [], requests: [] };
  page.on("console", (m) => {
    if (m.type() === "error" || m.type() === "warning") w.errors.push(`${m.type()}: ${m.text()}`);
  });
  page.on("pageerror", (e) => w.errors.push(`pageerror: ${e.message}`));
  page.on("request", (r) => w.requests.push(r.url()));
  await page.goto(url, { waitUntil: "load" });
  return { page, url, w };
}

/**
 * Polls until the table shows `n` rows (the filter is debounced). Not page.waitForFunction: that evaluates a
 * string in the page, which this page's CSP (rightly) refuses.
 */
async function waitRows(rows: Locator, n: number): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if ((await rows.count()) === n) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  assert.equal(await rows.count(), n, "rows shown");
}

/** 5 200 healthy IPv4 clients, 300 flooding sources of growing size (IPv4 and IPv6 /64), 12 snapshots. */
function writeSnapshots(dir: string): void {
  const base = 1_795_000_000;
  writeParquetRun(dir, {
    host: "edge-scale",
    baseTs: base,
    intervalSec: 60,
    snapshots: steady(base, 60, 12, (i) => {
      const out: Traffic[] = [];
      for (let k = 0; k < HEALTHY; k++)
        out.push({
          src: `198.18.${k >> 8}.${k & 255}`,
          port: 443,
          syn: 2,
          handshake_ack: 2,
          ack: 20,
          packets: 24,
          bytes: 2400,
        });
      if (i >= 4 && i < 8)
        for (let a = 0; a < ATTACKERS; a++) {
          const syn = 6000 + 100 * a;
          const src = a % 10 === 9 ? `2001:2:0:${a.toString(16)}::/64` : `198.19.${a >> 8}.${a & 255}`;
          out.push({ src, port: 8899, syn, packets: syn, bytes: syn * 60 });
        }
      return out;
    }),
  });
}

test("report.html with more than 5 000 keys: find, sort, drill-down, no script needed for the top", {
  timeout: 300_000,
}, async (t) => {
  if (!requireChromium(t)) return;
  const dir = mkdtempSync(join(tmpdir(), "ibsr-browser-scale-"));
  try {
    const snaps = join(dir, "snapshots");
    writeSnapshots(snaps);
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
      formats: ["html"],
    });
    const m = result.model;
    assert.ok(m.impact.keysObserved >= 5000, `${m.impact.keysObserved} keys`);
    const blocked = m.explorer.sources.filter((s) => s.decision === "block");
    assert.equal(blocked.length, ATTACKERS, "every attacker blocked, every one in the explorer");
    const target = blocked.find((s) => s.src === TARGET);
    assert.ok(target, "the target key is blocked");
    assert.ok(blocked.indexOf(target) >= 50, "the target is not among the server-rendered top 50");
    const targetDrill = m.explorer.drill.find((d) => d.display === target.display);
    assert.ok(targetDrill && targetDrill.blocks.length >= 1, "the target has block windows");
    // Each block window names its enforcer as host/interface, as an operator reads it.
    const run0 = m.scope.runs[0]!;
    assert.deepEqual([...new Set(targetDrill.blocks.map((b) => b.enforcer))], [`${run0.host}/${run0.iface}`]);
    // Episodes by impact: the first has the most packets.
    const eps = m.explorer.episodes;
    assert.ok(
      eps.every((e, i) => i === 0 || eps[i - 1]!.totals.packets >= e.totals.packets),
      "by impact",
    );
    const file = join(out, "report.html");

    // ---- with JavaScript
    const ctx = await launch(dir, "js", true);
    try {
      const { page, url, w } = await open(ctx, file);
      const csp =
        (await page.locator('meta[http-equiv="Content-Security-Policy"]').getAttribute("content")) ?? "";
      assert.match(csp, /^default-src 'none';/);
      assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval|https?:|\*/);
      const code = await page.locator("script:not([type])").textContent();
      const hash = createHash("sha256")
        .update(code ?? "")
        .digest("base64");
      assert.ok(csp.includes(`script-src 'sha256-${hash}'`), "the page's script is allowed by its own hash");
      assert.equal(await page.locator("script").count(), 6, "5 JSON data blocks and the one script");

      // Find: the target's address finds its row (and only it).
      const q = page.locator("#ibsr-data-sources-q");
      const rows = page.locator('table[data-explore="ibsr-data-sources"] tbody tr');
      await q.fill(TARGET);
      await waitRows(rows, 1);
      assert.equal(await rows.count(), 1);
      assert.equal(await rows.first().locator("td.src").textContent(), target.display);
      // An IPv6 CIDR finds the /64 keys inside it.
      await q.fill("2001:2::/48");
      await waitRows(rows, 30);
      await q.fill(TARGET);
      await waitRows(rows, 1);

      // Drill-down of the target: its block windows, drawn and listed.
      await rows.first().locator("button.key").click();
      const live = page.locator("#drill-live");
      await live.waitFor({ state: "visible" });
      assert.equal(await live.locator(".drill-key").getAttribute("data-key"), target.display);
      assert.equal(await live.locator("table.blk-windows tbody tr").count(), targetDrill.blocks.length);
      assert.equal(
        (await live.locator("table.blk-windows tbody tr td").first().textContent())?.trim(),
        `${run0.host}/${run0.iface}`,
      );
      assert.equal(await live.locator("svg.drill-chart rect.blk").count(), targetDrill.blocks.length);
      assert.ok((await live.locator("svg.drill-chart rect.drop").count()) >= 1, "would-drop drawn");
      assert.match((await live.textContent()) ?? "", /attack-like and .* probably legitimate/);

      // Sort by would-drop: the largest first.
      await q.fill("");
      await waitRows(rows, 50);
      const head = page.locator('table[data-explore="ibsr-data-sources"] thead th', {
        hasText: "Would drop packets",
      });
      await head.locator("button.sort").click();
      assert.equal(await head.getAttribute("aria-sort"), "descending");
      const max = blocked.map((s) => s.wouldDrop.packets).sort((a, b) => (a < b ? 1 : a > b ? -1 : 0))[0]!;
      const labels = await page.locator('table[data-explore="ibsr-data-sources"] thead th').allTextContents();
      const col = labels.indexOf("Would drop packets");
      assert.ok(col > 0, labels.join("|"));
      const firstCell = rows.first().locator("td").nth(col);
      assert.equal(await firstCell.textContent(), formatInt(max));
      // Clicking again reverses; the page counter shows every row.
      await head.locator("button.sort").click();
      assert.equal(await head.getAttribute("aria-sort"), "ascending");
      assert.match(
        (await page.locator(".explore-ctl .count").first().textContent()) ?? "",
        new RegExp(`of ${m.explorer.sources.length} rows`),
      );

      mkdirSync(ARTIFACTS, { recursive: true });
      await page.screenshot({ path: join(ARTIFACTS, "report-scale-1400.png"), fullPage: false });
      await live.screenshot({ path: join(ARTIFACTS, "report-scale-drill-1400.png") });
      // Phone width: tables scroll inside their own container, never wider than the screen.
      await page.setViewportSize({ width: 390, height: 844 });
      await page.waitForTimeout(200);
      const widths = (await page.evaluate(
        `[...document.querySelectorAll("table.explore")].map((t) => t.parentElement.getBoundingClientRect().width)`,
      )) as number[];
      assert.ok(
        widths.length >= 2 && widths.every((x) => x <= 390),
        `table containers: ${widths.join(", ")}`,
      );
      // The would-drop column is readable on a phone without scrolling the table sideways.
      const wd = (await page.evaluate(`(() => {
        const t = document.querySelector('table[data-explore="ibsr-data-sources"]');
        const box = t.parentElement;
        box.scrollLeft = 0;
        const th = [...t.querySelectorAll("thead th")].find((h) => h.textContent.includes("Would drop packets"));
        return { right: th.getBoundingClientRect().right - box.getBoundingClientRect().left, width: box.clientWidth };
      })()`)) as { right: number; width: number };
      assert.ok(wd.right <= wd.width, `would-drop column ends at ${wd.right} px of ${wd.width}`);
      await page.screenshot({ path: join(ARTIFACTS, "report-scale-390.png"), fullPage: false });
      await page.locator("#sources").screenshot({ path: join(ARTIFACTS, "report-scale-sources-390.png") });

      assert.deepEqual(w.errors, [], "no console error or warning");
      assert.deepEqual(w.requests, [url], "the only request is the file itself");
    } finally {
      await ctx.close();
    }

    // ---- without JavaScript: the verdict and the top rows are in the markup.
    const off = await launch(dir, "nojs", false);
    try {
      const { page, url, w } = await open(off, file);
      assert.equal((await page.locator("section#verdict .label").textContent())?.trim(), m.verdict.label);
      const rows = page.locator('table[data-explore="ibsr-data-sources"] tbody tr');
      assert.equal(await rows.count(), 50);
      assert.equal(await rows.first().locator("td.src").textContent(), blocked[0]!.display);
      assert.match(
        (await page.locator('table[data-explore="ibsr-data-sources"] caption').textContent()) ?? "",
        /the first 50 of/,
      );
      assert.equal(
        await page.locator(".drill .drill-key").count(),
        3,
        "the top drill-downs, server-rendered",
      );
      assert.ok(await page.locator(".drill .drill-key svg rect.blk").first().isVisible());
      assert.equal(await page.locator(".explore-ctl").count(), 0, "no controls without the script");
      assert.deepEqual(w.errors, []);
      assert.deepEqual(w.requests, [url]);
      await page.screenshot({ path: join(ARTIFACTS, "report-scale-nojs-1400.png"), fullPage: false });
    } finally {
      await off.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
