// --since/--until/--now values: Unix seconds, ISO 8601, or relative ("-24h", "-90m", "-2d", "+1h").
import { EXIT, ReportError } from "./exit-codes.js";
import type { TimePoint } from "./model.js";

export type TimeSpec = { kind: "abs"; t: number } | { kind: "rel"; offsetSec: number };

/** Absolute times must lie in 1970-01-01T00:00:00Z .. 9999-12-31T23:59:59Z (Unix seconds). */
export const TIME_RANGE = { min: 0, max: 253_402_300_799 } as const;

const UNITS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400, w: 604800 };
/** ISO 8601 calendar date, optional time (seconds and fraction optional) and offset; no offset means UTC. */
const ISO_RE =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(\.\d{1,9})?)?(Z|[+-]\d{2}(?::?\d{2})?)?)?$/i;
const FORMS = "give Unix seconds, ISO 8601 like 2026-01-02T03:04:05Z, or relative like -24h, -90m, -2d";

/** Seconds of an ISO 8601 text, or why it is not a real date/time. */
function parseIso(m: RegExpExecArray): number | string {
  const [y, mo, d, h = 0, mi = 0, sec = 0] = [1, 2, 3, 4, 5, 6].map((i) =>
    m[i] === undefined ? undefined : Number(m[i]),
  ) as number[];
  if (mo! < 1 || mo! > 12) return `month ${m[2]} does not exist`;
  const daysInMonth = new Date(Date.UTC(y!, mo!, 0)).getUTCDate();
  if (d! < 1 || d! > daysInMonth) return `${m[1]}-${m[2]} has no day ${m[3]} (it has ${daysInMonth} days)`;
  if (h > 23 || mi > 59 || sec > 59) return `${m[4]}:${m[5]}${m[6] ? `:${m[6]}` : ""} is not a time of day`;
  let offset = 0;
  const z = m[8];
  if (z && z.toUpperCase() !== "Z") {
    const oh = Number(z.slice(1, 3));
    const om = z.length > 3 ? Number(z.slice(-2)) : 0;
    if (oh > 23 || om > 59) return `${z} is not a UTC offset`;
    offset = (z[0] === "-" ? -1 : 1) * (oh * 3600 + om * 60);
  }
  const day = new Date(0);
  day.setUTCFullYear(y!, mo! - 1, d!); // Date.UTC maps years 0-99 to 1900-1999
  return day.getTime() / 1000 + h * 3600 + mi * 60 + sec + Number(m[7] ?? 0) - offset;
}

export function parseTimeSpec(text: string, flag: string): TimeSpec {
  const s = text.trim();
  const fail = (why: string) => new ReportError(EXIT.USAGE, `${flag} ${JSON.stringify(text)}: ${why}`);
  const inRange = (t: number) => {
    if (!(t >= TIME_RANGE.min && t <= TIME_RANGE.max))
      throw fail("out of range (absolute times lie between 1970-01-01 and 9999-12-31 UTC)");
    return t;
  };
  const rel = /^([+-])(\d+(?:\.\d+)?)([smhdw])$/.exec(s);
  if (rel) {
    const offsetSec = (rel[1] === "-" ? -1 : 1) * Number(rel[2]) * UNITS[rel[3]!]!;
    if (!(Math.abs(offsetSec) <= TIME_RANGE.max))
      throw fail("out of range (a relative time spans at most 9999 years)");
    return { kind: "rel", offsetSec };
  }
  if (/^\d+(\.\d+)?$/.test(s)) return { kind: "abs", t: inRange(Number(s)) };
  const iso = ISO_RE.exec(s);
  if (iso) {
    const t = parseIso(iso);
    if (typeof t === "string") throw fail(`not a real date or time: ${t}`);
    return { kind: "abs", t: inRange(t) };
  }
  throw fail(`not a time (${FORMS})`);
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
