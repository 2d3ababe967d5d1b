import assert from "node:assert/strict";
import { test } from "node:test";
import { sampleModel } from "../testing/sample-model.js";
import { mdCode, mdEscape, renderMarkdown } from "./markdown.js";

const EVIL = "<script>alert(1)</script>|`x`*y*[a](javascript:b)";

/** Splits a GFM table row on unescaped pipes (outside code spans, "\|" does not split either). */
function cells(row: string): number {
  return row.replace(/\\\|/g, "").split("|").length - 2;
}

test("markdown: the five sections in order, with the default profile's figures", () => {
  const md = renderMarkdown(sampleModel());
  const heads = md.split("\n").filter((l) => l.startsWith("## "));
  assert.deepEqual(heads, [
    "## 1. Scope & Configuration",
    "## 2. Abuse Pattern Observed",
    "## 3. Counterfactual Enforcement Impact",
    "## 4. Candidate Enforcement Rules",
    "## 5. Readiness Judgment",
  ]);
  assert.ok(md.startsWith("# IBSR Report\n\n## 1."));
  assert.match(md, /\*\*Would have been dropped\*\*: 1,440,000 packets \(41\.7%\)/);
  assert.match(md, /\*\*FP bound\*\*: 12\.5%/);
  assert.match(md, /\*\*NOT READY\*\*/);
  assert.match(md, /```json\n\{\n {2}"version": 3,/);
  assert.ok(md.endsWith("\n") && !md.endsWith("\n\n"));
});

test("markdown: outcomes and unknown FP bound", () => {
  const m = sampleModel({ outcome: "NOTHING_TO_ENFORCE" });
  m.fp.computed = false;
  m.fp.valuePct = null;
  m.fp.reason = "only 3 distinct keys observed (need 10)";
  const md = renderMarkdown(m);
  assert.match(md, /\*\*FP bound\*\*: UNKNOWN\n- \*\*Reason\*\*: only 3 distinct keys observed \(need 10\)/);
  assert.match(md, /nothing to enforce/);
  assert.match(renderMarkdown(sampleModel({ outcome: "READY" })), /All criteria were met/);
});

test("markdown: hostile values cannot inject HTML, break tables or escape the rules fence", () => {
  const m = sampleModel({ hostile: EVIL });
  m.rules.json = '{\n  "note": "```\\n# not a heading"\n}\n';
  const md = renderMarkdown(m);
  // Outside code spans and the fence, no raw tag survives.
  // Strip code spans and fences (opened by an unescaped backtick run); in the rest, no raw tag and no
  // unescaped "](" link survive.
  const prose = md.replace(/(?<!\\)(`+)(?!`)[\s\S]*?[^`]\1(?!`)/g, "");
  assert.doesNotMatch(prose, /<script|(?<!\\)\]\(javascript/);
  assert.match(prose, /&lt;script>alert/);
  for (const table of md.split("\n\n").filter((b) => b.startsWith("| "))) {
    const rows = table.split("\n");
    const width = cells(rows[0]!);
    for (const r of rows) assert.equal(cells(r), width, `row keeps ${width} cells: ${r}`);
  }
  assert.match(md, /````json\n[\s\S]*```\\n# not a heading[\s\S]*\n````/);
});

test("mdEscape and mdCode", () => {
  assert.equal(
    mdEscape("a|b <c> & *d* _e_ [f] snake_case"),
    "a\\|b &lt;c> &amp; \\*d\\* \\_e\\_ \\[f\\] snake_case",
  );
  assert.equal(mdEscape("> quote"), "\\> quote");
  assert.equal(mdEscape("# x"), "\\# x");
  assert.equal(mdEscape("12. y"), "12\\. y");
  assert.equal(mdEscape("line\nbreak"), "line break");
  assert.equal(mdCode("a`b"), "`` a`b ``");
  assert.equal(mdCode("a|b", true), "`a\\|b`");
  assert.equal(mdCode("a|b"), "`a|b`");
});
