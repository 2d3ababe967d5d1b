// Numeric rows from JS into a DuckDB temp table a data chunk at a time (the row appender makes one native
// call per value, which is most of the cost at millions of rows).
import {
  DOUBLE,
  type DuckDBAppender,
  type DuckDBConnection,
  DuckDBDataChunk,
  type DuckDBType,
  INTEGER,
  UINTEGER,
} from "@duckdb/node-api";

const CHUNK = 2048;
const TYPES = { INTEGER, UINTEGER, DOUBLE } as const;
export type SinkColumnType = keyof typeof TYPES;

export class RowSink {
  private readonly cols: (Int32Array | Uint32Array | Float64Array)[];
  private readonly types: DuckDBType[];
  private n = 0;
  rows = 0;

  private constructor(
    private readonly appender: DuckDBAppender,
    kinds: readonly SinkColumnType[],
  ) {
    this.types = kinds.map((k) => TYPES[k]);
    this.cols = kinds.map((k) =>
      k === "INTEGER"
        ? new Int32Array(CHUNK)
        : k === "UINTEGER"
          ? new Uint32Array(CHUNK)
          : new Float64Array(CHUNK),
    );
  }

  /** Creates (or replaces) the temp table and opens its appender. */
  static async open(
    c: DuckDBConnection,
    table: string,
    columns: readonly (readonly [name: string, type: SinkColumnType])[],
  ): Promise<RowSink> {
    await c.run(`CREATE OR REPLACE TEMP TABLE ${table} (${columns.map(([n, t]) => `${n} ${t}`).join(", ")})`);
    const app = await c.createAppender(table, "main", "temp");
    return new RowSink(
      app,
      columns.map(([, t]) => t),
    );
  }

  /** The column arrays of the row being written: set cols[i][at] then call commit(). */
  get at(): number {
    return this.n;
  }

  column(i: number): Int32Array | Uint32Array | Float64Array {
    return this.cols[i]!;
  }

  commit(): void {
    this.n++;
    this.rows++;
    if (this.n === CHUNK) this.flush();
  }

  flush(): void {
    if (this.n === 0) return;
    const chunk = DuckDBDataChunk.create(this.types, this.n);
    for (let i = 0; i < this.cols.length; i++) {
      const v = chunk.getColumnVector(i);
      const col = this.cols[i]!;
      for (let r = 0; r < this.n; r++) v.setItem(r, col[r]!);
      v.flush();
    }
    this.appender.appendDataChunk(chunk);
    this.n = 0;
  }

  private closed = false;

  /** Appends what is buffered and closes the appender (again: nothing). */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    try {
      this.flush();
      this.appender.flushSync();
    } finally {
      this.appender.closeSync();
    }
  }
}
