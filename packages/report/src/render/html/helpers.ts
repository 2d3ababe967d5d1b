// Every handlebars helper the HTML templates use, in one module. Helpers only format; they never
// compute report figures (those come from the model, or from view.ts for presentation-only slicing).
// All return plain strings, which handlebars escapes when used with {{ }}.
import type { HelperDelegate } from "handlebars";
import type { AbuseClass, Outcome, TimePoint, Verdict } from "../../model.js";
import {
  formatByteRate,
  formatBytes,
  formatDuration,
  formatInt,
  formatNumber,
  formatPct,
  formatRate,
  formatRatio,
  formatTimestamp,
  plural,
} from "../format.js";

type Num = number | bigint | null | undefined;

function isTimePoint(v: unknown): v is TimePoint {
  return typeof v === "object" && v !== null && "unix" in v && "iso" in v;
}

/** Plain-word class names: what an operator reads in tables. */
export const CLASS_LABEL: Record<AbuseClass, string> = {
  SYN_FLOOD_LIKE: "SYN flood",
  VOLUMETRIC_TCP_ABUSE: "volumetric",
};

export const OUTCOME_LABEL: Record<Outcome, string> = {
  READY: "READY",
  NOT_READY: "NOT READY",
  NOTHING_TO_ENFORCE: "NOTHING TO ENFORCE",
};

/** The verdict's sentence without a repeated "NOT READY:" prefix (the label is shown right beside it). */
export function headlineText(v: Pick<Verdict, "label" | "headline">): string {
  const h = v.headline.trim();
  return h.toUpperCase().startsWith(`${v.label.toUpperCase()}:`) ? h.slice(v.label.length + 1).trim() : h;
}

/** Handlebars passes its options object as the last argument; these helpers take at most one value. */
const one =
  (f: (v: never) => string): HelperDelegate =>
  (v: unknown) =>
    f(v as never);

export const helpers: Record<string, HelperDelegate> = {
  int: one((v: Num) => (v === null || v === undefined ? "—" : formatInt(v))),
  pct: one((v: number | null) => formatPct(v)),
  num: one((v: number | null) => formatNumber(v)),
  ratio: one((v: number | null) => formatRatio(v)),
  bytes: one((v: Num) => (v === null || v === undefined ? "—" : formatBytes(v))),
  byteRate: one((v: number | null) => formatByteRate(v)),
  duration: one((v: number | null) => formatDuration(v)),
  time: one((v: TimePoint | number | string | null) => formatTimestamp(isTimePoint(v) ? v.unix : v)),
  /** ISO text for a machine-readable datetime="" attribute. */
  iso: one((v: TimePoint | null) => (isTimePoint(v) ? v.iso : "")),
  rate: (v: unknown, unit: unknown) => formatRate(v as number | null, typeof unit === "string" ? unit : ""),
  abuseClass: one((v: AbuseClass | null) => (v ? CLASS_LABEL[v] : "—")),
  outcome: one((v: Outcome) => OUTCOME_LABEL[v] ?? String(v)),
  /** CSS modifier for an outcome: "ready", "not-ready", "nothing". */
  outcomeClass: one((v: Outcome) => (v === "READY" ? "ready" : v === "NOT_READY" ? "not-ready" : "nothing")),
  /** Sensitivity scale factor: 0.5 -> "×0.5". */
  factor: one((v: number) => `×${v}`),
  /** (3, "address", "addresses") -> "3 addresses". */
  plural: (n: unknown, one: unknown, many: unknown) =>
    plural(n as number, String(one), typeof many === "string" ? many : undefined),
  headline: one((v: Verdict) => headlineText(v)),
  yesNo: one((v: boolean) => (v ? "yes" : "no")),
  /** Equality for template branches on enums. */
  eq: (a: unknown, b: unknown) => a === b,
};
