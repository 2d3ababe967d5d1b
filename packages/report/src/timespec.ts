// --since/--until/--now values: Unix seconds, ISO 8601, or relative ("-24h", "-90m", "-2d", "+1h").
import { EXIT, ReportError } from "./exit-codes.js";
import type { TimePoint } from "./model.js";

export type TimeSpec = { kind: "abs"; t: number } | { kind: "rel"; offsetSec: number };

const UNITS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400, w: 604800 };

export function parseTimeSpec(text: string, flag: string): TimeSpec {
  const s = text.trim();
  const rel = /^([+-])(\d+(?:\.\d+)?)([smhdw])$/.exec(s);
  if (rel) return { kind: "rel", offsetSec: (rel[1] === "-" ? -1 : 1) * Number(rel[2]) * UNITS[rel[3]!]! };
  if (/^\d+(\.\d+)?$/.test(s)) return { kind: "abs", t: Number(s) };
  if (/^\d{4}-\d{2}-\d{2}/.test(s)) {
    const ms = Date.parse(s.length === 10 ? `${s}T00:00:00Z` : s);
    if (!Number.isNaN(ms)) return { kind: "abs", t: ms / 1000 };
  }
  throw new ReportError(
    EXIT.USAGE,
    `${flag} ${JSON.stringify(text)}: not a time (give Unix seconds, ISO 8601 like 2026-01-02T03:04:05Z, or relative like -24h, -90m, -2d)`,
  );
}

/** Relative times count from `ref` (--now, else the latest snapshot), never from the wall clock. */
export function resolveTimeSpec(spec: TimeSpec | null, ref: number): number | null {
  if (!spec) return null;
  return spec.kind === "abs" ? spec.t : ref + spec.offsetSec;
}

export function isoSeconds(t: number): string {
  return new Date(Math.floor(t) * 1000).toISOString().replace(".000Z", "Z");
}

/** A time for the report model: Unix seconds and its UTC ISO 8601 text. */
export function timePoint(t: number): TimePoint {
  return { unix: t, iso: isoSeconds(t) };
}
