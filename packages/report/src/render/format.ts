// Number and time formatting shared by the HTML and Markdown renderers. Written by hand rather than
// with Intl/toLocaleString so that output is the same bytes on every machine (the report is
// deterministic) whatever ICU data or locale the host has.

/** Thousands separators for integers: 1234567 -> "1,234,567". Accepts bigint (exact counters). */
export function formatInt(n: number | bigint): string {
  if (typeof n === "number") {
    if (!Number.isFinite(n)) return "—";
    n = Math.round(n);
  }
  const neg = n < 0;
  const digits = (neg ? -n : n).toString();
  let out = "";
  for (let i = 0; i < digits.length; i++) {
    if (i > 0 && (digits.length - i) % 3 === 0) out += ",";
    out += digits[i];
  }
  return neg ? `-${out}` : out;
}

/** A decimal with a fixed number of fraction digits and thousands separators: 12345.678, 1 -> "12,345.7". */
export function formatDecimal(n: number, fractionDigits: number): string {
  if (!Number.isFinite(n)) return "—";
  const fixed = Math.abs(n).toFixed(fractionDigits);
  const [whole = "0", frac] = fixed.split(".");
  const sign = n < 0 && Number(fixed) !== 0 ? "-" : "";
  return `${sign}${formatInt(BigInt(whole))}${frac !== undefined ? `.${frac}` : ""}`;
}

/**
 * A percentage with precision that matches its size, so small shares are not shown as "0%" and
 * nearly-all is not shown as "100%": 0 -> "0%", 0.004 -> "<0.01%", 0.35 -> "0.35%", 3.44 -> "3.4%", 5 -> "5%",
 * 99.96 -> ">99.9%", 100 -> "100%". null (unknown) -> "unknown".
 */
export function formatPct(pct: number | null | undefined): string {
  if (pct === null || pct === undefined || !Number.isFinite(pct)) return "unknown";
  if (pct === 0) return "0%";
  if (pct === 100) return "100%";
  if (pct < 0) return `${formatDecimal(pct, 1)}%`;
  if (pct < 0.01) return "<0.01%";
  if (pct < 1) return `${pct.toFixed(2)}%`;
  if (pct > 99.9 && pct < 100) return ">99.9%";
  // Whole numbers stay whole ("5%", not "5.0%"); others get one decimal.
  const one = formatDecimal(pct, 1);
  return `${one.endsWith(".0") ? one.slice(0, -2) : one}%`;
}

/** Share a/b as a percentage string; "0%" when b is 0 (nothing to be a share of). */
export function formatShare(part: number | bigint, whole: number | bigint): string {
  const w = Number(whole);
  if (w === 0) return "0%";
  return formatPct((Number(part) / w) * 100);
}

/** A rate or other measured quantity: whole numbers as such, else 3 significant digits below 100. */
export function formatNumber(n: number | null | undefined): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return "—";
  const a = Math.abs(n);
  if (a >= 100 || Number.isInteger(n)) return formatInt(n);
  if (a >= 10) return formatDecimal(n, 1);
  if (a >= 0.01) return formatDecimal(n, 2);
  return n.toExponential(1);
}

/** A rate with its unit: (1234.5, "SYN/s") -> "1,235 SYN/s". */
export function formatRate(n: number | null | undefined, unit: string): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return "—";
  return `${formatNumber(n)} ${unit}`;
}

/** A ratio in [0, 1] with two decimals; null (undefined ratio, e.g. no SYN) -> "—". */
export function formatRatio(r: number | null | undefined): string {
  if (r === null || r === undefined || !Number.isFinite(r)) return "—";
  return r.toFixed(2);
}

export const SI = ["", "k", "M", "G", "T", "P", "E"];

/** Compact count for chart axes and tight cells: 1234 -> "1.2k", 5_000_000 -> "5M". */
export function formatCompact(n: number): string {
  if (!Number.isFinite(n)) return "—";
  const a = Math.abs(n);
  if (a < 1000) return Number.isInteger(n) ? String(n) : formatNumber(n);
  let i = 0;
  let v = a;
  while (v >= 1000 && i < SI.length - 1) {
    v /= 1000;
    i++;
  }
  // 999.95k would print as "1000.0k": promote it instead.
  if (Number(v.toFixed(1)) >= 1000 && i < SI.length - 1) {
    v /= 1000;
    i++;
  }
  const text = v >= 100 || Number.isInteger(Number(v.toFixed(1))) ? v.toFixed(0) : v.toFixed(1);
  return `${n < 0 ? "-" : ""}${text}${SI[i]}`;
}

/** Bytes in decimal (SI) units, as network people count them: 1_500_000 -> "1.5 MB". */
export function formatBytes(n: number | bigint): string {
  const v = Number(n);
  if (!Number.isFinite(v)) return "—";
  if (Math.abs(v) < 1000) return `${formatInt(v)} B`;
  const compact = formatCompact(v);
  return `${compact.slice(0, -1)} ${compact.slice(-1)}B`;
}

/** Byte rate with its unit: 2_500_000 -> "2.5 MB/s". */
export function formatByteRate(n: number | null | undefined): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return "—";
  return `${formatBytes(n)}/s`;
}

/** A duration in words an operator reads at a glance: 45 -> "45 s", 3900 -> "1 h 5 min", 90061 -> "1 d 1 h". */
export function formatDuration(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds)) return "—";
  const s = Math.max(0, seconds);
  if (s < 1) return s === 0 ? "0 s" : `${s.toFixed(2)} s`;
  if (s < 60) return `${Number.isInteger(s) ? s : s.toFixed(1)} s`;
  const total = Math.round(s);
  const d = Math.floor(total / 86400);
  const h = Math.floor((total % 86400) / 3600);
  const m = Math.floor((total % 3600) / 60);
  const sec = total % 60;
  if (d > 0) return h > 0 ? `${d} d ${h} h` : `${d} d`;
  if (h > 0) return m > 0 ? `${h} h ${m} min` : `${h} h`;
  return sec > 0 ? `${m} min ${sec} s` : `${m} min`;
}

export function pad2(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

/** Accepts unix seconds (number), an ISO 8601 string or a Date; returns milliseconds or NaN. */
export function toEpochMs(t: number | string | Date | bigint | null | undefined): number {
  if (t === null || t === undefined) return Number.NaN;
  if (t instanceof Date) return t.getTime();
  if (typeof t === "bigint") return Number(t) * 1000;
  if (typeof t === "number") return t * 1000;
  return Date.parse(t);
}

/** UTC wall time, to the second: "2026-11-26 05:34:16 UTC". Fractions are dropped (display only). */
export function formatTimestamp(t: number | string | Date | bigint | null | undefined): string {
  const ms = toEpochMs(t);
  if (!Number.isFinite(ms)) return "—";
  const d = new Date(ms);
  return `${d.getUTCFullYear()}-${pad2(d.getUTCMonth() + 1)}-${pad2(d.getUTCDate())} ${pad2(d.getUTCHours())}:${pad2(
    d.getUTCMinutes(),
  )}:${pad2(d.getUTCSeconds())} UTC`;
}

/** Short UTC time for chart axes: "05:34" within a day, "11-26 05:34" when the span crosses days. */
export function formatAxisTime(unixSec: number, withDate: boolean): string {
  const d = new Date(unixSec * 1000);
  const hm = `${pad2(d.getUTCHours())}:${pad2(d.getUTCMinutes())}`;
  return withDate ? `${pad2(d.getUTCMonth() + 1)}-${pad2(d.getUTCDate())} ${hm}` : hm;
}

/** "1 source" / "3 sources": counts read naturally in sentences. */
export function plural(n: number | bigint, one: string, many = `${one}s`): string {
  return `${formatInt(n)} ${Number(n) === 1 ? one : many}`;
}
