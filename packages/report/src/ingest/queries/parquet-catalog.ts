// Footer-only reads: no row data is scanned to build the snapshot catalog.
import { META_KEY_PREFIX } from "@ibsr/contract";
import type { FileListRef } from "../file-list.js";
import { fileList } from "../sql.js";
import { COUNTER_COLS } from "./scan.js";

/** Every ibsr.* (META_KEY_PREFIX) key/value pair of every file. */
export function parquetKvSql(files: FileListRef): string {
  return `SELECT file_name AS file, decode(key) AS k, decode(value) AS v
FROM parquet_kv_metadata(${files.expr})
WHERE decode(key) LIKE '${META_KEY_PREFIX}%'`;
}

/** Rows per file and the stored span (every row of a snapshot has the same span_us). */
export function parquetStatsSql(files: FileListRef): string {
  return `SELECT file_name AS file,
  sum(row_group_num_rows) FILTER (WHERE path_in_schema = 'ts') AS rows,
  max(TRY_CAST(stats_max_value AS BIGINT)) FILTER (WHERE path_in_schema = 'span_us') AS span_us
FROM parquet_metadata(${files.expr})
GROUP BY file_name`;
}

/** The columns the reporter reads from a snapshot (the row count comes from `ts`); their types are checked. */
export const READ_COLUMNS: readonly string[] = [
  "ts",
  "family",
  "src",
  "prefix_len",
  "dst_port",
  ...COUNTER_COLS.map((c) => `${c}_delta`),
  "span_us",
];

/** The type DuckDB gives each top-level column of every file (footer only). */
export function parquetSchemaSql(files: FileListRef): string {
  return `SELECT file_name AS file, name, duckdb_type AS type
FROM parquet_schema(${files.expr})
WHERE num_children IS NULL AND name IN (${READ_COLUMNS.map((c) => `'${c}'`).join(", ")})`;
}

/** Decodes every page of the columns the scan reads (to find a file whose data, not footer, is corrupt). */
export function parquetReadAllSql(file: string): string {
  return `SELECT count(*) AS n, ${READ_COLUMNS.map((c) => `max(${c})`).join(", ")}
FROM read_parquet(${fileList([file])}, hive_partitioning = false)`;
}
