// The one definition of "hot" (spec §3): a small description from which both the SQL the heavy pass binds
// (ingest/queries/scan.ts HOT_PREDICATE) and the TypeScript test the simulation runs are generated, so the two
// cannot drift apart. Both read the same counters of one key in one interval and the interval's span.
import type { AbuseClass, ReportConfig } from "../model.js";
import { successRatioOfSynJs, successRatioOfSynSql } from "./key-decision.js";

/** Counters a predicate reads (one key, one interval). */
export type PredicateColumn = "syn" | "handshake_ack" | "packets" | "bytes";

/** The bound thresholds, by the name SQL binds them under (`$min_syn`, ...); a type alias so it binds as a record. */
export type HotParams = {
  min_syn: number;
  syn_rate: number;
  success_ratio: number;
  min_packets: number;
  vol_syn: number;
  vol_pkt: number;
  vol_byte: number;
};

/** A number read from the row: a counter, a counter per second of span, or min(1, handshake_ack / syn). */
export type Term =
  | { kind: "count"; col: PredicateColumn }
  | { kind: "rate"; col: PredicateColumn }
  | { kind: "successRatio" };

export type Condition =
  | { kind: "positive"; term: Term }
  | { kind: "atLeast"; term: Term; param: keyof HotParams }
  | { kind: "atMost"; term: Term; param: keyof HotParams }
  | { kind: "and"; of: readonly Condition[] }
  | { kind: "or"; of: readonly Condition[] }
  /** At least `n` of the conditions hold. */
  | { kind: "countAtLeast"; n: number; of: readonly Condition[] };

const count = (col: PredicateColumn): Term => ({ kind: "count", col });
const rate = (col: PredicateColumn): Term => ({ kind: "rate", col });

/** SYN_FLOOD_LIKE: enough SYNs, fast enough, few completed handshakes (all bounds inclusive). */
export const SYN_FLOOD_LIKE: Condition = {
  kind: "and",
  of: [
    { kind: "positive", term: count("syn") },
    { kind: "atLeast", term: count("syn"), param: "min_syn" },
    { kind: "atLeast", term: rate("syn"), param: "syn_rate" },
    { kind: "atMost", term: { kind: "successRatio" }, param: "success_ratio" },
  ],
};

/** VOLUMETRIC_TCP_ABUSE: enough packets and at least two of the three volumetric rates reached. */
export const VOLUMETRIC_TCP_ABUSE: Condition = {
  kind: "and",
  of: [
    { kind: "atLeast", term: count("packets"), param: "min_packets" },
    {
      kind: "countAtLeast",
      n: 2,
      of: [
        { kind: "atLeast", term: rate("syn"), param: "vol_syn" },
        { kind: "atLeast", term: rate("packets"), param: "vol_pkt" },
        { kind: "atLeast", term: rate("bytes"), param: "vol_byte" },
      ],
    },
  ],
};

/** Hot: either class. */
export const HOT: Condition = { kind: "or", of: [SYN_FLOOD_LIKE, VOLUMETRIC_TCP_ABUSE] };

/**
 * The threshold each parameter binds and whether the sensitivity factor scales it (rates only; ratio and count
 * thresholds stay fixed). `explain` names thresholds by these keys.
 */
export const PARAM_SOURCES: Readonly<Record<keyof HotParams, { key: keyof ReportConfig; scaled: boolean }>> =
  {
    min_syn: { key: "min_syn", scaled: false },
    syn_rate: { key: "syn_rate_threshold", scaled: true },
    success_ratio: { key: "success_ratio_threshold", scaled: false },
    min_packets: { key: "min_packets", scaled: false },
    vol_syn: { key: "vol_syn_rate", scaled: true },
    vol_pkt: { key: "vol_pkt_rate", scaled: true },
    vol_byte: { key: "vol_byte_rate", scaled: true },
  };

/** The parameters at `factor` x the rate thresholds (ratio and count thresholds fixed). */
export function hotParams(cfg: ReportConfig, factor: number): HotParams {
  const out = {} as HotParams;
  for (const [param, { key, scaled }] of Object.entries(PARAM_SOURCES))
    out[param as keyof HotParams] = scaled ? cfg[key] * factor : cfg[key];
  return out;
}

// ---------------------------------------------------------------- SQL

function termSql(t: Term): string {
  switch (t.kind) {
    case "count":
      return t.col;
    case "rate":
      return `${t.col} / span`;
    case "successRatio":
      return successRatioOfSynSql();
  }
}

/**
 * The condition as a DuckDB expression over columns syn, handshake_ack, packets, bytes and span, with the
 * thresholds as named parameters ($min_syn, ...; bind hotParams). A ratio with syn = 0 is NULL in SQL, but every
 * description tests syn > 0 in the same conjunction, so the result is never NULL and equals the TypeScript one.
 */
export function conditionSql(c: Condition): string {
  switch (c.kind) {
    case "positive":
      return `${termSql(c.term)} > 0`;
    case "atLeast":
      return `${termSql(c.term)} >= $${c.param}`;
    case "atMost":
      return `${termSql(c.term)} <= $${c.param}`;
    case "and":
      return `(${c.of.map(conditionSql).join(" AND ")})`;
    case "or":
      return `(${c.of.map(conditionSql).join(" OR ")})`;
    case "countAtLeast":
      return `((${c.of.map((x) => `(${conditionSql(x)})::INTEGER`).join(" + ")}) >= ${c.n})`;
  }
}

/** How an engine's SQL writes what the DuckDB text above writes with `$param`, `::INTEGER` and DuckDB's `/`. */
export interface PredicateDialect {
  /** A threshold: inlined as a literal for SQL printed for another engine. */
  param(name: keyof HotParams): string;
}

/** A JS number as a SQL DOUBLE literal that reads back to the same double (an exponent makes it DOUBLE, not DECIMAL, in DuckDB and Trino). */
export function doubleLiteral(x: number): string {
  if (!Number.isFinite(x)) throw new Error(`internal: threshold ${x} is not finite`);
  return x.toExponential();
}

/** The thresholds inlined as DOUBLE literals. */
export function inlineParams(p: HotParams): PredicateDialect {
  return { param: (name) => doubleLiteral(p[name]) };
}

function portableTermSql(t: Term): string {
  switch (t.kind) {
    case "count":
      return t.col;
    case "rate":
      return `${t.col} / span`;
    case "successRatio":
      // Explicit DOUBLE operands: Trino's `/` on two BIGINTs truncates.
      return successRatioOfSynSql({
        syn: "CAST(syn AS DOUBLE)",
        handshakeAck: "CAST(handshake_ack AS DOUBLE)",
      });
  }
}

/**
 * The condition as portable SQL (DuckDB, ClickHouse, Trino): the same description as conditionSql, with the
 * thresholds from `d`, CASE instead of a boolean-to-integer cast, and `span` a DOUBLE column.
 */
export function conditionSqlPortable(c: Condition, d: PredicateDialect): string {
  const go = (x: Condition): string => conditionSqlPortable(x, d);
  switch (c.kind) {
    case "positive":
      return `${portableTermSql(c.term)} > 0`;
    case "atLeast":
      return `${portableTermSql(c.term)} >= ${d.param(c.param)}`;
    case "atMost":
      return `${portableTermSql(c.term)} <= ${d.param(c.param)}`;
    case "and":
      return `(${c.of.map(go).join(" AND ")})`;
    case "or":
      return `(${c.of.map(go).join(" OR ")})`;
    case "countAtLeast":
      return `((${c.of.map((x) => `(CASE WHEN ${go(x)} THEN 1 ELSE 0 END)`).join(" + ")}) >= ${c.n})`;
  }
}

// ---------------------------------------------------------------- TypeScript

/** One key's counters in one interval, as plain numbers (a single interval never nears 2^53). */
export type PredicateRow = Record<PredicateColumn, number>;
export type Compiled = (r: PredicateRow, span: number, p: HotParams) => boolean;

function termJs(t: Term): string {
  switch (t.kind) {
    case "count":
      return `r.${t.col}`;
    case "rate":
      return `r.${t.col} / span`;
    case "successRatio":
      return successRatioOfSynJs("r");
  }
}

/** The condition as a JavaScript expression over `r` (the row), `span` and `p` (the parameters). */
export function conditionJs(c: Condition): string {
  switch (c.kind) {
    case "positive":
      return `${termJs(c.term)} > 0`;
    case "atLeast":
      return `${termJs(c.term)} >= p.${c.param}`;
    case "atMost":
      return `${termJs(c.term)} <= p.${c.param}`;
    case "and":
      return `(${c.of.map(conditionJs).join(" && ")})`;
    case "or":
      return `(${c.of.map(conditionJs).join(" || ")})`;
    case "countAtLeast":
      return `((${c.of.map((x) => `(${conditionJs(x)} ? 1 : 0)`).join(" + ")}) >= ${c.n})`;
  }
}

/**
 * The condition as a function, generated from the same description as the SQL (the simulation runs it for
 * every candidate row at every sensitivity factor: an interpreted or closure-built predicate was about 30x
 * slower than straight code). The text comes only from the constant descriptions above, never from input.
 */
export function compileCondition(c: Condition): Compiled {
  return new Function("r", "span", "p", `"use strict"; return ${conditionJs(c)};`) as Compiled;
}

export const isSynFloodLike = compileCondition(SYN_FLOOD_LIKE);
export const isVolumetric = compileCondition(VOLUMETRIC_TCP_ABUSE);

/** The class of one interval, or null when not hot; SYN_FLOOD_LIKE wins when both hold. */
export function classifyRow(r: PredicateRow, span: number, p: HotParams): AbuseClass | null {
  if (isSynFloodLike(r, span, p)) return "SYN_FLOOD_LIKE";
  if (isVolumetric(r, span, p)) return "VOLUMETRIC_TCP_ABUSE";
  return null;
}
