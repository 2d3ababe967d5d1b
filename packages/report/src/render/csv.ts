// evidence.csv: the reference's eight columns, one row per key with traffic, capped by the engine (evidence.parquet has all).
import type { EvidenceRow, ReportModel } from "../model.js";

export const EVIDENCE_HEADER = "source,abuse_class,syn_rate,success_ratio,decision,packets,bytes,syn";

/** Quotes a CSV field only when needed (sources never need it; this guards the format anyway). */
function field(s: string): string {
  return /[",\n\r]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
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

/** evidence.csv of the report: the rows the engine kept. */
export function renderEvidenceFile(model: ReportModel): string {
  return renderEvidenceCsv(model.machine.evidence.rows);
}
