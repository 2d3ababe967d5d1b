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
 * One row per bucket of a valid line; frees the JSON lists. Run, snapshot index and interval are joined later
 * (joining here lets the planner build its hash table on the unnested side, which is far slower).
 */
export const LEGACY_FLATTEN_SQL = [
  "CREATE TEMP TABLE jflat AS SELECT sid0, unnest(buckets, recursive := true) FROM jsnap WHERE valid",
  "DROP TABLE jsnap",
];

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
  coalesce(dst_port, 0)::INTEGER AS port
FROM (SELECT *, coalesce(key_value, ${IPV4_U32("src_ip")}) AS ip
      FROM (SELECT DISTINCT key_type, src_ip, key_value, dst_port FROM jflat))`;

/** Rows dropped because their key's address was not IPv4 text. */
export const LEGACY_BAD_ADDR_SQL = `SELECT count(*) AS n FROM jflat f JOIN jkeys k
  ON f.key_type = k.key_type AND f.src_ip IS NOT DISTINCT FROM k.src_ip AND f.key_value IS NOT DISTINCT FROM k.key_value
  AND f.dst_port IS NOT DISTINCT FROM k.dst_port
WHERE k.src IS NULL`;

/**
 * Deltas per spec §2: current - previous for an entry that continued from the immediately preceding snapshot
 * of the run with no counter lower; otherwise (new entry, re-inserted, counter reset) the current values.
 * The window is partitioned by one integer (run and key id packed), which DuckDB sorts fastest. Rows of baseline snapshots (iv NULL) only serve as "previous".
 * All-zero deltas are dropped.
 */
export const LEGACY_DELTAS_SQL = [
  `CREATE TEMP TABLE jrows AS
WITH k AS (
  SELECT k.kid, (m.run::BIGINT << 32) | k.kid AS pk, m.sidx, m.iv, ${C.map((c) => `f.${c}::BIGINT AS ${c}`).join(", ")}
  FROM jflat f JOIN jmap m ON f.sid0 = m.sid0 JOIN jkeys k
    ON f.key_type = k.key_type AND f.src_ip IS NOT DISTINCT FROM k.src_ip AND f.key_value IS NOT DISTINCT FROM k.key_value
    AND f.dst_port IS NOT DISTINCT FROM k.dst_port
  WHERE k.src IS NOT NULL
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
