// The numbers that decide the verdict, as rows both report.md and report.html show right under it: each
// check's measured figure against its limit, and whether it passed. Presentation only: every figure and
// every pass/fail comes from the model's checks (analysis/decide.ts decided them).
import type { CheckCode, ReportModel, VerdictCheck } from "../model.js";
import { formatInt, formatPct, plural } from "./format.js";

export interface CheckRow {
  code: CheckCode;
  /** What was measured, in words. */
  label: string;
  measured: string;
  limit: string;
  /** "pass", "FAIL", or "not applied" (a check that does not gate this outcome): words, never colour alone. */
  result: "pass" | "FAIL" | "not applied";
  failed: boolean;
}

function result(c: VerdictCheck): CheckRow["result"] {
  if (!c.gating) return "not applied";
  return c.passed ? "pass" : "FAIL";
}

/** The enforcer the peak belongs to, when there are several: "on edge-1 (eth0), the busiest of 2 hosts". */
export function peakHostText(m: ReportModel): string {
  const by = m.impact.peakConcurrentByHost;
  if (by.length === 0) return "";
  const top = by[0]!;
  return by.length === 1
    ? `on ${top.host} (${top.iface})`
    : `on ${top.host} (${top.iface}), the busiest of ${plural(by.length, "host interface")}`;
}

/**
 * The checks worth reading first: the four about blocked keys always, the port-level and skipped-input ones
 * only when they fail (they are otherwise silent).
 */
export function checkRows(m: ReportModel): CheckRow[] {
  const rows: CheckRow[] = [];
  const measure = m.impact.gatingMeasure === "syn" ? "SYNs" : "packets";
  for (const c of m.verdict.checks) {
    const r = result(c);
    const base = { code: c.code, result: r, failed: r === "FAIL" };
    switch (c.code) {
      case "FP_BOUND":
        rows.push({
          ...base,
          label: "False-positive bound (probably legitimate share of would-drop packets)",
          measured:
            c.value === null
              ? "unknown"
              : m.fp.wouldDropPackets === 0n
                ? "none (nothing would be dropped)"
                : formatPct(c.value),
          limit: `at most ${formatPct(c.limit)}`,
        });
        break;
      case "HEALTHY_BLOCKED":
        rows.push({
          ...base,
          label: "Blocked keys that are probably legitimate",
          measured: c.value === null ? "unknown" : formatInt(c.value),
          limit: "none",
        });
        break;
      case "MIN_IMPACT":
        rows.push({
          ...base,
          label: `Would-drop share of ${measure}`,
          measured: c.value === null ? "unknown" : formatPct(c.value),
          limit: `at least ${formatPct(c.limit)}`,
        });
        break;
      case "MAX_RULES": {
        const where = peakHostText(m);
        rows.push({
          ...base,
          label: `Peak concurrent blocks${where ? ` ${where}` : ""}`,
          measured: c.value === null ? "unknown" : formatInt(c.value),
          limit: `at most ${c.limit === null ? "unknown" : formatInt(c.limit)} per host`,
        });
        break;
      }
      case "PORT_LEVEL":
        if (!c.passed)
          rows.push({
            ...base,
            label: "Port-level flood not attributable to sources",
            measured: "present",
            limit: "none",
          });
        break;
      case "INPUT_SKIPPED":
        if (!c.passed)
          rows.push({
            ...base,
            label: "Input skipped (unreadable files or invalid rows)",
            measured: c.value === null ? "unknown" : formatPct(c.value),
            limit: `at most ${formatPct(c.limit)}`,
          });
        break;
    }
  }
  return rows;
}
