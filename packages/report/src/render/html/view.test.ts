// The HTML view reads the verdict checks the analysis decided; it never compares figures with limits itself.
import assert from "node:assert/strict";
import { test } from "node:test";
import { verdictCheck } from "../../model.js";
import { sampleModel } from "../../testing/sample-model.js";
import { renderMarkdown } from "../markdown.js";
import { buildView } from "./view.js";

test("the FP and max_rules flags come from the model's checks, not from the figures", () => {
  const m = sampleModel();
  // Figures and checks disagree on purpose: the view must follow the checks.
  assert.ok(m.fp.valuePct! > m.config.max_fp_pct);
  verdictCheck(m.verdict, "FP_BOUND").passed = true;
  assert.ok(m.impact.peakConcurrentBlocks <= m.config.max_rules);
  verdictCheck(m.verdict, "MAX_RULES").passed = false;
  const v = buildView(m);
  assert.equal(v.tiles.find((t) => t.key.startsWith("Probably legitimate"))!.bad, false);
  assert.equal(v.tiles.find((t) => t.key.startsWith("Peak concurrent blocks"))!.bad, true);
  assert.equal(v.tooManyRules, true);
  assert.match(renderMarkdown(m), /FP bound is within the acceptable limit/);
});
