// The candidate rules printed (real headless Chromium, print media): the enforceable and held-back tables
// are laid out, and the rules.json block, collapsed on screen, is open on paper (not a lone title).
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { pathToFileURL } from "node:url";
import { sampleModel } from "@ibsr/report/testing";
import { chromium } from "playwright-core";
import { renderHtml } from "../packages/report/src/render/html.js";

const CHROMIUM = "/usr/bin/chromium";

test("printed, the candidate rules are tables and the rules.json block is open", async (t) => {
  if (!existsSync(CHROMIUM)) {
    const why = `${CHROMIUM} not found (apt-get install chromium)`;
    if (process.env.CI === "true") throw new Error(`browser test cannot run in CI: ${why}`);
    t.skip(why);
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), "ibsr-print-rules-"));
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--headless", "--no-sandbox"] });
  try {
    const file = join(dir, "report.html");
    writeFileSync(file, renderHtml(sampleModel()));
    const page = await browser.newPage();
    await page.goto(pathToFileURL(file).href);
    const height = (sel: string) => page.locator(sel).evaluate((e) => e.getBoundingClientRect().height);
    assert.equal(await height("#rules details.rules-json pre"), 0, "collapsed on screen");
    await page.emulateMedia({ media: "print" });
    assert.ok((await height("#rules details.rules-json pre")) > 20, "open when printed");
    assert.ok((await height("#rules table:has(caption:text('Enforceable triggers')) tbody")) > 20);
    assert.ok((await height("#rules table:has(caption:text('Held back')) tbody")) > 10);
  } finally {
    await browser.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
