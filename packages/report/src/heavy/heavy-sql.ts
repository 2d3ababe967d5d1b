// The heavy pass as one SQL query for an engine the operator already runs (DuckDB, ClickHouse, Trino): snapshot
// rows joined to the catalog sidecar (heavy/catalog-table.ts: each snapshot's interval), summed per key and
// interval, judged with the hot predicate at the candidate factor (analysis/hot-predicate.ts, the same
// description the in-process scan and the simulation use), and grouped into one output table whose `kind`
// says what a row is (CANDIDATE_KINDS). `ibsr-report --candidates FILE` runs the rest of the report from it.

import {
  conditionSqlPortable,
  doubleLiteral,
  HOT,
  hotParams,
  inlineParams,
} from "../analysis/hot-predicate.js";
import { rowReasonSql } from "../ingest/queries/row-rules.js";
import { COUNTER_COLS } from "../ingest/queries/scan.js";
import { CANDIDATE_FACTOR } from "../ingest/scan.js";
import { quoteLiteral } from "../ingest/sql.js";
import type { ReportConfig } from "../model.js";
import type { TimeSpec } from "../timespec.js";
import type { Dialect, SqlType } from "./dialects.js";

/**
 * What a row of the output is:
 * - key: one key over the window (counters weighted at the window's edges, peak rates, n intervals, hot = hot at 0.5x in some interval);
 * - row: one interval of a candidate key (hot = 1 or 0), raw deltas;
 * - interval: one interval's totals (weighted) and n keys;
 * - port: one interval and port's totals (weighted) and n keys;
 * - invalid: n rows of snapshot (host, iface, run_id, seq) skipped for `reason`;
 * - host_key: one key on one host (counters weighted), only when there are several hosts: each host's distinct
 *   keys, for its own FP sample size.
 */
export const CANDIDATE_KINDS = ["key", "row", "interval", "port", "invalid", "host_key"] as const;

/** The output columns, in order, with their types (every branch of the UNION casts to these). */
export const CANDIDATE_COLUMNS: readonly (readonly [string, SqlType])[] = [
  ["kind", "VARCHAR"],
  ["host", "VARCHAR"],
  ["iface", "VARCHAR"],
  ["run_id", "VARCHAR"],
  ["iv_seq", "BIGINT"],
  ["seq", "BIGINT"],
  ["family", "BIGINT"],
  ["src", "VARCHAR"],
  ["prefix_len", "BIGINT"],
  ["dst_port", "BIGINT"],
  ...COUNTER_COLS.map((c) => [c, "BIGINT"] as const),
  ["peak_syn_rate", "DOUBLE"],
  ["peak_pkt_rate", "DOUBLE"],
  ["peak_byte_rate", "DOUBLE"],
  ["n", "BIGINT"],
  ["hot", "BIGINT"],
  ["reason", "VARCHAR"],
];

/** The grouping sets of the output subquery `o`, by the bits of SET_ID (1 where a column is not in the set). */
const SETS = { key: 22, hostKey: 20, interval: 25, port: 1, invalid: 13 } as const;
const SET_ID =
  "grouping(family) + 2 * grouping(host) + 4 * grouping(iv_seq) + 8 * grouping(dst_port) + 16 * grouping(bad_seq)";

/** The output's order: kind, then the identities (the file is the same whatever the engine's plan). */
const OUTPUT_ORDER = "kind, host, iface, run_id, iv_seq, seq, family, src, prefix_len, dst_port, reason";

export interface HeavySqlOptions {
  /** FROM-able snapshot rows (Dialect.rowsFrom). */
  rows: string;
  /** FROM-able catalog sidecar (Dialect.catalogFrom). */
  catalog: string;
  cfg: ReportConfig;
  since: TimeSpec | null;
  until: TimeSpec | null;
  /** Reference for relative times; null: the latest snapshot of the catalog (as the report does). */
  now: number | null;
  host: string | null;
  ports: readonly number[] | null;
}

/** Round half away from zero of a non-negative double, spelled the same in every engine (ClickHouse's round() rounds half to even). */
function roundHalfUp(x: string): string {
  return `(CASE WHEN ${x} - floor(${x}) >= 0.5 THEN ceil(${x}) ELSE floor(${x}) END)`;
}

/** A count weighted by the interval's share inside the window (exact when w = 1), as the in-process scan does. */
function weighted(d: Dialect, c: string): string {
  return `(CASE WHEN w = 1 THEN ${c} ELSE ${d.cast(roundHalfUp(`${c} * w`), "BIGINT")} END)`;
}

function timeSql(t: TimeSpec, ref: string): string {
  return t.kind === "abs" ? doubleLiteral(t.t) : `(${ref} + ${doubleLiteral(t.offsetSec)})`;
}

/**
 * The query. What makes it scale (bench/notes/heavy-small-tier.md): the snapshot rows are read twice, once for
 * every aggregate (one GROUP BY with grouping sets) and once for the rows of candidate keys; ClickHouse and Trino
 * evaluate a WITH subquery at every reference, so the rows' subquery is referenced twice, the aggregation once,
 * and the small output aggregation over it (o) twice, materialized where the engine can. Rows of a snapshot
 * alone in its interval are already one row per key and interval and are not grouped (as the in-process scan
 * does); only merged intervals (several snapshots) are summed per key first. Rows join the catalog on the
 * snapshot's identity and its file name, so a snapshot file covered by a compacted file (ingest/compacted.ts;
 * the catalog lists the member, not the original) is not read twice.
 */
export function heavySql(d: Dialect, o: HeavySqlOptions): string {
  const cast = d.cast;
  const C = COUNTER_COLS;
  const ref = o.now === null ? "r.ref" : doubleLiteral(o.now);
  const sinceSql = o.since ? timeSql(o.since, ref) : "NULL";
  const untilSql = o.until ? timeSql(o.until, ref) : "NULL";
  // w as ingest/intervals.ts computes it: 1 without a window, else the overlap over the interval's length.
  const wSql =
    o.since === null && o.until === null
      ? "1.0e0"
      : `greatest(0, ${o.until ? "least(c.iv_t1, win.until_t)" : "c.iv_t1"} - ${o.since ? "greatest(c.iv_t0, win.since_t)" : "c.iv_t0"}) / (c.iv_t1 - c.iv_t0)`;
  const hostFilter = o.host === null ? "" : ` WHERE host = ${quoteLiteral(o.host)}`;
  const portFilter =
    o.ports && o.ports.length > 0
      ? ` AND p.dst_port IN (${o.ports.map((p) => String(p | 0)).join(", ")})`
      : "";
  const reason = rowReasonSql(
    {
      family: "p.family",
      prefixLen: "p.prefix_len",
      src: "p.src",
      dstPort: "p.dst_port",
      counters: C.map((c) => [`${c}_delta`, `p.${c}_delta`] as const),
    },
    d.bytes,
  );
  const hot = conditionSqlPortable(HOT, inlineParams(hotParams(o.cfg, CANDIDATE_FACTOR)));
  const out = (kindSql: string, v: Partial<Record<string, string>>, from: string) =>
    `SELECT ${CANDIDATE_COLUMNS.map(([name, t]) =>
      name === "kind" ? `${cast(kindSql, "VARCHAR")} AS kind` : `${cast(v[name] ?? "NULL", t)} AS ${name}`,
    ).join(", ")}\nFROM ${from}`;
  const sums = (f: (c: string) => string) => Object.fromEntries(C.map((c) => [c, f(c)]));
  const ivCols = { host: "host", iface: "iface", run_id: "run_id", iv_seq: "iv_seq" };
  const keyCols = { family: "family", src: d.hex("src"), prefix_len: "prefix_len", dst_port: "dst_port" };
  const KEY = "family, src, prefix_len, dst_port";
  const IV = "host, iface, run_id, iv_seq";
  // One interval's rows of the snapshots `merged` (1: of an interval of several snapshots) says; an invalid row
  // keeps its snapshot's seq (bad_seq) and reason, and loses its counters.
  const joined = (merged: 0 | 1) => `SELECT host, iface, run_id, iv_seq, span, w, ${KEY},
    ${C.map((c) => `CASE WHEN bad IS NULL THEN ${c}_delta END AS ${c}`).join(", ")},
    CASE WHEN bad IS NULL THEN NULL ELSE seq END AS bad_seq, bad
  FROM (
    SELECT s.host AS host, s.iface AS iface, s.run_id AS run_id, s.seq AS seq, s.iv_seq AS iv_seq, s.span AS span,
      s.w AS w, p.family AS family, p.src AS src, p.prefix_len AS prefix_len, p.dst_port AS dst_port,
      ${C.map((c) => `p.${c}_delta AS ${c}_delta`).join(", ")}, ${reason} AS bad
    FROM ${o.rows} p
    JOIN (SELECT * FROM snap WHERE merged = ${merged} AND w > 0) s
      ON p.host = s.host AND p.iface = s.iface AND p.run_id = s.run_id AND p.seq = s.seq
      AND ${d.rowFileName("p")} = s.file_name
    WHERE TRUE${portFilter}
  ) j`;
  // Every column named: ClickHouse names an unaliased s.host "s.host", not "host".
  const X_COLS = `host, iface, run_id, iv_seq, span, w, ${KEY}`;
  return `WITH cat AS (
  SELECT * FROM ${o.catalog}${hostFilter}
), r AS (
  SELECT max(ts) AS ref FROM cat
), win AS (
  SELECT ${cast(sinceSql, "DOUBLE")} AS since_t, ${cast(untilSql, "DOUBLE")} AS until_t FROM r
), snap AS ${d.materialized(`(
  SELECT c.host AS host, c.iface AS iface, c.run_id AS run_id, c.seq AS seq, c.iv_seq AS iv_seq,
    ${d.fileName("c.file")} AS file_name, c.iv_t1 - c.iv_t0 AS span, ${wSql} AS w,
    CASE WHEN count(*) OVER (PARTITION BY c.host, c.iface, c.run_id, c.iv_seq) > 1 THEN 1 ELSE 0 END AS merged
  FROM cat c CROSS JOIN win
  WHERE c.iv_seq IS NOT NULL
)`)}, x AS ${d.notMaterialized(`(
  SELECT *, 1 AS nrows FROM (${joined(0)}) o
  UNION ALL
  SELECT ${X_COLS}, ${C.map((c) => `${cast(`sum(${c})`, "BIGINT")} AS ${c}`).join(", ")}, bad_seq, bad, count(*) AS nrows
  FROM (${joined(1)}) m
  GROUP BY ${X_COLS}, bad_seq, bad
)`)}, h AS ${d.notMaterialized(`(
  SELECT x.*, CASE WHEN bad IS NULL AND ${hot} THEN 1 ELSE 0 END AS hot, CASE WHEN bad IS NULL THEN 1 END AS ok,
    CASE WHEN bad IS NULL THEN NULL ELSE nrows END AS n_bad,
    ${C.map((c) => `${weighted(d, c)} AS w_${c}`).join(", ")}
  FROM x
)`)}, agg AS (
  -- g: 2 one key on one host; 1 one interval and port of valid rows, or that and one snapshot and reason for
  -- invalid rows, whose counters are NULL: the in-process scan's grouping, without a third set.
  SELECT grouping(family) + 2 * grouping(iv_seq) AS g, host, iface, run_id, iv_seq, ${KEY}, bad_seq, bad,
    ${C.map((c) => `sum(w_${c}) AS ${c}`).join(", ")},
    max(syn / span) AS peak_syn_rate, max(packets / span) AS peak_pkt_rate, max(bytes / span) AS peak_byte_rate,
    count(ok) AS n, max(hot) AS hot, sum(n_bad) AS n_bad
  FROM h
  GROUP BY GROUPING SETS ((host, ${KEY}), (${IV}, dst_port, bad_seq, bad))
), o AS ${d.materialized(`(
  -- Every output row but the candidate rows, from one reference to agg (Trino evaluates agg at each reference):
  -- its rows grouped once more, five ways; s tells the ways apart, and only its own g is kept for each.
  SELECT ${SET_ID} AS s, g, host, iface, run_id, iv_seq, ${KEY}, bad_seq, bad,
    ${C.map((c) => `sum(${c}) AS ${c}`).join(", ")},
    max(peak_syn_rate) AS peak_syn_rate, max(peak_pkt_rate) AS peak_pkt_rate, max(peak_byte_rate) AS peak_byte_rate,
    sum(n) AS n, max(hot) AS hot, sum(n_bad) AS n_bad
  FROM agg
  GROUP BY GROUPING SETS ((g, ${KEY}), (g, host, ${KEY}), (g, ${IV}, bad), (g, ${IV}, dst_port, bad_seq, bad),
    (g, host, iface, run_id, bad_seq, bad))
)`)}
SELECT * FROM (
${out(
  `CASE s WHEN ${SETS.key} THEN 'key' WHEN ${SETS.hostKey} THEN 'host_key' WHEN ${SETS.interval} THEN 'interval' WHEN ${SETS.port} THEN 'port' ELSE 'invalid' END`,
  {
    ...ivCols,
    ...keyCols,
    seq: "bad_seq",
    ...sums((c) => c),
    ...Object.fromEntries(
      ["peak_syn_rate", "peak_pkt_rate", "peak_byte_rate", "hot"].map((c) => [
        c,
        `CASE WHEN s = ${SETS.key} THEN ${c} END`,
      ]),
    ),
    n: `CASE WHEN s = ${SETS.invalid} THEN n_bad ELSE n END`,
    reason: "bad",
  },
  `o WHERE (g = 2 AND n > 0 AND (s = ${SETS.key} OR (s = ${SETS.hostKey} AND (SELECT count(DISTINCT host) FROM snap) > 1)))
  OR (g = 1 AND bad IS NULL AND n > 0 AND s IN (${SETS.interval}, ${SETS.port}))
  OR (g = 1 AND bad IS NOT NULL AND s = ${SETS.invalid})`,
)}
UNION ALL
${out(
  "'row'",
  {
    host: "hr.host",
    iface: "hr.iface",
    run_id: "hr.run_id",
    iv_seq: "hr.iv_seq",
    family: "hr.family",
    src: d.hex("hr.src"),
    prefix_len: "hr.prefix_len",
    dst_port: "hr.dst_port",
    ...sums((c) => `hr.${c}`),
    hot: "hr.hot",
  },
  // src compared as hex text: with the BLOB equality itself, DuckDB 1.5 returned no row of a compacted file
  // here (src stored as BYTE_ARRAY there, FIXED_LEN_BYTE_ARRAY in the collector's files; right again with
  // join_filter_pushdown disabled, so the join's dynamic filter on the Parquet scan). The candidate keys are
  // few; the hex is the output column anyway. compact.test.ts fails without this.
  `h AS hr JOIN (SELECT family, ${d.hex("src")} AS src_hex, prefix_len, dst_port FROM o WHERE s = ${SETS.key} AND g = 2 AND n > 0 AND hot = 1) ck
  ON hr.family = ck.family AND ${d.hex("hr.src")} = ck.src_hex AND hr.prefix_len = ck.prefix_len AND hr.dst_port = ck.dst_port
WHERE hr.bad IS NULL`,
)}
) u
ORDER BY ${OUTPUT_ORDER}${d.trailer}
`;
}
