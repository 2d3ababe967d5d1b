// The window's per-interval (and per-interval-and-port) counter totals in typed columns. A fleet's day has
// 288 000 intervals, each with one row per monitored port: one object of six BigInts per row held 147 MB of
// heap for that day with one port (bench/notes/fleet-memory.md); here a row is 64 bytes in typed arrays
// (six counters and the key count as doubles, interval and port as int32) and no object.
import type { DuckDBConnection } from "@duckdb/node-api";
import { COUNTER_COLS } from "./queries/scan.js";
import type { CounterName } from "./scan.js";

const NCOLS = COUNTER_COLS.length;
const COL_INDEX = new Map<string, number>(COUNTER_COLS.map((c, i) => [c, i]));

/** A row as a query gives it: iv, keys, the counters by name, dst_port for per-port totals. */
export interface CounterRow {
  iv: number;
  keys: number;
  dstPort?: number;
  values: Readonly<Record<CounterName, bigint | number | null>>;
}

export class IntervalCounters {
  private n = 0;
  private ivCol = new Int32Array(64);
  private portCol = new Int32Array(64);
  private keysCol = new Float64Array(64);
  private counters = new Float64Array(64 * NCOLS);
  /**
   * Exact values above 2^53 - 1, by row * NCOLS + column. Every row value is at most 2^53 - 1 (row-rules.ts),
   * but many rows of one interval can sum past it: only a hostile file does, and its totals stay exact.
   */
  private readonly wide = new Map<number, bigint>();

  get length(): number {
    return this.n;
  }

  push(r: CounterRow): void {
    if (this.n === this.ivCol.length) this.grow();
    const i = this.n++;
    this.ivCol[i] = r.iv;
    this.portCol[i] = r.dstPort ?? -1;
    this.keysCol[i] = r.keys;
    for (let c = 0; c < NCOLS; c++) {
      const v = r.values[COUNTER_COLS[c]!] ?? 0;
      const x = Number(v);
      this.counters[i * NCOLS + c] = x;
      if (typeof v === "bigint" && !Number.isSafeInteger(x)) this.wide.set(i * NCOLS + c, v);
    }
  }

  iv(i: number): number {
    return this.ivCol[i]!;
  }

  dstPort(i: number): number {
    return this.portCol[i]!;
  }

  keys(i: number): number {
    return this.keysCol[i]!;
  }

  /** The value as a double (what Number() of the exact value gives). */
  num(i: number, c: CounterName): number {
    return this.counters[i * NCOLS + COL_INDEX.get(c)!]!;
  }

  /** The exact value. */
  exact(i: number, c: CounterName): bigint {
    const at = i * NCOLS + COL_INDEX.get(c)!;
    return this.wide.get(at) ?? BigInt(this.counters[at]!);
  }

  /** Drops the spare capacity of the last doubling (up to half the columns): call once every row is in. */
  trim(): this {
    if (this.ivCol.length === this.n) return this;
    this.ivCol = this.ivCol.slice(0, this.n);
    this.portCol = this.portCol.slice(0, this.n);
    this.keysCol = this.keysCol.slice(0, this.n);
    this.counters = this.counters.slice(0, this.n * NCOLS);
    return this;
  }

  /** Row indices 0..length-1. */
  *rows(): IterableIterator<number> {
    for (let i = 0; i < this.n; i++) yield i;
  }

  private grow(): void {
    const cap = Math.max(64, this.ivCol.length * 2);
    const widen = <A extends Int32Array | Float64Array>(a: A, make: (n: number) => A, per = 1): A => {
      const b = make(cap * per);
      b.set(a);
      return b;
    };
    this.ivCol = widen(this.ivCol, (k) => new Int32Array(k));
    this.portCol = widen(this.portCol, (k) => new Int32Array(k));
    this.keysCol = widen(this.keysCol, (k) => new Float64Array(k));
    this.counters = widen(this.counters, (k) => new Float64Array(k), NCOLS);
  }
}

/** Adds the packets, bytes and SYNs of row `i` to a bigint total, exactly. */
export function addCounters3(
  total: { packets: bigint; bytes: bigint; syn: bigint },
  t: IntervalCounters,
  i: number,
): void {
  total.packets += t.exact(i, "packets");
  total.bytes += t.exact(i, "bytes");
  total.syn += t.exact(i, "syn");
}

/** Columns of rows given in any order, sorted by interval then port (the order the scan's queries give). */
export function intervalCountersOf(rows: CounterRow[]): IntervalCounters {
  const out = new IntervalCounters();
  rows.sort((a, b) => a.iv - b.iv || (a.dstPort ?? -1) - (b.dstPort ?? -1));
  for (const r of rows) out.push(r);
  return out.trim();
}

/**
 * Reads a query's rows (iv, n, the counters, dst_port when `perPort`) chunk by chunk into columns: the
 * whole result never exists as JS objects at once.
 */
export async function readIntervalCounters(
  c: DuckDBConnection,
  sql: string,
  perPort: boolean,
): Promise<IntervalCounters> {
  const out = new IntervalCounters();
  const res = await c.stream(sql);
  for await (const rows of res.yieldRowObjectJs()) {
    for (const r of rows as Record<string, unknown>[])
      out.push({
        iv: Number(r.iv),
        keys: Number(r.n),
        ...(perPort ? { dstPort: Number(r.dst_port) } : {}),
        values: r as Record<CounterName, bigint | number | null>,
      });
  }
  return out.trim();
}
