// The HTML report at 100 000 keys: its size, the time to render it, and whether the page stays usable in a
// real browser (Debian's Chromium): load, find one address, sort by would-drop, open a drill-down.
// Two cases: the engine on the large data set (100 000 keys in one snapshot, 1 % flooding: 1 000 blocked) and
// the renderer's worst case, a model where all 100 000 keys are blocked, each with 16 retained intervals.
//   pnpm bench --only report-html
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { generateParquetLarge, reportOn, sampleModel } from "@ibsr/report/testing";
import { chromium } from "playwright-core";
import type { ReportModel } from "../packages/report/src/model.js";
import { renderHtml } from "../packages/report/src/render/html.js";
import { type BenchRow, summarize } from "./lib/stats.js";

const CHROMIUM = "/usr/bin/chromium";
const KEYS = 100_000;

interface PageTimes {
  loadMs: number;
  findMs: number;
  sortMs: number;
  drillMs: number;
}

/** Times in the page, measured from the test side (each step until its effect is visible). */
async function pageTimes(file: string, dir: string, address: string): Promise<PageTimes> {
  const ctx = await chromium.launchPersistentContext(join(dir, "profile"), {
    executablePath: CHROMIUM,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run"],
    viewport: { width: 1400, height: 1000 },
  });
  try {
    const page = await ctx.newPage();
    const rows = page.locator('table[data-explore="ibsr-data-sources"] tbody tr');
    const until = async (ok: () => Promise<boolean>) => {
      for (let i = 0; i < 2000; i++) {
        if (await ok()) return;
        await new Promise((r) => setTimeout(r, 10));
      }
      throw new Error("the page did not respond within 20 s");
    };
    let t = performance.now();
    await page.goto(`file://${file}`, { waitUntil: "load" });
    await until(async () => (await page.locator(".explore-ctl").count()) > 0);
    const loadMs = performance.now() - t;
    t = performance.now();
    await page.locator("#ibsr-data-sources-q").fill(address);
    await until(async () => (await rows.count()) === 1);
    const findMs = performance.now() - t;
    t = performance.now();
    await rows.first().locator("button.key").click();
    await until(async () => (await page.locator("#drill-live .drill-key").count()) === 1);
    const drillMs = performance.now() - t;
    await page.locator("#ibsr-data-sources-q").fill("");
    await until(async () => (await rows.count()) === 50);
    const head = page.locator('table[data-explore="ibsr-data-sources"] thead th', {
      hasText: "Would drop packets",
    });
    t = performance.now();
    await head.locator("button.sort").click();
    await until(async () => (await head.getAttribute("aria-sort")) === "descending");
    const sortMs = performance.now() - t;
    return { loadMs, findMs, sortMs, drillMs };
  } finally {
    await ctx.close();
  }
}

function rowsFor(label: string, model: ReportModel, dir: string, address: string, runs: number) {
  return async (log: (l: string) => void): Promise<BenchRow[]> => {
    const ms: number[] = [];
    let html = "";
    for (let i = 0; i < runs; i++) {
      const t = performance.now();
      html = renderHtml(model);
      ms.push(performance.now() - t);
    }
    const file = join(dir, `${label.replace(/\W+/g, "-")}.html`);
    writeFileSync(file, html);
    log(`report-html: ${label}: ${(html.length / 1e6).toFixed(1)} MB`);
    const out: BenchRow[] = [
      { suite: "report-html", name: `${label}: HTML size`, unit: "MB", ...summarize([html.length / 1e6]) },
      { suite: "report-html", name: `${label}: render time (renderHtml)`, unit: "ms", ...summarize(ms) },
    ];
    if (existsSync(CHROMIUM)) {
      const p = await pageTimes(file, mkdtempSync(join(dir, "chromium-")), address);
      const note = "headless Chromium, one run, until the effect is visible";
      out.push(
        {
          suite: "report-html",
          name: `${label}: page load until tables are interactive`,
          unit: "ms",
          ...summarize([p.loadMs]),
          note,
        },
        {
          suite: "report-html",
          name: `${label}: find one address`,
          unit: "ms",
          ...summarize([p.findMs]),
          note,
        },
        {
          suite: "report-html",
          name: `${label}: open its drill-down (first: parses the drill data)`,
          unit: "ms",
          ...summarize([p.drillMs]),
          note,
        },
        {
          suite: "report-html",
          name: `${label}: sort all rows by would-drop`,
          unit: "ms",
          ...summarize([p.sortMs]),
          note,
        },
      );
    }
    return out;
  };
}

export async function runReportHtmlBench(
  opts: { quick?: boolean; log?: (l: string) => void } = {},
): Promise<BenchRow[]> {
  const log = opts.log ?? (() => {});
  const keys = opts.quick ? 5_000 : KEYS;
  const runs = opts.quick ? 1 : 3;
  const dir = mkdtempSync(join(tmpdir(), "ibsr-bench-html-"));
  try {
    const data = join(dir, "data");
    generateParquetLarge(data, keys, log);
    const { model } = await reportOn(data);
    // generateParquetLarge floods from every 100th address, starting at 10.0.0.0: pick one in the middle.
    const mid = Math.floor(keys / 200) * 100;
    const engineAddr = `${10 + (mid >>> 24)}.${(mid >>> 16) & 255}.${(mid >>> 8) & 255}.${mid & 255}`;
    const rows = await rowsFor(
      `engine, ${keys} keys (${model.impact.keysBlocked} blocked)`,
      model,
      dir,
      engineAddr,
      runs,
    )(log);
    const worst = sampleModel({ extraSources: keys });
    rows.push(
      ...(await rowsFor(`model, ${keys} blocked keys x 16 intervals`, worst, dir, "198.18.128.7", runs)(log)),
    );
    return rows;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
