import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { test } from "node:test";
import { sampleModel } from "../testing/sample-model.js";
import { checkXml } from "./charts/xml-check.js";
import { dataBlockJson } from "./html/explore/data.js";
import { SCRIPT, SCRIPT_HASH } from "./html/explore/script.js";
import { CSP, renderHtml } from "./html.js";
import { renderMarkdown } from "./markdown.js";

const EVIL = `<script>alert(1)</script>"><img src=x onerror=alert(2)>`;
const DATA_IDS = [
  "ibsr-data-sources",
  "ibsr-data-episodes",
  "ibsr-data-v4",
  "ibsr-data-v6",
  "ibsr-data-drill",
];

/** The page's data blocks by id, parsed back, and the inline script's text. */
function pageScripts(html: string): { data: Map<string, unknown>; scripts: string[] } {
  const data = new Map<string, unknown>();
  const scripts: string[] = [];
  for (const m of html.matchAll(/<script( type="application\/json" id="([^"]+)")?>([\s\S]*?)<\/script>/g)) {
    if (m[1]) data.set(m[2]!, JSON.parse(m[3]!));
    else scripts.push(m[3]!);
  }
  return { data, scripts };
}

/** The page without its own data blocks and inline script (each checked to be exactly ours). */
function withoutOwnScripts(html: string): string {
  const { data, scripts } = pageScripts(html);
  assert.deepEqual([...data.keys()], DATA_IDS, "the data blocks, in order");
  assert.deepEqual(scripts, [SCRIPT], "one inline script: the explore script");
  return html.replace(/<script( type="application\/json" id="[^"]+")?>[\s\S]*?<\/script>/g, "");
}

test("html: self-contained, CSP forbids every fetch, the stylesheet is allowed by its hash only", () => {
  const html = renderHtml(sampleModel());
  assert.ok(html.startsWith("<!DOCTYPE html>"));
  const meta = /<meta http-equiv="Content-Security-Policy" content="([^"]+)">/.exec(html);
  assert.ok(meta, "CSP meta present");
  const csp = meta[1]!.replace(/&#x27;/g, "'").replace(/&#x3D;/g, "=");
  assert.equal(csp, CSP);
  assert.match(csp, /^default-src 'none';/);
  assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval|https?:/);
  const style = /<style>([\s\S]*?)<\/style>/.exec(html)![1]!;
  assert.ok(csp.includes(`'sha256-${createHash("sha256").update(style).digest("base64")}'`));
  const script = pageScripts(html).scripts[0]!;
  assert.ok(csp.includes(`script-src '${SCRIPT_HASH}'`));
  assert.ok(
    csp.includes(`'sha256-${createHash("sha256").update(script).digest("base64")}'`),
    "hash of the text in the page",
  );
  assert.doesNotMatch(
    script,
    /\beval\(|new Function|innerHTML|outerHTML|insertAdjacentHTML|document\.write|fetch\(|XMLHttpRequest|WebSocket|import\(/,
  );
  assert.doesNotMatch(withoutOwnScripts(html), /<script|<link|<img|<iframe|@import|url\(/i);
  assert.doesNotMatch(html, / style="/, "no style attributes: the CSP would block them");
  for (const m of html.matchAll(/ (?:href|src)="([^"]*)"/g))
    assert.match(m[1]!, /^#/, `only in-page links: ${m[1]}`);
});

test("html: sections in order, verdict first, every chart well-formed", () => {
  const html = renderHtml(sampleModel());
  const ids = [...html.matchAll(/<section id="([a-z]+)"/g)].map((m) => m[1]);
  assert.deepEqual(ids, [
    "verdict",
    "scope",
    "traffic",
    "sources",
    "fp",
    "allowlist",
    "ports",
    "sensitivity",
    "rollups",
    "blocks",
    "rules",
  ]);
  const svgs = html.match(/<svg[\s\S]*?<\/svg>/g) ?? [];
  assert.equal(
    svgs.length,
    11,
    "3 traffic charts, bar chart, 3 drill-downs, distinct sources, 2 port sparklines, active blocks",
  );
  for (const svg of svgs) checkXml(svg);
  assert.match(html, /<div class="label">NOT READY<\/div>/);
  assert.match(html, /41\.7% of SYNs/);
  assert.match(html, /SYNTHETIC DATA/);
});

test("html: verdict outcomes and the synthetic banner follow the model", () => {
  const ready = renderHtml(sampleModel({ outcome: "READY", synthetic: false }));
  assert.match(ready, /class="verdict ready"/);
  assert.match(ready, /<div class="label">READY<\/div>/);
  assert.doesNotMatch(ready, /SYNTHETIC DATA/);
  assert.doesNotMatch(ready, /<h3>Reasons<\/h3>/);
  const nothing = renderHtml(sampleModel({ outcome: "NOTHING_TO_ENFORCE" }));
  assert.match(nothing, /<div class="label">NOTHING TO ENFORCE<\/div>/);
});

test("html: hostile labels are escaped everywhere", () => {
  const html = renderHtml(sampleModel({ hostile: EVIL }));
  assert.doesNotMatch(withoutOwnScripts(html), /<script|<img/i);
  assert.ok(html.includes("&lt;script&gt;alert(1)&lt;/script&gt;"));
  // Attribute context: the hostile quote cannot close an attribute.
  assert.doesNotMatch(html, /"><img/);
});

test("html: 100 000 sources stay readable (top-N tables, bounded size) and rendering is deterministic", () => {
  const model = sampleModel({ extraSources: 100_000, intervals: 1440 });
  const html = renderHtml(model);
  // 100 005 hot keys in the model: 50 rendered as rows, every one in the sources data block.
  const sourceRows = html
    .slice(html.indexOf('id="sources"'), html.indexOf('id="drill-h"'))
    .match(/<tr><td class="src">/g);
  assert.equal(sourceRows?.length, 50);
  assert.match(html, /the first 50 of 100,005 \(all are in this page/);
  const rows = (pageScripts(html).data.get("ibsr-data-sources") as { data: { rows: unknown[][] } }).data.rows;
  assert.equal(rows.length, 100_005);
  // Compact: a row of the sources block and a retained interval of a drill-down cost a few dozen bytes.
  const dataBytes = (id: string) => JSON.stringify(pageScripts(html).data.get(id)).length;
  assert.ok(dataBytes("ibsr-data-sources") / 100_005 < 130, "bytes per source row");
  assert.ok(dataBytes("ibsr-data-drill") / (100_005 * 16) < 32, "bytes per retained interval");
  // Render time is a benchmark (pnpm bench --only report-html, BENCHMARKS.md), not a test assertion.
  assert.equal(renderHtml(model), html, "same model, same bytes");
});

test("html and markdown: an empty window renders (no intervals, no sources, no ports, no allowlist)", () => {
  const m = sampleModel({ outcome: "NOTHING_TO_ENFORCE" });
  m.series.points = [];
  m.topSources = { rows: [], total: 0, leftOut: 0 };
  m.episodes = { rows: [], total: 0, leftOut: 0 };
  m.singleIntervalKeys = { rows: [], total: 0, leftOut: 0 };
  m.ports = [];
  m.fp = { ...m.fp, computed: false, valuePct: null, reason: "no key was observed", healthyBlockedKeys: [] };
  m.allowlist = { ...m.allowlist, configured: false, path: null, top: [], entryTexts: [] };
  m.rollups = { v4: [], v4Total: 0, v4LeftOut: 0, v6: [], v6Total: 0, v6LeftOut: 0 };
  m.rules = { ...m.rules, triggers: [], total: 0, exceptions: [] };
  m.scope = { ...m.scope, start: null, end: null, runs: [], hosts: [] };
  m.explorer = { sources: [], episodes: [], rollupsV4: [], rollupsV6: [], drill: [] };
  m.impact = { ...m.impact, peakConcurrentAt: null };
  const html = renderHtml(m);
  assert.match(html, /<div class="label">NOTHING TO ENFORCE<\/div>/);
  assert.match(html, /No intervals in the analysed window\./);
  assert.match(html, /No source was hot in any interval/);
  assert.match(html, /No allowlist configured/);
  assert.match(html, /<strong>Unknown\.<\/strong> no key was observed/);
  assert.equal((html.match(/<svg/g) ?? []).length, 0, "no chart without intervals");
  const md = renderMarkdown(m);
  assert.match(md, /No source matched the trigger conditions/);
  assert.match(md, /- \*\*Allowlist\*\*: None configured/);
  assert.match(md, /- \*\*Time window start\*\*: —/);
});

/** Appends hostile text to every free-text string of the model (enums left alone: they drive logic). */
function poison<T>(value: T, key = ""): T {
  const ENUMS = new Set([
    "outcome",
    "abuseClass",
    "abuse_class",
    "kind",
    "decision",
    "format",
    "profile",
    "code",
    "keyType",
    "gatingMeasure",
    "iso",
  ]);
  if (typeof value === "string") return (ENUMS.has(key) ? value : `${value}${EVIL}`) as T;
  if (Array.isArray(value)) return value.map((v) => poison(v, key)) as T;
  if (value && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = poison(v, k);
    return out as T;
  }
  return value;
}

test("html and markdown: hostile text in every string field of the model stays inert", () => {
  const html = renderHtml(poison(sampleModel()));
  const body = withoutOwnScripts(html).replace(/<style>[\s\S]*?<\/style>/, "");
  assert.doesNotMatch(body, /<(?:script|img|iframe|object|embed|link|style)\b/i, "no injected element");
  assert.doesNotMatch(body, /<[^>]*\son\w+=/i, "no event-handler attribute in any tag");
  assert.ok(
    (html.match(/&lt;script&gt;/g) ?? []).length > 40,
    "the hostile text is shown, escaped, in many places",
  );
  for (const svg of html.match(/<svg[\s\S]*?<\/svg>/g) ?? []) checkXml(svg);
  const md = renderMarkdown(poison(sampleModel()));
  const prose = md.replace(/(?<!\\)(`+)(?!`)[\s\S]*?[^`]\1(?!`)/g, "");
  assert.doesNotMatch(prose, /<script|<img/);
});

test("html and markdown: the history section keeps hostile text inert and sits after the verdict", () => {
  const m = poison(sampleModel({ history: true }));
  const html = renderHtml(m);
  const body = withoutOwnScripts(html).replace(/<style>[\s\S]*?<\/style>/, "");
  assert.doesNotMatch(body, /<(?:script|img|iframe|object|embed|link|style)\b/i, "no injected element");
  assert.doesNotMatch(body, /<[^>]*\son\w+=/i, "no event-handler attribute in any tag");
  assert.ok(html.indexOf('id="verdict"') < html.indexOf('<section id="history"'));
  assert.ok(html.indexOf('<section id="history"') < html.indexOf('<section id="scope"'));
  for (const svg of html.match(/<svg[\s\S]*?<\/svg>/g) ?? []) checkXml(svg);
  const md = renderMarkdown(m);
  const prose = md.replace(/(?<!\\)(`+)(?!`)[\s\S]*?[^`]\1(?!`)/g, "");
  assert.doesNotMatch(prose, /<script|<img/);
  assert.ok(md.indexOf("Since earlier reports:") < md.indexOf("## History"));
  assert.ok(md.indexOf("## History") < md.indexOf("## 1. Scope"));
});

test("html: every hot key, episode and roll-up row is in the data blocks; a drill-down for every blocked key", () => {
  const m = sampleModel({ extraSources: 3000 });
  const { data } = pageScripts(renderHtml(m));
  const table = (id: string) => (data.get(id) as { data: { rows: unknown[][]; cols: unknown[] } }).data;
  const sources = table("ibsr-data-sources");
  assert.deepEqual(
    sources.rows.map((r) => r[0]),
    m.explorer.sources.map((s) => s.display),
  );
  // The hidden cells: the key's network and port, for address and CIDR search.
  assert.deepEqual(sources.rows[2]!.slice(sources.cols.length), ["2001:2:0:1::/64", 8899]);
  const blocked = m.explorer.sources.filter((s) => s.decision === "block").map((s) => s.display);
  assert.ok(blocked.length > 3000);
  const drill = data.get("ibsr-data-drill") as { base: number; keys: { k: string; b: unknown[][] }[] };
  assert.deepEqual(
    drill.keys.map((d) => d.k),
    blocked,
  );
  assert.ok(drill.keys.every((d) => d.b.length === 1));
  assert.equal(table("ibsr-data-episodes").rows.length, m.explorer.episodes.length);
  assert.equal(table("ibsr-data-v4").rows.length, m.explorer.rollupsV4.length);
  assert.equal(table("ibsr-data-v6").rows.length, m.explorer.rollupsV6.length);
});

test("html: data blocks cannot end their script element, and read back exactly", () => {
  const nasty = `</script><script>alert(1)</script><!-- \u2028\u2029 & </SCRIPT >`;
  const text = dataBlockJson({ k: nasty });
  assert.doesNotMatch(text, /<|>|&|\u2028|\u2029/);
  assert.deepEqual(JSON.parse(text), { k: nasty });
  const html = renderHtml(sampleModel({ hostile: nasty }));
  const rows = (pageScripts(html).data.get("ibsr-data-sources") as { data: { rows: unknown[][] } }).data.rows;
  assert.ok(
    rows.some((r) => r[0] === `198.18.0.66${nasty}:8899`),
    "the hostile key reads back as text",
  );
});

test("html: the traffic charts have their data as a table (one row per interval, with a caption and header scopes)", () => {
  const m = sampleModel();
  const html = renderHtml(m);
  const start = html.indexOf('<details class="chart-data">');
  assert.ok(start > 0, "a data table follows the traffic charts");
  const block = html.slice(start, html.indexOf("</details>", start));
  assert.match(block, /<caption>Traffic per interval/);
  assert.equal(block.match(/<th scope="col"/g)?.length, 9);
  const rows = block.match(/<tr><td class="key">/g) ?? [];
  assert.equal(rows.length, m.series.points.length);
  assert.ok(m.series.points.length > 0);
  // The would-drop split the chart draws in two colours is two columns here.
  assert.match(block, /Would drop, attack-like/);
  assert.match(block, /Would drop, probably legitimate/);
});
