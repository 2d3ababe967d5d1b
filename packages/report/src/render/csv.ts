// evidence.csv: the reference's eight columns, one row per key with traffic, capped (evidence.parquet has all).
import type { EvidenceRow } from "../engine.js";

export const EVIDENCE_HEADER = "source,abuse_class,syn_rate,success_ratio,decision,packets,bytes,syn";

/** Quotes a CSV field only when needed (sources never need it; this guards the format anyway). */
function field(s: string): string {
  return /[",\n\r]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

/** Keeps the `cap` most important rows (would-drop, then traffic), printed in key order. */
export function capEvidence(
  rows: readonly EvidenceRow[],
  cap: number,
): { rows: EvidenceRow[]; leftOut: number } {
  if (rows.length <= cap) return { rows: [...rows], leftOut: 0 };
  const ranked = rows
    .map((r, i) => ({ r, i }))
    .sort(
      (a, b) =>
        (a.r.wouldDrop.packets === b.r.wouldDrop.packets
          ? 0
          : a.r.wouldDrop.packets > b.r.wouldDrop.packets
            ? -1
            : 1) ||
        (a.r.totals.packets === b.r.totals.packets ? 0 : a.r.totals.packets > b.r.totals.packets ? -1 : 1) ||
        a.i - b.i,
    )
    .slice(0, cap)
    .sort((a, b) => a.i - b.i);
  return { rows: ranked.map((x) => x.r), leftOut: rows.length - cap };
}

export function renderEvidenceCsv(rows: readonly EvidenceRow[]): string {
  const lines = [EVIDENCE_HEADER];
  for (const r of rows)
    lines.push(
      [
        field(r.display),
        r.abuseClass ?? "",
        r.synRate.toFixed(2),
        r.successRatio === null ? "" : r.successRatio.toFixed(4),
        r.decision,
        String(r.totals.packets),
        String(r.totals.bytes),
        String(r.totals.syn),
      ].join(","),
    );
  return `${lines.join("\n")}\n`;
}
