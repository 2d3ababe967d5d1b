// How a list of input files reaches DuckDB without the SQL text growing with it: the paths go into a temp
// table through the appender, and a variable holds them as one LIST value that read_parquet, parquet_metadata
// and read_json take (DuckDB 1.5 refuses a subquery as a table function's argument, but takes getvariable()).
// Measured with 288 000 paths: see BENCHMARKS.md, fleet tree.
import type { DuckDBConnection } from "@duckdb/node-api";
import { insertRows } from "./duckdb.js";
import { literalPath, quoteLiteral } from "./sql.js";

/** A registered file list: `expr` is the SQL to put where a list of paths goes. */
export interface FileListRef {
  readonly expr: string;
  readonly count: number;
}

/**
 * Registers `files` under `name` (a temp table of that name, and a variable): paths are given literally
 * (sql.ts literalPath), never as patterns. Registering the same name again replaces the list.
 */
export async function registerFileList(
  c: DuckDBConnection,
  name: string,
  files: readonly string[],
): Promise<FileListRef> {
  if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`internal: file list name ${name}`);
  const rows: [number, string][] = new Array(files.length);
  for (let i = 0; i < files.length; i++) {
    const p = literalPath(files[i]!);
    if (p === null)
      throw new Error(`internal: ${files[i]} reached DuckDB although it cannot be named literally`);
    rows[i] = [i, p];
  }
  await insertRows(c, name, ["i INTEGER", "path VARCHAR"], rows);
  await c.run(`SET VARIABLE ${name} = (SELECT coalesce(list(path ORDER BY i), []::VARCHAR[]) FROM ${name})`);
  return { expr: `getvariable(${quoteLiteral(name)})`, count: files.length };
}
