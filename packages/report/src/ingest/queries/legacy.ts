// SQL for the reference collector's JSONL (schema v3-v7): DuckDB's reader, then window functions for deltas.
import { quoteList } from "../sql.js";

/** Large enough for one line holding 100 000 buckets (about 15 MB) with a wide margin. */
export const MAX_OBJECT_SIZE = 256 * 1024 * 1024;

const BUCKET_TYPE =
  "STRUCT(key_type VARCHAR, src_ip VARCHAR, key_value UBIGINT, dst_port INTEGER, syn UBIGINT, ack UBIGINT, handshake_ack UBIGINT, rst UBIGINT, packets UBIGINT, bytes UBIGINT)[]";

/**
 * One row per line, in file order. Unknown members are ignored (explicit columns); a line that does not
 * parse comes back as a row of NULLs (ignore_errors), which `valid` flags.
 */
export function legacyLoadSql(files: readonly string[]): string {
  return `CREATE TEMP TABLE jsnap AS
SELECT row_number() OVER () AS sid0, filename AS file, version, ts_unix_sec AS ts, run_id, base_ts_unix_sec AS base_ts,
  interval_sec, dst_ports, buckets,
  (version BETWEEN 3 AND 7 AND ts_unix_sec IS NOT NULL AND buckets IS NOT NULL
   AND len(list_filter(buckets, b -> b.syn IS NULL OR b.ack IS NULL OR b.handshake_ack IS NULL OR b.rst IS NULL
        OR b.packets IS NULL OR b.bytes IS NULL OR (b.src_ip IS NULL AND b.key_value IS NULL)
        OR b.key_type NOT IN ('src_ip', 'src_cidr24'))) = 0) AS valid
FROM read_json(${quoteList(files)}, format = 'newline_delimited', ignore_errors = true, filename = true,
  maximum_object_size = ${MAX_OBJECT_SIZE},
  columns = {version: 'BIGINT', ts_unix_sec: 'DOUBLE', run_id: 'VARCHAR', base_ts_unix_sec: 'DOUBLE',
             interval_sec: 'DOUBLE', dst_ports: 'INTEGER[]', buckets: '${BUCKET_TYPE}'})`;
}

export const LEGACY_CATALOG_SQL = `SELECT sid0, file, version, ts, run_id, base_ts, interval_sec, dst_ports,
  coalesce(len(buckets), 0) AS nb, coalesce(valid, false) AS valid
FROM jsnap ORDER BY sid0`;

/** IPv4 text -> u32 (NULL when not four decimal octets). */
const IPV4_U32 = (s: string) => `(CASE WHEN len(string_split(${s}, '.')) = 4 THEN
  TRY_CAST(split_part(${s}, '.', 1) AS UTINYINT)::UBIGINT * 16777216 + TRY_CAST(split_part(${s}, '.', 2) AS UTINYINT)::UBIGINT * 65536
  + TRY_CAST(split_part(${s}, '.', 3) AS UTINYINT)::UBIGINT * 256 + TRY_CAST(split_part(${s}, '.', 4) AS UTINYINT)::UBIGINT END)`;

const C = ["syn", "ack", "handshake_ack", "rst", "packets", "bytes"] as const;

/**
 * Deltas per spec §2: current - previous for an entry that continued from the immediately preceding snapshot
 * of the run with no counter lower; otherwise (new entry, re-inserted, counter reset) the current values.
 * Rows of baseline snapshots (iv NULL) only serve as "previous". All-zero deltas are dropped.
 */
export const LEGACY_DELTAS_SQL = `CREATE TEMP TABLE jrows AS
WITH b AS (
  SELECT m.run, m.sidx, m.iv, unnest(s.buckets) AS b FROM jsnap s JOIN jmap m ON s.sid0 = m.sid0
), k AS (
  SELECT run, sidx, iv,
    CASE WHEN b.key_type = 'src_cidr24' THEN 24 ELSE 32 END AS prefix_len,
    coalesce(b.key_value, ${IPV4_U32("b.src_ip")}) AS ip,
    coalesce(b.dst_port, 0) AS dst_port,
    ${C.map((c) => `b.${c}::BIGINT AS ${c}`).join(", ")}
  FROM b
), l AS (
  SELECT *, lag(sidx) OVER w AS p_sidx, ${C.map((c) => `lag(${c}) OVER w AS p_${c}`).join(", ")}
  FROM k WHERE ip IS NOT NULL AND ip <= 4294967295
  WINDOW w AS (PARTITION BY run, prefix_len, ip, dst_port ORDER BY sidx)
), d AS (
  SELECT *, coalesce(p_sidx = sidx - 1 AND ${C.map((c) => `${c} >= p_${c}`).join(" AND ")}, false) AS cont FROM l
)
SELECT iv, 4::TINYINT AS family,
  from_hex(printf('%08x000000000000000000000000', CASE WHEN prefix_len = 24 THEN ip // 256 * 256 ELSE ip END)) AS src,
  prefix_len::SMALLINT AS prefix_len, dst_port::INTEGER AS dst_port,
  ${C.map((c) => `CASE WHEN cont THEN ${c} - p_${c} ELSE ${c} END AS ${c}`).join(",\n  ")}
FROM d
WHERE iv IS NOT NULL AND NOT (${C.map((c) => `(CASE WHEN cont THEN ${c} - p_${c} ELSE ${c} END) = 0`).join(" AND ")})`;

/** Buckets dropped because their address was not IPv4 text. */
export const LEGACY_BAD_ADDR_SQL = `SELECT count(*) AS n FROM (SELECT unnest(buckets) AS b FROM jsnap WHERE valid)
WHERE b.key_value IS NULL AND ${IPV4_U32("b.src_ip")} IS NULL`;

/** Folds rows of merged intervals (a short final snapshot merged into its predecessor) into one row per key. */
export const LEGACY_MERGE_SQL = [
  `CREATE TEMP TABLE jmerged AS SELECT iv, family, src, prefix_len, dst_port, ${C.map((c) => `sum(${c})::BIGINT AS ${c}`).join(", ")}
   FROM jrows WHERE iv IN (SELECT iv FROM merged_iv) GROUP BY ALL`,
  "DELETE FROM jrows WHERE iv IN (SELECT iv FROM merged_iv)",
  "INSERT INTO jrows SELECT * FROM jmerged",
  "DROP TABLE jmerged",
];
