// Rewrites a snapshot file through DuckDB with a changed projection (a column of another type, a value out of
// range, a column removed) while keeping its footer key/value metadata, to make hostile files for tests.
import { renameSync } from "node:fs";
import { DuckDBInstance } from "@duckdb/node-api";
import { quoteIdent, quoteLiteral } from "../ingest/sql.js";

/**
 * Replaces `file` by `SELECT <select> FROM <file>` (DuckDB SQL, e.g. `* REPLACE (9::TINYINT AS family)`), or by
 * `<select>` as the whole query when it starts with SELECT (the file is then table `t`). `kv` replaces footer
 * values by key (a damaged footer).
 */
export async function rewriteParquet(
  file: string,
  select: string,
  kv: Record<string, string> = {},
): Promise<void> {
  const inst = await DuckDBInstance.create(":memory:");
  const c = await inst.connect();
  try {
    const pairs = (
      await c.runAndReadAll(
        `SELECT decode(key) AS k, decode(value) AS v FROM parquet_kv_metadata(${quoteLiteral(file)})`,
      )
    ).getRowObjectsJS() as { k: string; v: string }[];
    const meta = pairs.map((r) => `${quoteIdent(r.k)}: ${quoteLiteral(kv[r.k] ?? r.v)}`).join(", ");
    await c.run(`CREATE TABLE t AS SELECT * FROM read_parquet(${quoteLiteral(file)})`);
    const q = /^\s*select\b/i.test(select) ? select : `SELECT ${select} FROM t`;
    const tmp = `${file}.rewrite`;
    await c.run(
      `COPY (${q}) TO ${quoteLiteral(tmp)} (FORMAT parquet${meta ? `, KV_METADATA {${meta}}` : ""})`,
    );
    renameSync(tmp, file);
  } finally {
    c.closeSync();
    inst.closeSync();
  }
}
