// Which rows a capped machine-readable list keeps: the most important ones, printed in their given order.
import type { EvidenceRow, SourceRow } from "../model.js";

function cmpBigDesc(a: bigint, b: bigint): number {
  return a === b ? 0 : a > b ? -1 : 1;
}

/** The `cap` rows first by `order` (ties: given order), returned in the given order, and how many were left out. */
function keepMost<T>(
  rows: readonly T[],
  cap: number,
  order: (a: T, b: T) => number,
): { rows: T[]; leftOut: number } {
  if (rows.length <= cap) return { rows: [...rows], leftOut: 0 };
  const kept = rows
    .map((r, i) => ({ r, i }))
    .sort((a, b) => order(a.r, b.r) || a.i - b.i)
    .slice(0, cap)
    .sort((a, b) => a.i - b.i);
  return { rows: kept.map((x) => x.r), leftOut: rows.length - cap };
}

/** evidence.csv: the `cap` most important rows (would-drop packets, then packets), printed in key order. */
export function capEvidence(
  rows: readonly EvidenceRow[],
  cap: number,
): { rows: EvidenceRow[]; leftOut: number } {
  return keepMost(
    rows,
    cap,
    (a, b) =>
      cmpBigDesc(a.wouldDrop.packets, b.wouldDrop.packets) || cmpBigDesc(a.totals.packets, b.totals.packets),
  );
}

/** summary.json's sources: the `cap` with the most would-drop packets, printed in key order. */
export function capSources(rows: readonly SourceRow[], cap: number): { rows: SourceRow[]; leftOut: number } {
  return keepMost(rows, cap, (a, b) => cmpBigDesc(a.wouldDrop.packets, b.wouldDrop.packets));
}
