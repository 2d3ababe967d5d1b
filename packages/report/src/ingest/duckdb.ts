// The one place that opens DuckDB: explicit memory limit, temp directory and threads; closed in finally.
import { mkdtempSync, rmSync } from "node:fs";
import { availableParallelism, tmpdir, totalmem } from "node:os";
import { join } from "node:path";
import { type DuckDBConnection, DuckDBInstance } from "@duckdb/node-api";
import { onCleanup } from "../cleanup.js";

export interface EngineOptions {
  /** e.g. "2GB"; default: 40 % of RAM, at most 4 GB (the benchmark target). */
  memoryLimit?: string;
  /** Spill directory; default: a fresh directory under the OS temp dir, removed afterwards. */
  tempDirectory?: string;
  threads?: number;
}

/** --threads: 1..256 (more only adds scheduling cost; 10 000 took 81 s on a small machine). */
export const THREADS_RANGE = { min: 1, max: 256 } as const;
/** --memory-limit below this cannot even start DuckDB; DuckDB counts KB/MB/GB/TB in powers of 1000. */
export const MEMORY_LIMIT_MIN_BYTES = 1_000_000;
const MEMORY_UNITS: Record<string, number> = {
  kb: 1e3,
  mb: 1e6,
  gb: 1e9,
  tb: 1e12,
  kib: 2 ** 10,
  mib: 2 ** 20,
  gib: 2 ** 30,
  tib: 2 ** 40,
};

/** A memory limit as DuckDB takes it ("2GB", "512 MiB"), or why it is not one. */
export function checkMemoryLimit(text: string): string | null {
  const m = /^(\d+(?:\.\d+)?)\s*(KB|MB|GB|TB|KiB|MiB|GiB|TiB)$/i.exec(text.trim());
  if (!m) return "not a size (give a number and a unit: KB, MB, GB, TB, KiB, MiB, GiB or TiB, e.g. 2GB)";
  const bytes = Number(m[1]) * MEMORY_UNITS[m[2]!.toLowerCase()]!;
  if (bytes < MEMORY_LIMIT_MIN_BYTES) return "below the minimum of 1MB";
  if (bytes > Number.MAX_SAFE_INTEGER) return "beyond any machine's memory";
  return null;
}

/** A thread count, or why it is not one. */
export function checkThreads(n: number): string | null {
  if (!Number.isInteger(n) || n < THREADS_RANGE.min || n > THREADS_RANGE.max)
    return `must be a whole number from ${THREADS_RANGE.min} to ${THREADS_RANGE.max}`;
  return null;
}

export function defaultMemoryLimit(): string {
  const mb = Math.min(4096, Math.floor((totalmem() * 0.4) / 2 ** 20));
  return `${Math.max(256, mb)}MB`;
}

/** Runs `fn` with a connection to an in-memory DuckDB, then closes everything (even on error). */
export async function withDuckDB<T>(
  opts: EngineOptions,
  fn: (c: DuckDBConnection) => Promise<T>,
): Promise<T> {
  const ownTemp = opts.tempDirectory === undefined;
  const temp = opts.tempDirectory ?? mkdtempSync(join(tmpdir(), "ibsr-report-duckdb-"));
  // Registered before anything can fail (a bad setting makes create() throw) or a signal can arrive.
  const forget = ownTemp ? onCleanup(() => rmSync(temp, { recursive: true, force: true })) : () => {};
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
    if (ownTemp) rmSync(temp, { recursive: true, force: true });
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
