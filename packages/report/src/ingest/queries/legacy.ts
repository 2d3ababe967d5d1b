// SQL for the reference collector's JSONL (schema v3-v7). The lines are streamed in JS (ingest/legacy-stream.ts);
// DuckDB types and judges only the lines the fast path does not take, one line at a time, with the same column
// types its reader used, and holds the deltas.
import type { FileListRef } from "../file-list.js";
import { quoteLiteral } from "../sql.js";
import { rowReasonSql } from "./row-rules.js";

/**
 * The longest line read: one line of 100 000 buckets is about 15 MB, so this is an 8x margin (about 850 000
 * buckets). A longer line is skipped and named (a line is held whole while it is read).
 */
export const MAX_OBJECT_SIZE = 128 * 1024 * 1024;

/**
 * dst_port is read wide (HUGEINT): DuckDB's reader turns a value that does not fit the declared type into NULL,
 * and a NULL port means "any port"; read wide, an impossible port reaches the row rule and is skipped.
 */
const BUCKET =
  "STRUCT(key_type VARCHAR, src_ip VARCHAR, key_value UBIGINT, dst_port HUGEINT, syn UBIGINT, ack UBIGINT, handshake_ack UBIGINT, rst UBIGINT, packets UBIGINT, bytes UBIGINT)";

/** The members of a line that are read, with their types (DuckDB's reader and the one-line re-read share them). */
const LINE_COLUMNS: readonly (readonly [string, string])[] = [
  ["version", "BIGINT"],
  ["ts_unix_sec", "DOUBLE"],
  ["run_id", "VARCHAR"],
  ["base_ts_unix_sec", "DOUBLE"],
  ["interval_sec", "DOUBLE"],
  ["buckets", `${BUCKET}[]`],
];

/** A bucket row is usable, or the NULL placeholder of an empty line. */
const BUCKET_OK = `((key_type IS NULL AND src_ip IS NULL AND key_value IS NULL AND syn IS NULL)
  OR (key_type IN ('src_ip', 'src_cidr24') AND (src_ip IS NOT NULL OR key_value IS NOT NULL)
      AND syn IS NOT NULL AND ack IS NOT NULL AND handshake_ack IS NOT NULL AND rst IS NOT NULL
      AND packets IS NOT NULL AND bytes IS NOT NULL))`;

const C = ["syn", "ack", "handshake_ack", "rst", "packets", "bytes"] as const;

/**
 * The row rule (row-rules.ts) for one bucket of jodd (table alias `a`, or none): the raw cumulative counters
 * as read, family 4, prefix 32 or 24, port 0 for "any port". The address text is checked when the key is
 * decoded (LEGACY_LINE_BUCKETS_SQL). NULL for the placeholder row of an empty line.
 */
export function legacyBucketReason(a = ""): string {
  const col = (c: string) => (a ? `${a}.${c}` : c);
  return `(CASE WHEN ${col("key_type")} IS NULL THEN NULL ELSE ${rowReasonSql({
    family: "4",
    prefixLen: `(CASE WHEN ${col("key_type")} = 'src_cidr24' THEN 24 ELSE 32 END)`,
    src: null,
    dstPort: `coalesce(${col("dst_port")}, 0)`,
    counters: C.map((c) => [c, col(c)] as const),
  })} END)`;
}

/**
 * The one line in jodd as a snapshot; `valid` is false when the header or any bucket is unusable.
 * `bad_reasons` lists the row rule broken by each bucket that breaks it (skipped, the rest of the line is kept).
 */
export const LEGACY_LINE_CATALOG_SQL = `SELECT ts, run_id, any_value(version) AS version, any_value(base_ts) AS base_ts,
  any_value(interval_sec) AS interval_sec, count(key_type) AS nb,
  list(reason) FILTER (WHERE reason IS NOT NULL) AS bad_reasons,
  coalesce(bool_and(${BUCKET_OK}) AND any_value(version) BETWEEN 3 AND 7 AND ts IS NOT NULL, false) AS valid,
  list(DISTINCT TRY_CAST(dst_port AS INTEGER)) FILTER (WHERE dst_port BETWEEN 0 AND 65535) AS dst_ports
FROM (SELECT *, ${legacyBucketReason()} AS reason FROM jodd)
GROUP BY ts, run_id`;

/** IPv4 text -> u32 (NULL when not four decimal octets). */
const IPV4_U32 = (s: string) => `(CASE WHEN len(string_split(${s}, '.')) = 4 THEN
  TRY_CAST(split_part(${s}, '.', 1) AS UTINYINT)::UBIGINT * 16777216 + TRY_CAST(split_part(${s}, '.', 2) AS UTINYINT)::UBIGINT * 65536
  + TRY_CAST(split_part(${s}, '.', 3) AS UTINYINT)::UBIGINT * 256 + TRY_CAST(split_part(${s}, '.', 4) AS UTINYINT)::UBIGINT END)`;

/**
 * The usable buckets of the line in jodd, the address decoded (NULL when it is not IPv4 text or beyond 32
 * bits) and the key's identity as the reader typed it (two spellings of one address are two keys).
 */
export const LEGACY_LINE_BUCKETS_SQL = `SELECT key_type, src_ip, key_value::DOUBLE AS key_value, dst_port::INTEGER AS dst_port,
  CASE WHEN ip <= 4294967295 THEN ip::DOUBLE END AS ip, ${C.map((c) => `${c}::DOUBLE AS ${c}`).join(", ")}
FROM (SELECT *, coalesce(key_value, ${IPV4_U32("src_ip")}) AS ip FROM jodd)
WHERE key_type IS NOT NULL AND ${legacyBucketReason()} IS NULL`;

/**
 * One line's rows ($1 the line's text) into jodd, typed as DuckDB's JSON reader typed them with these columns:
 * one row per bucket, or one row of NULL bucket columns for a line without buckets.
 */
export const LEGACY_LINE_SQL = `CREATE OR REPLACE TEMP TABLE jodd AS
SELECT j.version, j.ts_unix_sec AS ts, j.run_id, j.base_ts_unix_sec AS base_ts, j.interval_sec,
  unnest(CASE WHEN len(j.buckets) = 0 THEN [NULL::${BUCKET}] ELSE coalesce(j.buckets, [NULL::${BUCKET}]) END, recursive := true)
FROM (SELECT json_transform($1, '{${LINE_COLUMNS.map(([k, t]) => `"${k}": "${t}"`).join(", ")}}') AS j)`;

/** Delta columns of jd_small (UINTEGER: every delta of the row below 2^32, the usual case) and jd_big (DOUBLE). */
export const LEGACY_DELTA_COLUMNS = C;

/**
 * jrows (iv, kid, six counters) over the streamed deltas (the Parquet files they were spooled to, and the rows
 * still in jd_small/jd_big; the files' lists registered by file-list.ts, so the SQL text does not grow with
 * them): each line mapped to its interval by jline (lines of baselines and of skipped
 * snapshots have none), the rows of merged intervals summed per key.
 */
export function legacyRowsViewSql(
  small: FileListRef | null,
  big: FileListRef | null,
  anyMerged: boolean,
): string {
  const parts = ["SELECT * FROM jd_small", "SELECT * FROM jd_big"];
  for (const l of [small, big]) if (l && l.count > 0) parts.push(`SELECT * FROM read_parquet(${l.expr})`);
  // Written out twice rather than as a CTE: DuckDB materialises a CTE used twice, i.e. every delta in memory.
  const d = `(SELECT m.iv, d.kid, ${C.map((c) => `d.${c}::BIGINT AS ${c}`).join(", ")}
  FROM (${parts.join(" UNION ALL ")}) d JOIN jline m ON d.line = m.line)`;
  if (!anyMerged) return `CREATE OR REPLACE TEMP VIEW jrows AS SELECT * FROM ${d}`;
  return `CREATE OR REPLACE TEMP VIEW jrows AS
SELECT * FROM ${d} WHERE iv NOT IN (SELECT iv FROM merged_iv)
UNION ALL
SELECT iv, kid, ${C.map((c) => `sum(${c})::BIGINT AS ${c}`).join(", ")} FROM ${d} WHERE iv IN (SELECT iv FROM merged_iv) GROUP BY iv, kid`;
}

/** Moves a delta table's rows to a Parquet file (the deltas of a day stay on disk, not in memory). */
export function spoolSql(table: string, path: string): string {
  return `COPY ${table} TO ${quoteLiteral(path)} (FORMAT parquet)`;
}

/**
 * The fallback when a run's snapshots did not arrive in run order (files out of order, duplicate or skipped
 * snapshots): raw cumulative counters in jraw (line, kid, ...), deltas per spec §2 by window: current - previous
 * for an entry that continued from the immediately preceding snapshot of the run with no counter lower;
 * otherwise (new entry, re-inserted, counter reset) the current values. All-zero deltas are dropped.
 */
export const LEGACY_WINDOW_DELTAS_SQL = `CREATE OR REPLACE TEMP TABLE jd_big AS
WITH k AS (
  SELECT r.kid, (m.run::BIGINT << 32) | r.kid AS pk, m.sidx, r.line, ${C.map((c) => `r.${c}`).join(", ")}
  FROM jraw r JOIN jline_all m ON r.line = m.line
), l AS (
  SELECT *, lag(sidx) OVER w AS p_sidx, ${C.map((c) => `lag(${c}) OVER w AS p_${c}`).join(", ")}
  FROM k WINDOW w AS (PARTITION BY pk ORDER BY sidx)
), d AS (
  SELECT *, coalesce(p_sidx = sidx - 1 AND ${C.map((c) => `${c} >= p_${c}`).join(" AND ")}, false) AS cont FROM l
)
SELECT line, kid, ${C.map((c) => `CASE WHEN cont THEN ${c} - p_${c} ELSE ${c} END AS ${c}`).join(",\n  ")}
FROM d
WHERE NOT (${C.map((c) => `(CASE WHEN cont THEN ${c} - p_${c} ELSE ${c} END) = 0`).join(" AND ")})`;
