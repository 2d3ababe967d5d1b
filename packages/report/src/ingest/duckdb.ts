// The one place that opens DuckDB: explicit memory limit, temp directory and threads; closed in finally.
import { mkdtempSync, rmSync } from "node:fs";
import { availableParallelism, tmpdir, totalmem } from "node:os";
import { join } from "node:path";
import { type DuckDBConnection, DuckDBInstance } from "@duckdb/node-api";
import { onCleanup } from "../cleanup.js";
import type { EngineOptions } from "./engine-options.js";

export {
  checkMemoryLimit,
  checkThreads,
  type EngineOptions,
  MEMORY_LIMIT_MIN_BYTES,
  THREADS_RANGE,
} from "./engine-options.js";

export function defaultMemoryLimit(): string {
  const mb = Math.min(4096, Math.floor((totalmem() * 0.4) / 2 ** 20));
  return `${Math.max(256, mb)}MB`;
}

/** Runs `fn` with a connection to an in-memory DuckDB, then closes everything (even on error). */
export async function withDuckDB<T>(
  opts: EngineOptions,
  fn: (c: DuckDBConnection) => Promise<T>,
): Promise<T> {
  // A fresh folder, also inside --temp-dir: DuckDB spills there and the reporter keeps its own scratch files
  // there (the streamed JSONL deltas), so removing it leaves the given folder as it was.
  const temp = mkdtempSync(join(opts.tempDirectory ?? tmpdir(), "ibsr-report-duckdb-"));
  // Registered before anything can fail (a bad setting makes create() throw) or a signal can arrive.
  const forget = onCleanup(() => rmSync(temp, { recursive: true, force: true }));
  try {
    const instance = await DuckDBInstance.create(":memory:", {
      memory_limit: opts.memoryLimit ?? defaultMemoryLimit(),
      temp_directory: temp,
      threads: String(opts.threads ?? Math.max(1, Math.min(availableParallelism(), 4))),
      // Reports must not depend on the network: parquet and json are built in; never download extensions.
      autoinstall_known_extensions: "false",
      autoload_known_extensions: "false",
      // Every query that needs an order says so (ORDER BY); without this, large CREATE TABLE AS needs less memory.
      preserve_insertion_order: "false",
      // The external file cache keeps every file read in the buffer pool: with 28 800 small snapshots it held
      // 824 MB, made the scan 3x slower and RSS 1.9 GB under a 1 GB limit. Inputs are local files, which the
      // OS page cache already caches (BENCHMARKS.md, fleet tree).
      enable_external_file_cache: "false",
    });
    let conn: DuckDBConnection | undefined;
    try {
      conn = await instance.connect();
      return await fn(conn);
    } finally {
      conn?.closeSync();
      instance.closeSync();
    }
  } finally {
    forget();
    rmSync(temp, { recursive: true, force: true });
  }
}

/** Runs a query and returns its rows as JS objects (BIGINT -> bigint, BLOB -> Buffer). */
export async function queryRows<T>(c: DuckDBConnection, sql: string): Promise<T[]> {
  const r = await c.runAndReadAll(sql);
  return r.getRowObjectsJS() as unknown as T[];
}

export type CellValue = string | number | bigint | boolean | null | Uint8Array;

/**
 * Creates a temp table and fills it with the appender (values typed by the column declarations), so no
 * value is ever spliced into SQL text.
 */
export async function insertRows(
  c: DuckDBConnection,
  table: string,
  columns: readonly string[],
  rows: readonly (readonly CellValue[])[],
): Promise<void> {
  await c.run(`CREATE OR REPLACE TEMP TABLE ${table} (${columns.join(", ")})`);
  if (rows.length === 0) return;
  const types = columns.map((col) => col.split(/\s+/)[1]!.toUpperCase());
  const app = await c.createAppender(table, "main", "temp");
  try {
    for (const row of rows) {
      for (let i = 0; i < types.length; i++) {
        const v = row[i];
        if (v === null || v === undefined) {
          app.appendNull();
          continue;
        }
        switch (types[i]) {
          case "INTEGER":
            app.appendInteger(Number(v));
            break;
          case "BIGINT":
            app.appendBigInt(BigInt(v as bigint | number));
            break;
          case "DOUBLE":
            app.appendDouble(Number(v));
            break;
          case "TINYINT":
            app.appendTinyInt(Number(v));
            break;
          case "SMALLINT":
            app.appendSmallInt(Number(v));
            break;
          case "BOOLEAN":
            app.appendBoolean(Boolean(v));
            break;
          case "BLOB":
            app.appendBlob(v as Uint8Array);
            break;
          default:
            app.appendVarchar(String(v));
        }
      }
      app.endRow();
    }
    app.flushSync();
  } finally {
    app.closeSync();
  }
}
