import assert from "node:assert/strict";
import { test } from "node:test";
import { sampleModel } from "../testing/sample-model.js";
import { mdCode, mdEscape, renderMarkdown } from "./markdown.js";

const EVIL = "<script>alert(1)</script>|`x`*y*[a](javascript:b)";

/** Splits a GFM table row on unescaped pipes (outside code spans, "\|" does not split either). */
function cells(row: string): number {
  return row.replace(/\\\|/g, "").split("|").length - 2;
}

test("markdown: verdict first, then the five sections in order, with the default profile's figures", () => {
  const md = renderMarkdown(sampleModel());
  const heads = md.split("\n").filter((l) => l.startsWith("## "));
  assert.deepEqual(heads, [
    "## 1. Scope & Configuration",
    "## 2. Abuse Pattern Observed",
    "## 3. Counterfactual Enforcement Impact",
    "## 4. Readiness Judgment",
    "## 5. Candidate Enforcement Rules",
  ]);
  assert.ok(md.startsWith("# IBSR Report\n\n**Verdict: NOT READY**"));
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

test("report.md opens with the verdict, its reasons naming keys, and the deciding checks; rules JSON comes last", () => {
  const md = renderMarkdown(sampleModel());
  const lines = md.split("\n");
  // The cron mail's preview shows the first lines: the verdict must be there.
  assert.match(lines.slice(0, 3).join("\n"), /\*\*Verdict: NOT READY\*\*/);
  const beforeDetails = md.slice(0, md.indexOf("## 1."));
  assert.match(beforeDetails, /probably legitimate.*198\.18\.5\.7:8899/, "a reason names the key");
  assert.match(beforeDetails, /\| False-positive bound[^|]*\| 12\.5% \| at most 5% \| \*\*FAIL\*\* \|/);
  assert.match(
    beforeDetails,
    /\| Peak concurrent blocks on edge-1 \(eth0\) \| 3 \| at most 10,000 per host \| pass \|/,
  );
  assert.match(beforeDetails, /\| Would-drop share of SYNs \| 41\.7% \| at least 1% \| pass \|/);
  assert.match(beforeDetails, /\| Blocked keys that are probably legitimate \| 1 \| none \| \*\*FAIL\*\* \|/);
  assert.ok(
    md.indexOf("```json") > md.indexOf("## 4. Readiness Judgment"),
    "the rules JSON is after the verdict and details",
  );
});

test("markdown: class counts come from the model's exact totals, not from the capped source list", () => {
  const m = sampleModel({ extraSources: 2_900 });
  assert.equal(m.topSources.rows.length, 1000, "the list the old code counted is capped");
  const md = renderMarkdown(m);
  assert.match(
    md,
    /2,905 source\/port keys matched an abuse pattern \(2,904 SYN-flood-like, 1 volumetric\); 2,904 would be blocked \(2,903 SYN-flood-like, 1 volumetric\)/,
  );
});

test("markdown: with two hosts the peak concurrent blocks are given per host", () => {
  const md = renderMarkdown(sampleModel({ twoHosts: true }));
  assert.match(
    md,
    /\*\*Peak concurrent blocks\*\*: 3 on the busiest host \(limit 10,000 per host\); per host: `edge-1` \(`eth0`\) 3, `edge-2` \(`eth0`\) 2/,
  );
  assert.match(md, /Peak concurrent blocks on edge-1 \(eth0\), the busiest of 2 host interfaces/);
});

test("the rules section names the held-back keys and says what rules.nft / rules.txt hold", () => {
  const m = sampleModel();
  const held = m.rules.heldBack;
  assert.ok(held.length > 0, "the sample model holds a key back");
  const md = renderMarkdown(m);
  const rules = md.slice(md.indexOf("## 5. Candidate Enforcement Rules"));
  assert.match(rules, /Held back \(probably legitimate, in no enforceable list/);
  for (const h of held.slice(0, 3)) assert.ok(rules.includes(mdEscape(h.display)), h.display);
  assert.match(rules, /rules\.nft and rules\.txt hold the same keys in \d+ entr/);
});
