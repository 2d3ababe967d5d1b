// Skipped input that a conversion recorded in its output (`ibsr-report import-jsonl`): the JSONL lines, files and
// buckets it skipped travel in the META_KEYS.sourceSkipped footer entry of an imported snapshot, and the catalog
// counts them as the JSONL reader counts what it skips, so a report on the import judges the same input the
// report on the JSONL judged (docs/report.md, Importing reference JSONL). This module owns the entry's shape and
// the tally both readers share.
import type { SkippedInput } from "../model.js";

/**
 * One skipped piece of source input. Without `buckets`: one lost unit (a line, or a whole file when `line` is
 * null). With `buckets`: that many invalid buckets (rows) of a usable line, for one reason.
 */
export interface SourceSkip {
  file: string;
  line: number | null;
  reason: string;
  buckets?: number;
}

/** The footer value of a list (JSON). */
export function encodeSourceSkipped(list: readonly SourceSkip[]): string {
  return JSON.stringify(list);
}

/** Parses a footer value; throws with what is wrong. */
export function parseSourceSkipped(v: string): SourceSkip[] {
  let raw: unknown;
  try {
    raw = JSON.parse(v);
  } catch (e) {
    throw new Error(`not JSON (${(e as Error).message})`);
  }
  if (!Array.isArray(raw)) throw new Error("not a JSON list");
  return raw.map((x: unknown, i) => {
    const o = x as Record<string, unknown> | null;
    const ok =
      o !== null &&
      typeof o === "object" &&
      typeof o.file === "string" &&
      typeof o.reason === "string" &&
      (o.line === null || Number.isSafeInteger(o.line)) &&
      (o.buckets === undefined || (Number.isSafeInteger(o.buckets) && (o.buckets as number) > 0));
    if (!ok) throw new Error(`entry ${i} is not {file, line, reason[, buckets]}`);
    const s: SourceSkip = {
      file: o.file as string,
      line: o.line as number | null,
      reason: o.reason as string,
    };
    if (o.buckets !== undefined) s.buckets = o.buckets as number;
    return s;
  });
}

/** Keep this many line reasons per file (the report shows the first few overall; the count covers all). */
export const REASONS_PER_FILE = 20;

export interface SkipSum {
  /** Whole files first, then buckets per file and reason, then lines (at most REASONS_PER_FILE per file). */
  list: SkippedInput[];
  /** Files, lines and buckets. */
  count: number;
  /** Files and lines. */
  lostUnits: number;
  /** Buckets. */
  invalidRows: number;
}

/**
 * Sums skips in the JSONL reader's order and wording: the one rule for a report on JSONL (ingest/legacy.ts) and
 * for one on its import, in stages/read-catalog.ts, so both list and count alike.
 */
export function sumSourceSkips(skips: Iterable<SourceSkip>): SkipSum {
  const files: SkippedInput[] = [];
  const buckets = new Map<string, Map<string, number>>();
  const lines: SourceSkip[] = [];
  for (const s of skips)
    if (s.buckets !== undefined) {
      const m = buckets.get(s.file) ?? new Map<string, number>();
      buckets.set(s.file, m);
      m.set(s.reason, (m.get(s.reason) ?? 0) + s.buckets);
    } else if (s.line === null) files.push({ file: s.file, line: null, reason: s.reason });
    else lines.push(s);
  const out: SkipSum = {
    list: files,
    count: files.length + lines.length,
    lostUnits: files.length + lines.length,
    invalidRows: 0,
  };
  for (const [file, m] of [...buckets].sort((a, b) => (a[0] < b[0] ? -1 : 1)))
    for (const [reason, n] of m) {
      out.list.push({ file, line: null, reason: `${n} bucket(s) skipped: ${reason}` });
      out.count += n;
      out.invalidRows += n;
    }
  // By file (the order a report reads them), each file's lines in the order they came (the stream's).
  const named = new Map<string, number>();
  for (const s of [...lines].sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0))) {
    const k = named.get(s.file) ?? 0;
    named.set(s.file, k + 1);
    if (k < REASONS_PER_FILE) out.list.push({ file: s.file, line: s.line, reason: s.reason });
  }
  return out;
}
