import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { test } from "node:test";
import { sampleModel } from "../testing/sample-model.js";
import { checkXml } from "./charts/xml-check.js";
import { CSP, renderHtml } from "./html.js";
import { renderMarkdown } from "./markdown.js";

const EVIL = `<script>alert(1)</script>"><img src=x onerror=alert(2)>`;

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
  assert.doesNotMatch(html, /<script|<link|<img|<iframe|@import|url\(/i);
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
    8,
    "3 traffic charts, bar chart, distinct sources, 2 port sparklines, active blocks",
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
  assert.doesNotMatch(html, /<script|<img/i);
  assert.ok(html.includes("&lt;script&gt;alert(1)&lt;/script&gt;"));
  // Attribute context: the hostile quote cannot close an attribute.
  assert.doesNotMatch(html, /"><img/);
});

test("html: 100 000 sources stay readable (top-N tables, bounded size) and rendering is deterministic", () => {
  const model = sampleModel({ extraSources: 100_000, intervals: 1440 });
  const t = performance.now();
  const html = renderHtml(model);
  const ms = performance.now() - t;
  assert.ok(html.length < 1_500_000, `${html.length} bytes`);
  // 100 005 hot keys in the model, 50 shown.
  assert.match(html, /99,955 more sources not shown; see evidence.csv and summary.json\./);
  const sourceRows = html
    .slice(html.indexOf('id="sources"'), html.indexOf("<h3>Episodes"))
    .match(/<tr><td class="src">/g);
  assert.equal(sourceRows?.length, 50);
  assert.equal(renderHtml(model), html, "same model, same bytes");
  assert.ok(ms < 5000, `rendered in ${ms.toFixed(0)} ms`);
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
  const body = html.replace(/<style>[\s\S]*?<\/style>/, "");
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
