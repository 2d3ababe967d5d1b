// Each comparison of the hot predicate for one key in one interval, read from the same descriptions the
// report's SQL and TypeScript are generated from (analysis/hot-predicate.ts): explain shows which held and
// which failed, never its own copy of a threshold. conditions.test.ts checks that the result of every tree
// equals the compiled predicate's.
import {
  type Condition,
  type HotParams,
  PARAM_SOURCES,
  type PredicateRow,
  type Term,
} from "../analysis/hot-predicate.js";
import { successRatio } from "../analysis/key-decision.js";
import type { ExplainedCondition, TermName } from "./model.js";

const RATE_NAME: Record<keyof PredicateRow, TermName> = {
  syn: "syn_rate",
  handshake_ack: "handshake_ack_rate",
  packets: "pkt_rate",
  bytes: "byte_rate",
};

function termName(t: Term): TermName {
  if (t.kind === "count") return t.col;
  if (t.kind === "rate") return RATE_NAME[t.col];
  return "success_ratio";
}

/** The term's value; null for a success ratio without SYNs (SQL NULL: no comparison holds). */
function termValue(t: Term, r: PredicateRow, span: number): number | null {
  if (t.kind === "count") return r[t.col];
  if (t.kind === "rate") return r[t.col] / span;
  return successRatio(r.syn, r.handshake_ack);
}

/** Evaluates the condition leaf by leaf, keeping every value and threshold. */
export function explainCondition(
  c: Condition,
  r: PredicateRow,
  span: number,
  p: HotParams,
): ExplainedCondition {
  switch (c.kind) {
    case "positive": {
      const value = termValue(c.term, r, span);
      return {
        kind: "check",
        term: termName(c.term),
        op: ">",
        value,
        threshold: 0,
        thresholdKey: null,
        holds: value !== null && value > 0,
      };
    }
    case "atLeast":
    case "atMost": {
      const value = termValue(c.term, r, span);
      const threshold = p[c.param];
      return {
        kind: "check",
        term: termName(c.term),
        op: c.kind === "atLeast" ? ">=" : "<=",
        value,
        threshold,
        thresholdKey: PARAM_SOURCES[c.param].key,
        holds: value !== null && (c.kind === "atLeast" ? value >= threshold : value <= threshold),
      };
    }
    case "and":
    case "or": {
      const of = c.of.map((x) => explainCondition(x, r, span, p));
      return {
        kind: c.kind === "and" ? "all" : "any",
        holds: c.kind === "and" ? of.every((x) => x.holds) : of.some((x) => x.holds),
        of,
      };
    }
    case "countAtLeast": {
      const of = c.of.map((x) => explainCondition(x, r, span, p));
      return { kind: "atLeast", n: c.n, holds: of.filter((x) => x.holds).length >= c.n, of };
    }
  }
}

/** The comparisons that failed, as short texts ("syn_rate 5/s < syn_rate_threshold 100"). */
export function failedChecks(e: ExplainedCondition, fmt: (term: TermName, v: number) => string): string[] {
  if (e.holds) return [];
  if (e.kind === "check") {
    const neg = { ">": "<=", ">=": "<", "<=": ">" }[e.op];
    const v = e.value === null ? `${e.term} undefined (no SYN)` : `${e.term} ${fmt(e.term, e.value)}`;
    return e.value === null
      ? [v]
      : [`${v} ${neg} ${e.thresholdKey ?? ""} ${fmt(e.term, e.threshold)}`.replace("  ", " ")];
  }
  if (e.kind === "atLeast") {
    const held = e.of.filter((x) => x.holds).length;
    return [
      `${held} of ${e.of.length} reached, ${e.n} needed (${e.of.flatMap((x) => failedChecks(x, fmt)).join(", ")})`,
    ];
  }
  if (e.kind === "all") return e.of.flatMap((x) => failedChecks(x, fmt));
  return e.of.flatMap((x) => failedChecks(x, fmt));
}
