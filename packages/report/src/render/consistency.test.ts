// One formatting everywhere: no "(s)" plurals, integers of 1,000 and more with separators, one precision
// per percentage, in the rendered HTML and Markdown of the sample model.
import assert from "node:assert/strict";
import { test } from "node:test";
import { sampleModel } from "../testing/sample-model.js";
import { renderHtml } from "./html.js";
import { renderMarkdown } from "./markdown.js";

/** The text a reader sees: tags, the stylesheet, scripts and data blocks, SVG coordinates, code spans and fenced blocks removed. */
function visibleText(doc: string): string {
  return doc
    .replace(/<style>[\s\S]*?<\/style>/g, " ")
    .replace(/<script[^>]*>[\s\S]*?<\/script>/g, " ")
    .replace(/<meta[^>]*>/g, " ")
    .replace(/<(code|pre)[^>]*>[\s\S]*?<\/\1>/g, " ")
    .replace(/```[\s\S]*?```/g, " ")
    .replace(/`[^`\n]*`/g, " ")
    .replace(/<[^>]+>/g, " ")
    .replace(/&[a-z#0-9]+;/g, " ");
}

/** `ports`: port numbers are identifiers, printed bare like an address. */
function problems(text: string, ports: ReadonlySet<string> = new Set()): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(/\w\(s\)/g))
    out.push(`plural "(s)": ${text.slice(m.index! - 20, m.index! + 10)}`);
  // A bare run of 4+ digits that is not a year in a date, a time, a port after ":" or a decimal's fraction.
  for (const m of text.matchAll(/(?<![\d.,:\-/\w])\d{4,}(?![\d\-:])/g)) {
    const ctx = text.slice(m.index! - 12, m.index! + m[0].length + 6);
    if (/^(19|20)\d\d$/.test(m[0]) && /\d{4}-\d\d/.test(ctx)) continue;
    if (ports.has(m[0])) continue;
    out.push(`unformatted integer ${m[0]}: ${ctx}`);
  }
  for (const m of text.matchAll(/\d+\.\d{2,}%/g)) {
    // Two decimals only below 1 % (formatPct's rule): "0.35%", never "96.00%" or "12.50%".
    if (!m[0].startsWith("0.")) out.push(`pct precision ${m[0]}`);
  }
  return out;
}

test("rendered HTML and Markdown use one number style and real plurals", () => {
  for (const opts of [
    {},
    { extraSources: 2_900 },
    { twoHosts: true, unattributed: true, longKeys: true },
    { fleet: true },
  ]) {
    const m = sampleModel(opts);
    const ports = new Set([...m.scope.dstPorts, ...m.topSources.rows.map((r) => r.dstPort)].map(String));
    assert.deepEqual(problems(visibleText(renderHtml(m)), ports), [], `HTML ${JSON.stringify(opts)}`);
    assert.deepEqual(problems(visibleText(renderMarkdown(m)), ports), [], `Markdown ${JSON.stringify(opts)}`);
  }
});

test("the scan catches each kind of inconsistency (so a pass means something)", () => {
  assert.equal(problems("3 key(s) were hot").length, 1);
  assert.equal(problems("2903 blocked").length, 1);
  assert.equal(problems("96.00% of SYNs").length, 1);
  assert.deepEqual(problems("2,903 blocked, 0.35%, 2026-11-18 10:13:20 UTC, 198.18.0.1:8899, 12.5%"), []);
});
