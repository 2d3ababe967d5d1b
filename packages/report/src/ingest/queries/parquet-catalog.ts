// Footer-only reads: no row data is scanned to build the snapshot catalog.
import { META_KEY_PREFIX } from "@ibsr/contract";
import { quoteList } from "../sql.js";

/** Every ibsr.* (META_KEY_PREFIX) key/value pair of every file. */
export function parquetKvSql(files: readonly string[]): string {
  return `SELECT file_name AS file, decode(key) AS k, decode(value) AS v
FROM parquet_kv_metadata(${quoteList(files)})
WHERE decode(key) LIKE '${META_KEY_PREFIX}%'`;
}

/** Rows per file and the stored span (every row of a snapshot has the same span_us). */
export function parquetStatsSql(files: readonly string[]): string {
  return `SELECT file_name AS file,
  sum(row_group_num_rows) FILTER (WHERE path_in_schema = 'ts') AS rows,
  max(TRY_CAST(stats_max_value AS BIGINT)) FILTER (WHERE path_in_schema = 'span_us') AS span_us
FROM parquet_metadata(${quoteList(files)})
GROUP BY file_name`;
}
