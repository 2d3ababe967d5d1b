// What differs between the engines the heavy pass is printed for: how a table of snapshot rows or of the
// catalog is read, byte strings, hex text, typed NULLs. Everything else in heavy-sql.ts is written once, in
// the SQL the three engines share (WITH, JOIN, GROUP BY, CASE, CAST, least/greatest, sum/max/count).
import { type BytesDialect, DUCKDB_BYTES } from "../ingest/queries/row-rules.js";
import { quoteLiteral } from "../ingest/sql.js";

export const ENGINES = ["duckdb", "clickhouse", "trino"] as const;
export type EngineName = (typeof ENGINES)[number];

/** The output column types, by their standard names. */
export type SqlType = "BIGINT" | "DOUBLE" | "VARCHAR";

export interface Dialect {
  name: EngineName;
  bytes: BytesDialect;
  /** Lower-case hex text of a byte string. */
  hex(e: string): string;
  /** A cast to one of the output types (nullable in every branch of the UNION, so NULL fits). */
  cast(e: string, t: SqlType): string;
  /** The snapshot rows under a location (a directory of Parquet files, or a table for Trino). */
  rowsFrom(location: string): string;
  /** The catalog sidecar (a Parquet file, or a table for Trino). */
  catalogFrom(location: string): string;
  /** The base name of a row's file (the engine's file-path virtual column), compared with the catalog's. */
  rowFileName(alias: string): string;
  /** The base name of a path. */
  fileName(e: string): string;
  /** A WITH body computed once (small results referenced several times), where the engine can. */
  materialized(body: string): string;
  /** A WITH body read again at each reference (big results: never stored). */
  notMaterialized(body: string): string;
  /** Text after the query (engine settings). */
  trailer: string;
}

/** A directory becomes a recursive glob of its Parquet files; a path that already has a pattern stays. */
function parquetGlob(location: string): string {
  if (/[*?{[]/.test(location) || location.endsWith(".parquet")) return location;
  return `${location.replace(/\/+$/, "")}/**/*.parquet`;
}

/** The part of a path after its last "/": the whole match of regexp_extract (DuckDB, Trino) or extract (ClickHouse). */
const BASE_NAME = "'[^/]*$'";
const asIs = (body: string) => body;

const CH_TYPES: Record<SqlType, string> = { BIGINT: "Int64", DOUBLE: "Float64", VARCHAR: "String" };

export const DIALECTS: Record<EngineName, Dialect> = {
  duckdb: {
    name: "duckdb",
    bytes: DUCKDB_BYTES,
    hex: (e) => `lower(hex(${e}))`,
    cast: (e, t) => `CAST(${e} AS ${t})`,
    rowsFrom: (l) =>
      `read_parquet(${quoteLiteral(parquetGlob(l))}, hive_partitioning = false, union_by_name = true, filename = true)`,
    catalogFrom: (l) => `read_parquet(${quoteLiteral(l)})`,
    rowFileName: (a) => `regexp_extract(${a}.filename, ${BASE_NAME})`,
    fileName: (e) => `regexp_extract(${e}, ${BASE_NAME})`,
    materialized: (b) => `MATERIALIZED ${b}`,
    notMaterialized: (b) => `NOT MATERIALIZED ${b}`,
    trailer: "",
  },
  clickhouse: {
    name: "clickhouse",
    bytes: {
      octetLength: (e) => `length(${e})`,
      tail12: (e) => `substring(${e}, 5)`,
      zero12: "unhex('000000000000000000000000')",
    },
    hex: (e) => `lower(hex(${e}))`,
    cast: (e, t) => `CAST(${e} AS Nullable(${CH_TYPES[t]}))`,
    // s3://, http(s):// and gs:// locations read through ClickHouse's url-based table functions.
    rowsFrom: (l) =>
      /^(s3|https?|gs):\/\//.test(l)
        ? `s3(${quoteLiteral(parquetGlob(l))}, 'Parquet')`
        : `file(${quoteLiteral(parquetGlob(l))}, 'Parquet')`,
    catalogFrom: (l) =>
      /^(s3|https?|gs):\/\//.test(l)
        ? `s3(${quoteLiteral(l)}, 'Parquet')`
        : `file(${quoteLiteral(l)}, 'Parquet')`,
    rowFileName: (a) => `${a}._file`,
    fileName: (e) => `extract(${e}, ${BASE_NAME})`,
    // Computed once with enable_materialized_cte (below; ClickHouse 26.3+), else again at each reference.
    materialized: (b) => `MATERIALIZED ${b}`,
    notMaterialized: asIs,
    // The host=/date= folders must not become extra columns (host is already a column of every row); a column
    // name must win over an output alias of the same name (ClickHouse resolves aliases query-wide); a column
    // outside a grouping set is NULL, not its type's default; MATERIALIZED WITH bodies are computed once.
    trailer:
      "\nSETTINGS use_hive_partitioning = 0, prefer_column_name_to_alias = 1, group_by_use_nulls = 1, enable_materialized_cte = 1",
  },
  trino: {
    name: "trino",
    bytes: {
      octetLength: (e) => `length(${e})`,
      tail12: (e) => `substr(${e}, 5)`,
      zero12: "from_hex('000000000000000000000000')",
    },
    hex: (e) => `lower(to_hex(${e}))`,
    cast: (e, t) => `CAST(${e} AS ${t})`,
    // Trino reads tables only (docs/operate.md has the DDL): the location is the table's name.
    rowsFrom: (l) => l,
    catalogFrom: (l) => l,
    // The Hive connector's hidden column: the object's full path.
    rowFileName: (a) => `regexp_extract(${a}."$path", ${BASE_NAME})`,
    fileName: (e) => `regexp_extract(${e}, ${BASE_NAME})`,
    // Trino has no MATERIALIZED: it inlines every WITH body, so the aggregation runs twice (docs/operate.md).
    materialized: asIs,
    notMaterialized: asIs,
    trailer: "",
  },
};
