// Every row with a target, in one table at the top of BENCHMARKS.md: what a reader checks first. The
// verdict is the row's own where its suite computed one ("... : met (0.96x)"); otherwise it is read off
// the target when that is a plain bound in the row's unit ("< 250 ms", "<= 5 B/row", "flat: within
// ±0.05 MB/min"), judged on the median as every figure here is. Anything else (a ratio to a figure not in
// the row, "linear in rows") is left for the row's own section to explain.
import type { BenchRow } from "./stats.js";

export type Verdict = "met" | "NOT met";

/** The row's verdict against its target, or null when the target is not one this can judge. */
export function targetVerdict(row: BenchRow): Verdict | null {
  const t = row.target?.trim();
  if (!t) return null;
  // A suite that judged its own row says so after a colon (bpf.ts, report.ts).
  const own = /:\s*(NOT met|met)\b/.exec(t);
  if (own) return own[1] as Verdict;
  const flat = /^flat: within ±\s*([\d.]+)\s*(.*)$/.exec(t);
  if (flat && sameUnit(flat[2] as string, row.unit))
    return Math.abs(row.median) <= Number(flat[1]) ? "met" : "NOT met";
  const bound = /^(<=|<)\s*([\d.]+)\s*(.*)$/.exec(t);
  if (!bound || !sameUnit(bound[3] as string, row.unit)) return null;
  const limit = Number(bound[2]);
  const ok = bound[1] === "<" ? row.median < limit : row.median <= limit;
  return ok ? "met" : "NOT met";
}

/** "5 B/row" against "B/row", "1 %" against "% core", "80 MB (issue 15)" against "MB". */
function sameUnit(rest: string, unit: string): boolean {
  const word = rest.replace(/\s*\(.*\)\s*$/, "").trim();
  return word !== "" && (word === unit || unit.startsWith(`${word} `));
}

/** The at-a-glance table: one line per row with a target, in the suites' order. */
export function targetsTable(
  suites: { title: string; date: string; rows: BenchRow[] }[],
  fmt: (n: number) => string,
): string {
  const lines = suites.flatMap((s) =>
    s.rows
      .filter((r) => r.target)
      .map((r) => {
        const v = targetVerdict(r);
        const verdict = v === null ? "see its section" : v === "met" ? "met" : "**NOT met**";
        const base = r.baseline ? ` (${fmt(r.median / r.baseline.median)}x ${r.baseline.name})` : "";
        return `| ${s.title.replace(/ \(.*$/, "").replace(/:.*$/, "")} | ${r.name} | ${fmt(r.median)} ${r.unit}${base} | ${r.target} | ${verdict} | ${s.date} |`;
      }),
  );
  return [
    "| suite | measure | median | target | verdict | measured |",
    "|---|---|---|---|---|---|",
    ...lines,
  ].join("\n");
}
