// SQL for the reference collector's JSONL (schema v3-v7): DuckDB's reader, then window functions for deltas.
import { fileList } from "../sql.js";
import { rowReasonSql } from "./row-rules.js";

/**
 * Large enough for one line of 100 000 buckets (about 15 MB) with an 8x margin (about 850 000 buckets). The reader
 * keeps buffers of this size per thread, so 256 MB made a 2 GB --memory-limit run out of memory.
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

/**
 * One row per bucket, straight from the reader (the unnest runs in the reader's parallel pipeline; unnesting a
 * stored table of lines runs on one thread). Unknown members are ignored (explicit columns). A line that does
 * not parse, or has no buckets, yields one row whose bucket columns are NULL, so the catalog still sees it.
 * Do not put a lambda over `buckets` in this projection: beside unnest it is pathologically slow.
 */
export function legacyLoadSql(files: readonly string[]): string {
  return `CREATE TEMP TABLE jflat AS
SELECT filename AS file, version, ts_unix_sec AS ts, run_id, base_ts_unix_sec AS base_ts, interval_sec,
  unnest(CASE WHEN len(buckets) = 0 THEN [NULL::${BUCKET}] ELSE coalesce(buckets, [NULL::${BUCKET}]) END, recursive := true)
FROM read_json(${fileList(files)}, format = 'newline_delimited', ignore_errors = true, filename = true,
  maximum_object_size = ${MAX_OBJECT_SIZE},
  columns = {${LINE_COLUMNS.map(([k, t]) => `${k}: '${t}'`).join(", ")}})`;
}

/** A bucket row is usable, or the NULL placeholder of an empty line. */
const BUCKET_OK = `((key_type IS NULL AND src_ip IS NULL AND key_value IS NULL AND syn IS NULL)
  OR (key_type IN ('src_ip', 'src_cidr24') AND (src_ip IS NOT NULL OR key_value IS NOT NULL)
      AND syn IS NOT NULL AND ack IS NOT NULL AND handshake_ack IS NOT NULL AND rst IS NOT NULL
      AND packets IS NOT NULL AND bytes IS NOT NULL))`;

const C = ["syn", "ack", "handshake_ack", "rst", "packets", "bytes"] as const;

/**
 * The row rule (row-rules.ts) for one bucket of jflat (table alias `a`, or none): the raw cumulative counters
 * as read, family 4, prefix 32 or 24, port 0 for "any port". The address text is checked when the key is
 * decoded (LEGACY_BAD_ADDR_SQL). NULL for the placeholder row of an empty line.
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
 * One row per snapshot (file, ts, run_id); `valid` is false when the header or any bucket is unusable.
 * `bad_reasons` counts the buckets that break the row rule, per reason (skipped, the rest of the line is kept).
 */
export const LEGACY_CATALOG_SQL = `SELECT file, ts, run_id, any_value(version) AS version, any_value(base_ts) AS base_ts,
  any_value(interval_sec) AS interval_sec, count(key_type) AS nb,
  list(reason) FILTER (WHERE reason IS NOT NULL) AS bad_reasons,
  coalesce(bool_and(${BUCKET_OK}) AND any_value(version) BETWEEN 3 AND 7 AND ts IS NOT NULL, false) AS valid,
  list(DISTINCT TRY_CAST(dst_port AS INTEGER)) FILTER (WHERE dst_port BETWEEN 0 AND 65535) AS dst_ports
FROM (SELECT *, ${legacyBucketReason()} AS reason FROM jflat)
GROUP BY file, ts, run_id ORDER BY file, ts NULLS FIRST, run_id NULLS FIRST`;

/** IPv4 text -> u32 (NULL when not four decimal octets). */
const IPV4_U32 = (s: string) => `(CASE WHEN len(string_split(${s}, '.')) = 4 THEN
  TRY_CAST(split_part(${s}, '.', 1) AS UTINYINT)::UBIGINT * 16777216 + TRY_CAST(split_part(${s}, '.', 2) AS UTINYINT)::UBIGINT * 65536
  + TRY_CAST(split_part(${s}, '.', 3) AS UTINYINT)::UBIGINT * 256 + TRY_CAST(split_part(${s}, '.', 4) AS UTINYINT)::UBIGINT END)`;

/**
 * The distinct keys, numbered, with the address decoded once per key (not once per row): family 4,
 * 16-byte big-endian src (NULL when the text is not IPv4), prefix 32 or 24 (src_cidr24), port 0 = any port.
 */
export const LEGACY_KEYS_SQL = `CREATE TEMP TABLE jkeys AS
SELECT row_number() OVER (ORDER BY key_type, src_ip, key_value, dst_port)::INTEGER AS kid, key_type, src_ip, key_value, dst_port,
  4::TINYINT AS family,
  CASE WHEN ip IS NOT NULL AND ip <= 4294967295
    THEN from_hex(printf('%08x000000000000000000000000', CASE WHEN key_type = 'src_cidr24' THEN ip // 256 * 256 ELSE ip END)) END AS src,
  (CASE WHEN key_type = 'src_cidr24' THEN 24 ELSE 32 END)::SMALLINT AS prefix_len,
  TRY_CAST(coalesce(dst_port, 0) AS INTEGER) AS port
FROM (SELECT *, coalesce(key_value, ${IPV4_U32("src_ip")}) AS ip
      FROM (SELECT DISTINCT key_type, src_ip, key_value, dst_port FROM jflat WHERE key_type IS NOT NULL))`;

/** Rows dropped because their key's address was not IPv4 text. */
export const LEGACY_BAD_ADDR_SQL = `SELECT count(*) AS n FROM jflat f JOIN jkeys k
  ON f.key_type = k.key_type AND f.src_ip IS NOT DISTINCT FROM k.src_ip AND f.key_value IS NOT DISTINCT FROM k.key_value
  AND f.dst_port IS NOT DISTINCT FROM k.dst_port
WHERE k.src IS NULL`;

/**
 * Deltas per spec §2: current - previous for an entry that continued from the immediately preceding snapshot
 * of the run with no counter lower; otherwise (new entry, re-inserted, counter reset) the current values.
 * The window is partitioned by one integer (run and key id packed), which DuckDB sorts fastest. Rows of baseline snapshots (iv NULL) only serve as "previous".
 * All-zero deltas are dropped. Buckets that break the row rule are left out (counted in the catalog).
 */
export const LEGACY_DELTAS_SQL = [
  `CREATE TEMP TABLE jrows AS
WITH k AS (
  SELECT k.kid, (m.run::BIGINT << 32) | k.kid AS pk, m.sidx, m.iv, ${C.map((c) => `f.${c}::BIGINT AS ${c}`).join(", ")}
  FROM jflat f JOIN jmap m ON f.file = m.file AND f.ts = m.ts AND f.run_id IS NOT DISTINCT FROM m.run_id JOIN jkeys k
    ON f.key_type = k.key_type AND f.src_ip IS NOT DISTINCT FROM k.src_ip AND f.key_value IS NOT DISTINCT FROM k.key_value
    AND f.dst_port IS NOT DISTINCT FROM k.dst_port
  WHERE k.src IS NOT NULL AND ${legacyBucketReason("f")} IS NULL
), l AS (
  SELECT *, lag(sidx) OVER w AS p_sidx, ${C.map((c) => `lag(${c}) OVER w AS p_${c}`).join(", ")}
  FROM k WINDOW w AS (PARTITION BY pk ORDER BY sidx)
), d AS (
  SELECT *, coalesce(p_sidx = sidx - 1 AND ${C.map((c) => `${c} >= p_${c}`).join(" AND ")}, false) AS cont FROM l
)
SELECT iv, kid, ${C.map((c) => `CASE WHEN cont THEN ${c} - p_${c} ELSE ${c} END AS ${c}`).join(",\n  ")}
FROM d
WHERE iv IS NOT NULL AND NOT (${C.map((c) => `(CASE WHEN cont THEN ${c} - p_${c} ELSE ${c} END) = 0`).join(" AND ")})`,
  "DROP TABLE jflat",
];

/** Folds rows of merged intervals (a short final snapshot merged into its predecessor) into one row per key. */
export const LEGACY_MERGE_SQL = [
  `CREATE TEMP TABLE jmerged AS SELECT iv, kid, ${C.map((c) => `sum(${c})::BIGINT AS ${c}`).join(", ")}
   FROM jrows WHERE iv IN (SELECT iv FROM merged_iv) GROUP BY ALL`,
  "DELETE FROM jrows WHERE iv IN (SELECT iv FROM merged_iv)",
  "INSERT INTO jrows SELECT * FROM jmerged",
  "DROP TABLE jmerged",
];

/**
 * One line's rows, typed exactly as legacyLoadSql's reader types them ($1 file, $2 the line's text), for a line
 * that reader cannot take (a UTF-8 BOM before the first line: see ingest/jsonl-preflight.ts).
 */
export const LEGACY_LINE_INSERT_SQL = `INSERT INTO jflat BY NAME
SELECT $1 AS file, j.version, j.ts_unix_sec AS ts, j.run_id, j.base_ts_unix_sec AS base_ts, j.interval_sec,
  unnest(CASE WHEN len(j.buckets) = 0 THEN [NULL::${BUCKET}] ELSE coalesce(j.buckets, [NULL::${BUCKET}]) END, recursive := true)
FROM (SELECT json_transform($2, '{${LINE_COLUMNS.map(([k, t]) => `"${k}": "${t}"`).join(", ")}}') AS j)`;
