// The heavy pass: one scan of the stored deltas, grouped into a compact candidate set.
import { conditionSql, HOT, hotParams } from "../../analysis/hot-predicate.js";
import type { FileListRef } from "../file-list.js";
import { rowReasonSql } from "./row-rules.js";

export const COUNTER_COLS = ["syn", "ack", "handshake_ack", "rst", "packets", "bytes"] as const;

/**
 * Where Parquet rows come from: the files themselves, or a table that a batched scan filled with
 * parquetRowsSql's rows (`where`: an optional condition on them, e.g. pass 2's intervals).
 */
export type ParquetRows = { files: FileListRef } | { table: string; where?: string };

export interface RowSource {
  /** Parquet files whose snapshot is alone in its interval (null: none). */
  parquetPlain: ParquetRows | null;
  /** Parquet files of merged intervals, grouped per key and interval before judging (null: none). */
  parquetMerged: ParquetRows | null;
  /**
   * Compacted files (`ibsr-report compact`) holding snapshots alone in their interval, and those of merged
   * intervals: their rows are matched to pq_member by the snapshot's identity columns, not the file alone.
   */
  compactedPlain?: FileListRef | null;
  compactedMerged?: FileListRef | null;
  /** Restrict compacted members to intervals listed in this temp table (pass 2). */
  compactedIvTable?: string;
  /** Read the legacy table jrows (already one row per key and interval). */
  jsonl: boolean;
  /** Restrict jrows to intervals listed in this temp table (pass 2). */
  jsonlIvTable?: string;
  /** --dst-ports filter. */
  ports: readonly number[] | null;
}

function portFilter(ports: readonly number[] | null, col: string): string {
  return ports && ports.length > 0 ? `${col} IN (${ports.map((p) => String(p | 0)).join(", ")})` : "TRUE";
}

/** The row rule over a raw Parquet row `p` (see row-rules.ts). */
const PARQUET_ROW_REASON = rowReasonSql({
  family: "p.family",
  prefixLen: "p.prefix_len",
  src: "p.src",
  dstPort: "p.dst_port",
  counters: COUNTER_COLS.map((c) => [`${c}_delta`, `p.${c}_delta`] as const),
});

/**
 * Every row with its file id (pq_map.fid) and `bad`: NULL for a valid row, else why it is skipped. The key
 * columns were checked against the expected types before the scan, so the casts never narrow.
 * Columns are matched by name (DuckDB's default); every file was checked to have them all, so union_by_name is
 * not needed, and it would keep every file's reader open: about 60 kB a file, 17 GB for a fleet's day.
 */
export function parquetRowsSql(
  files: FileListRef,
  ports: readonly number[] | null,
  join = "pq_map m ON m.file = p.filename",
  where = "TRUE",
): string {
  return `SELECT m.iv, m.fid, p.family::TINYINT AS family, p.src, p.prefix_len::SMALLINT AS prefix_len, p.dst_port::INTEGER AS dst_port,
  ${COUNTER_COLS.map((c) => `p.${c}_delta AS ${c}`).join(", ")}, ${PARQUET_ROW_REASON} AS bad, 1::BIGINT AS nrows
FROM read_parquet(${files.expr}, hive_partitioning = false, filename = true) p
JOIN ${join}
WHERE ${portFilter(ports, "p.dst_port")} AND ${where}`;
}

/**
 * A compacted file's rows, each joined to its member (pq_member: file, snapshot identity, interval, fid,
 * merged) by the identity columns every snapshot row carries; `merged` picks the plain or merged members.
 */
function compactedSelect(files: FileListRef, s: RowSource, merged: boolean): string {
  return parquetRowsSql(
    files,
    s.ports,
    `pq_member m ON m.file = p.filename AND m.host = p.host AND m.iface = p.iface AND m.run_id = p.run_id AND m.seq = p.seq AND m.merged = ${merged}`,
    s.compactedIvTable ? `m.iv IN (SELECT iv FROM ${s.compactedIvTable})` : "TRUE",
  );
}

function parquetSelect(src: ParquetRows, ports: readonly number[] | null): string {
  if ("files" in src) return parquetRowsSql(src.files, ports);
  return `SELECT * FROM ${src.table}${src.where ? ` WHERE ${src.where}` : ""}`;
}

/** Valid rows summed per key and interval (across files); invalid rows kept apart per file and reason. */
function grouped(inner: string): string {
  return `SELECT iv, fid, family, src, prefix_len, dst_port,
  ${COUNTER_COLS.map((c) => `(sum(${c}) FILTER (WHERE bad IS NULL))::BIGINT AS ${c}`).join(", ")}, bad, count(*) AS nrows
FROM (SELECT * REPLACE (CASE WHEN bad IS NULL THEN NULL ELSE fid END AS fid) FROM (${inner}))
GROUP BY iv, fid, family, src, prefix_len, dst_port, bad`;
}

/**
 * One row per key per interval: (iv, fid, family, src, prefix_len, dst_port, six counters, bad, nrows); rows with
 * `bad` set are invalid (nrows of them, in file fid) and only counted.
 */
export function rowsSql(s: RowSource): string {
  const parts: string[] = [];
  if (s.parquetPlain) parts.push(parquetSelect(s.parquetPlain, s.ports));
  if (s.parquetMerged) parts.push(grouped(parquetSelect(s.parquetMerged, s.ports)));
  if (s.compactedPlain) parts.push(compactedSelect(s.compactedPlain, s, false));
  if (s.compactedMerged) parts.push(grouped(compactedSelect(s.compactedMerged, s, true)));
  if (s.jsonl)
    parts.push(
      `SELECT j.iv, NULL::INTEGER AS fid, k.family, k.src, k.prefix_len, k.port AS dst_port, ${COUNTER_COLS.map((c) => `j.${c}`).join(", ")},
  NULL::VARCHAR AS bad, 1::BIGINT AS nrows
FROM jrows j JOIN jkeys k ON j.kid = k.kid WHERE ${portFilter(s.ports, "k.port")}${
        s.jsonlIvTable ? ` AND j.iv IN (SELECT iv FROM ${s.jsonlIvTable})` : ""
      }`,
    );
  if (parts.length === 0)
    return `SELECT NULL::INTEGER AS iv, NULL::INTEGER AS fid, NULL::TINYINT AS family, NULL::BLOB AS src, NULL::SMALLINT AS prefix_len,
      NULL::INTEGER AS dst_port, ${COUNTER_COLS.map((c) => `NULL::BIGINT AS ${c}`).join(", ")}, NULL::VARCHAR AS bad, NULL::BIGINT AS nrows WHERE FALSE`;
  return parts.map((p) => `(${p})`).join("\nUNION ALL\n");
}

/** Hot at the bound thresholds (spec §3), generated from analysis/hot-predicate.ts; bind hotParams. */
export const HOT_PREDICATE = conditionSql(HOT);
export { hotParams };

/** Weighted count for pro-rata intervals at the --since/--until edges (exact when w = 1). */
function weighted(c: string, anyPartial: boolean): string {
  return anyPartial ? `(CASE WHEN w = 1 THEN ${c} ELSE round(${c} * w)::BIGINT END)` : c;
}

/**
 * Pass 1 (bind hotParams(cfg, 0.5)). Groups the joined rows two ways in one scan: per key (totals, peak rates, hot rows at 0.5x)
 * and per interval and port (totals, distinct sources; invalid rows apart per file and reason). The per-interval totals are
 * summed from the latter (IV_TOTALS_SQL): each grouping set computes every aggregate, peak rates and hot rows included, so a
 * third set cost about a third of the grouping work for a few thousand rows.
 * hot_rows is unordered (scan() sorts each candidate's rows): an ordered list aggregate made this query
 * superlinear in the number of keys (2 M keys: several times slower than the rest of the pass).
 * `perHost` (several hosts) adds a fourth set, per host and key (g_key = 2): each host's distinct keys.
 */
export function pass1Sql(rows: string, anyPartial: boolean, perHost = false): string {
  // Invalid rows keep their key and interval but lose their counters (NULL: ignored by every aggregate) and
  // land in their own (iv, dst_port, fid, bad) groups; valid rows have fid NULL there. Nulling is cheaper than a
  // FILTER per aggregate, and the interval grouping doubles as the per-file count of invalid rows: no third set.
  return `CREATE TEMP TABLE agg AS
WITH v AS (
  SELECT * REPLACE (${COUNTER_COLS.map((c) => `CASE WHEN bad IS NULL THEN ${c} END AS ${c}`).join(", ")},
    CASE WHEN bad IS NULL THEN NULL ELSE fid END AS fid),
    CASE WHEN bad IS NULL THEN 1 END AS ok, CASE WHEN bad IS NOT NULL THEN nrows END AS n_bad_rows
  FROM (${rows})
), x AS (
  SELECT v.*, i.span, i.w, i.host, (bad IS NULL AND ${HOT_PREDICATE}) AS hot
  FROM v JOIN ivals i ON v.iv = i.iv
)
SELECT ${perHost ? "GROUPING(family) + 2 * (1 - GROUPING(host))" : "GROUPING(family)"} AS g_key,
  family, src, prefix_len, dst_port, iv, fid, bad, ${perHost ? "host" : "NULL::VARCHAR AS host"},
  ${COUNTER_COLS.map((c) => `sum(${weighted(c, anyPartial)}) AS ${c}`).join(", ")},
  max(syn / span) AS peak_syn_rate, max(packets / span) AS peak_pkt_rate, max(bytes / span) AS peak_byte_rate,
  count(ok) AS n,
  sum(n_bad_rows) AS n_bad,
  bool_or(hot) AS any_hot,
  list({iv: iv, ${COUNTER_COLS.map((c) => `${c}: ${c}`).join(", ")}}) FILTER (WHERE hot) AS hot_rows
FROM x
GROUP BY GROUPING SETS ((family, src, prefix_len, dst_port), (iv, dst_port, fid, bad)${perHost ? ", (host, family, src, prefix_len, dst_port)" : ""})`;
}

export const KEY_TOTALS_SQL = `SELECT family, src, prefix_len, dst_port, ${COUNTER_COLS.join(", ")},
  peak_syn_rate, peak_pkt_rate, peak_byte_rate, n, any_hot, hot_rows
FROM agg WHERE g_key = 0 AND n > 0`;

/** Per interval: the sum of its per-port groups (a valid row has one port, so keys add up across ports). */
export const IV_TOTALS_SQL = `SELECT iv, ${COUNTER_COLS.map((c) => `sum(${c}) AS ${c}`).join(", ")}, sum(n) AS n
FROM agg WHERE g_key = 1 AND bad IS NULL GROUP BY iv HAVING sum(n) > 0 ORDER BY iv`;

export const IV_PORT_SQL = `SELECT iv, dst_port, ${COUNTER_COLS.join(", ")}, n FROM agg WHERE g_key = 1 AND bad IS NULL AND n > 0 ORDER BY iv, dst_port`;

/** Invalid rows per file id and reason (file-level rule: row-rules.ts), summed over the per-port groups. */
export const INVALID_ROWS_SQL = `SELECT fid, bad AS reason, sum(n_bad) AS n FROM agg
WHERE g_key = 1 AND bad IS NOT NULL GROUP BY fid, bad ORDER BY fid, reason`;

/** Pass 2 (bind hotParams(cfg, 0.5)): the valid not-hot rows of candidate keys, only in intervals a block could cover. */
export function pass2Sql(rows: string): string {
  return `SELECT x.iv, x.family, x.src, x.prefix_len, x.dst_port, ${COUNTER_COLS.map((c) => `x.${c}`).join(", ")}
FROM (SELECT r.*, i.span FROM (${rows}) r JOIN ivals i ON r.iv = i.iv) x
SEMI JOIN cand k ON x.family = k.family AND x.src = k.src AND x.prefix_len = k.prefix_len AND x.dst_port = k.dst_port
WHERE x.bad IS NULL AND NOT ${HOT_PREDICATE}`;
}
