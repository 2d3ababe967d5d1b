// The Parquet snapshot encoder: one file per (host, iface, run, seq), columns and metadata keys as
// @ibsr/contract names them. Columns are built as Arrow vectors straight from typed arrays and written
// by parquet-wasm with ZSTD; run-level facts travel as file key/value metadata (META_KEYS). Only the
// collector loads this (and the WASM module); tests and benchmarks reach it through
// @ibsr/collector/parquet, never through the reporter.

import {
  type Counter,
  DELTA_COLUMNS,
  parseSnapshotKeyValue,
  SNAPSHOT_COLUMN_NAMES,
  SNAPSHOT_SCHEMA_VERSION,
  SnapshotFormatError,
  type SnapshotMeta,
  snapshotKeyValue,
  VALUE_COUNTERS,
} from "@ibsr/contract";
import {
  Bool,
  type Data,
  Dictionary,
  Field,
  FixedSizeBinary,
  Int8,
  Int16,
  Int32,
  Int64,
  makeData,
  RecordBatch,
  Schema,
  Struct,
  Table,
  TimestampMicrosecond,
  tableFromIPC,
  tableToIPC,
  Utf8,
  Vector,
} from "apache-arrow";
import { allocFlowColumns, type FlowColumns } from "../maps/flow-rows.js";
import { parquet } from "./parquet-wasm.js";

/** INT64 columns that differ from row to row (not the per-file constants ts, base_ts, seq). */
const PER_ROW_INT64_COLUMNS: readonly string[] = [
  ...VALUE_COUNTERS,
  ...DELTA_COLUMNS,
  "span_us",
  "first_seen_mono_ns",
];

/** Per-row columns: the decoded map entries plus what the collector derived from the previous drain. */
export type SnapshotRows = FlowColumns & {
  /** Rows in use (<= capacity). */
  length: number;
  deltas: Record<Counter, BigInt64Array>;
  /** 1 when the entry was inserted since the previous snapshot, else 0. */
  newEntry: Uint8Array;
  spanUs: BigInt64Array;
};

export interface SnapshotFile {
  meta: SnapshotMeta;
  rows: SnapshotRows;
}

/**
 * Rows handed over a chunk at a time, so that a writer never needs the whole sorted snapshot as a second
 * copy in memory (the collector gathers each chunk from its drained rows and their deltas).
 */
export interface SnapshotRowSource {
  readonly length: number;
  /**
   * Rows at..at+len-1 as rows 0..len-1 of the returned SnapshotRows (its length = len), valid until the
   * next call. len is at most ENCODE_CHUNK_ROWS.
   */
  chunk(at: number, len: number): SnapshotRows;
}

/** What the streamed encoder takes: whole rows, or a source of chunks. */
export interface StreamedSnapshot {
  meta: SnapshotMeta;
  rows: SnapshotRows | SnapshotRowSource;
}

export interface DecodedSnapshot extends SnapshotFile {
  /** Every key/value pair in the file footer, ibsr.* and others. */
  keyValue: Map<string, string>;
}

export interface EncodeOptions {
  /** Rows per row group; default: all rows in one group up to 1 M. */
  maxRowGroupSize?: number;
}

export function allocSnapshotRows(capacity: number): SnapshotRows {
  const flows = allocFlowColumns(capacity);
  const deltas = Object.fromEntries(VALUE_COUNTERS.map((c) => [c, new BigInt64Array(capacity)])) as Record<
    Counter,
    BigInt64Array
  >;
  return {
    ...flows,
    length: 0,
    deltas,
    newEntry: new Uint8Array(capacity),
    spanUs: new BigInt64Array(capacity),
  };
}

// --- ordering ----------------------------------------------------------------------------------

/** Row order by (dst_port, family, src, prefix_len): the order rows are stored in. */
export function snapshotRowOrder(rows: FlowColumns, length: number): Uint32Array {
  const order = new Uint32Array(length);
  for (let i = 0; i < length; i++) order[i] = i;
  const { dstPort, family, src, prefixLen } = rows;
  order.sort((a, b) => {
    const p = dstPort[a]! - dstPort[b]!;
    if (p !== 0) return p;
    const f = family[a]! - family[b]!;
    if (f !== 0) return f;
    // Big-endian bytes: the first differing byte decides numerically (no subarray per compare).
    const oa = a * 16;
    const ob = b * 16;
    for (let k = 0; k < 16; k++) {
      const d = src[oa + k]! - src[ob + k]!;
      if (d !== 0) return d;
    }
    return prefixLen[a]! - prefixLen[b]!;
  });
  return order;
}

/** New rows holding rows[indices[0]], rows[indices[1]], ... (sorting and filtering in one copy). */
export function takeRows(rows: SnapshotRows, indices: ArrayLike<number>): SnapshotRows {
  const n = indices.length;
  const out = allocSnapshotRows(n);
  out.length = n;
  // 64-bit columns are copied as pairs of 32-bit words: no BigInt is created per cell.
  const wide: [Uint32Array, Uint32Array][] = [
    ...VALUE_COUNTERS.map((c) => [rows[c], out[c]] as const),
    ...VALUE_COUNTERS.map((c) => [rows.deltas[c], out.deltas[c]] as const),
    [rows.firstSeen, out.firstSeen] as const,
    [rows.spanUs, out.spanUs] as const,
  ].map(([from, to]) => [words(from), words(to)]);
  for (let j = 0; j < n; j++) {
    const i = indices[j]!;
    if (!(i >= 0 && i < rows.capacity))
      throw new RangeError(`takeRows: index ${i} is outside 0..${rows.capacity - 1}`);
    out.family[j] = rows.family[i]!;
    out.prefixLen[j] = rows.prefixLen[i]!;
    out.dstPort[j] = rows.dstPort[i]!;
    out.newEntry[j] = rows.newEntry[i]!;
    out.src.set(rows.src.subarray(i * 16, i * 16 + 16), j * 16);
  }
  // Column by column: tight monomorphic loops.
  for (const [from, to] of wide) {
    for (let j = 0; j < n; j++) {
      const i = indices[j]!;
      to[2 * j] = from[2 * i]!;
      to[2 * j + 1] = from[2 * i + 1]!;
    }
  }
  return out;
}

function words(a: BigInt64Array): Uint32Array {
  return new Uint32Array(a.buffer, a.byteOffset, a.length * 2);
}

/** A sorted copy of the first rows.length rows. */
export function sortSnapshotRows(rows: SnapshotRows): SnapshotRows {
  return takeRows(rows, snapshotRowOrder(rows, rows.length));
}

// --- Arrow -------------------------------------------------------------------------------------

const TS_TYPE = new TimestampMicrosecond("UTC");
const STR_DICT = () => new Dictionary(new Utf8(), new Int32());

/** The Arrow schema of a snapshot table, in SNAPSHOT_COLUMNS order. */
export function snapshotArrowSchema(): Schema {
  const int64 = (name: string) => new Field(name, new Int64(), false);
  return new Schema([
    new Field("ts", TS_TYPE, false),
    new Field("base_ts", TS_TYPE, false),
    int64("seq"),
    new Field("run_id", STR_DICT(), false),
    new Field("host", STR_DICT(), false),
    new Field("iface", STR_DICT(), false),
    new Field("family", new Int8(), false),
    new Field("src", new FixedSizeBinary(16), false),
    new Field("prefix_len", new Int16(), false),
    new Field("dst_port", new Int32(), false),
    ...VALUE_COUNTERS.map(int64),
    ...DELTA_COLUMNS.map(int64),
    new Field("new_entry", new Bool(), false),
    int64("span_us"),
    int64("first_seen_mono_ns"),
  ]);
}

/** The snapshot as an Arrow table (constant columns repeated per row; strings dictionary-encoded). */
export function snapshotArrowTable(
  s: SnapshotFile,
  from = 0,
  count?: number,
  consts?: ConstantColumns,
): Table {
  const { rows, meta } = s;
  if (!Number.isInteger(rows.length) || rows.length < 0 || rows.length > rows.capacity) {
    throw new RangeError(`snapshot rows: length ${rows.length} is outside 0..capacity ${rows.capacity}`);
  }
  const n = count ?? rows.length - from;
  const end = from + n;
  if (from < 0 || n < 0 || end > rows.length) {
    throw new RangeError(`snapshot rows: ${from}..${end} is outside 0..${rows.length}`);
  }
  const k = consts && consts.length >= n ? consts : constantColumns(meta, n);
  const head = (a: BigInt64Array) => a.subarray(0, n);
  const int64 = (a: BigInt64Array) => makeData({ type: new Int64(), length: n, data: a.subarray(from, end) });
  const children: Data[] = [
    makeData({ type: TS_TYPE, length: n, data: head(k.ts) }),
    makeData({ type: TS_TYPE, length: n, data: head(k.baseTs) }),
    makeData({ type: new Int64(), length: n, data: head(k.seq) }),
    constString(k.runId, n, k.zeros[0]),
    constString(k.host, n, k.zeros[1]),
    constString(k.iface, n, k.zeros[2]),
    makeData({
      type: new Int8(),
      length: n,
      data: new Int8Array(rows.family.buffer, rows.family.byteOffset + from, n),
    }),
    makeData({ type: new FixedSizeBinary(16), length: n, data: rows.src.subarray(from * 16, end * 16) }),
    makeData({ type: new Int16(), length: n, data: Int16Array.from(rows.prefixLen.subarray(from, end)) }),
    makeData({ type: new Int32(), length: n, data: Int32Array.from(rows.dstPort.subarray(from, end)) }),
    ...VALUE_COUNTERS.map((c) => int64(rows[c])),
    ...VALUE_COUNTERS.map((c) => int64(rows.deltas[c])),
    makeData({ type: new Bool(), length: n, data: packBits(rows.newEntry.subarray(from, end), n) }),
    int64(rows.spanUs),
    int64(rows.firstSeen),
  ];
  // Fields take the types of the Data themselves, so dictionary ids match between schema and batch.
  const schema = new Schema(
    SNAPSHOT_COLUMN_NAMES.map((name, i) => new Field(name, children[i]!.type, false)),
  );
  // One RecordBatch from explicit Data keeps the exact field types (no inference from JS values).
  const struct = makeData({ type: new Struct(schema.fields), length: n, children, nullCount: 0 });
  return new Table(schema, new RecordBatch(schema, struct));
}

/** The per-file constant columns for up to `length` rows, built once and shared by every chunk. */
export interface ConstantColumns {
  length: number;
  ts: BigInt64Array;
  baseTs: BigInt64Array;
  seq: BigInt64Array;
  runId: Uint8Array;
  host: Uint8Array;
  iface: Uint8Array;
  /**
   * Dictionary indices of the three constant strings (all zero), one array each: apache-arrow's IPC
   * writer misframes the stream when two columns share one buffer (parquet-wasm then fails with
   * "failed to fill whole buffer").
   */
  zeros: [Int32Array, Int32Array, Int32Array];
}

function constantColumns(meta: SnapshotMeta, length: number): ConstantColumns {
  const te = new TextEncoder();
  return {
    length,
    ts: new BigInt64Array(length).fill(meta.tsUs),
    baseTs: new BigInt64Array(length).fill(meta.baseTsUs),
    seq: new BigInt64Array(length).fill(BigInt(meta.seq)),
    runId: te.encode(meta.runId),
    host: te.encode(meta.host),
    iface: te.encode(meta.iface),
    zeros: [new Int32Array(length), new Int32Array(length), new Int32Array(length)],
  };
}

// A column holding one string on every row: a one-entry dictionary and all-zero indices.
function constString(bytes: Uint8Array, n: number, zeros: Int32Array): Data {
  const dictionary = makeData({
    type: new Utf8(),
    length: 1,
    nullCount: 0,
    valueOffsets: new Int32Array([0, bytes.length]),
    data: bytes,
  });
  return makeData({
    type: STR_DICT(),
    length: n,
    nullCount: 0,
    data: zeros.subarray(0, n),
    dictionary: new Vector([dictionary]),
  });
}

function packBits(flags: Uint8Array, n: number): Uint8Array {
  const out = new Uint8Array(Math.ceil(n / 8));
  for (let i = 0; i < n; i++) if (flags[i]) out[i >> 3]! |= 1 << (i & 7);
  return out;
}

// --- Parquet -----------------------------------------------------------------------------------

/**
 * Writes the snapshot as ZSTD Parquet. The ibsr.* pairs go into the footer's key_value_metadata
 * through WriterPropertiesBuilder.setKeyValueMetadata (DuckDB: parquet_kv_metadata()); arrow-rs
 * adds its own ARROW:schema entry beside them.
 */
export function encodeSnapshotParquet(s: SnapshotFile, opts: EncodeOptions = {}): Uint8Array {
  const ipc = tableToIPC(snapshotArrowTable(s), "stream");
  const wasmTable = parquet.Table.fromIPCStream(ipc);
  // writeParquet consumes the table and the properties (their WASM memory is freed by the call).
  return parquet.writeParquet(wasmTable, writerProperties(s.meta, opts));
}

/** Rows handed to parquet-wasm at a time by encodeSnapshotParquetStreamed. */
export const ENCODE_CHUNK_ROWS = 4096;

/**
 * The same file as encodeSnapshotParquet (same columns, types, encodings, metadata, row groups and data
 * pages), handed to parquet-wasm's incremental writer ENCODE_CHUNK_ROWS rows at a time. parquet-wasm's
 * WebAssembly memory grows to its peak and never shrinks. The batch in flight adds to what the writer
 * itself keeps, which grows with the rows whatever the page size, dictionary or statistics settings: at
 * 100 000 rows the whole table as one batch takes the WASM memory to 84 MB, 16 384-row chunks to 39 MB
 * (20 MB resident), 4096-row chunks to 32 MB (12-13 MB resident) for about 10 ms more per snapshot. The JS-side Arrow columns are views of the rows (or of the source's
 * chunk), never copies.
 */
export async function encodeSnapshotParquetStreamed(
  s: StreamedSnapshot,
  opts: EncodeOptions = {},
): Promise<Uint8Array> {
  const { meta, rows } = s;
  const source = "chunk" in rows ? rows : null;
  const n = rows.length;
  if (!Number.isInteger(n) || n < 0 || (source === null && n > (rows as SnapshotRows).capacity)) {
    const cap = source === null ? `capacity ${(rows as SnapshotRows).capacity}` : "a source";
    throw new RangeError(`snapshot rows: length ${n} is outside 0..${cap}`);
  }
  // An empty snapshot has no batch to stream (the writer would never see the schema).
  if (n === 0)
    return encodeSnapshotParquet(
      { meta, rows: source === null ? (rows as SnapshotRows) : allocSnapshotRows(0) },
      opts,
    );
  const chunk = ENCODE_CHUNK_ROWS;
  const consts = constantColumns(meta, Math.min(chunk, n));
  let at = 0;
  // highWaterMark 0: pull() builds a batch only when the writer asks for it, so at most one batch waits
  // in WASM memory beside the one being written (the writer takes ownership of each and frees it).
  const batches = new ReadableStream<parquet.RecordBatch>(
    {
      pull(controller) {
        if (at >= n) {
          controller.close();
          return;
        }
        const len = Math.min(chunk, n - at);
        // tableToIPC copies the chunk's columns, so a source may reuse its buffers for the next chunk.
        const arrow =
          source === null
            ? snapshotArrowTable({ meta, rows: rows as SnapshotRows }, at, len, consts)
            : snapshotArrowTable({ meta, rows: chunkOf(source, at, len) }, 0, len, consts);
        const table = parquet.Table.fromIPCStream(tableToIPC(arrow, "stream"));
        const batch = table.recordBatch(0);
        table.free();
        if (!batch) throw new Error(`parquet-wasm: no record batch for rows ${at}..${at + len}`);
        at += len;
        controller.enqueue(batch);
      },
    },
    { highWaterMark: 0 },
  );
  const parts: Uint8Array[] = [];
  let total = 0;
  const out = await parquet.transformParquetStream(batches, writerProperties(meta, opts));
  const reader = (out as ReadableStream<Uint8Array>).getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    parts.push(value);
    total += value.byteLength;
  }
  if (parts.length === 1) return parts[0]!;
  const bytes = new Uint8Array(total);
  let off = 0;
  for (const p of parts) {
    bytes.set(p, off);
    off += p.byteLength;
  }
  return bytes;
}

function chunkOf(source: SnapshotRowSource, at: number, len: number): SnapshotRows {
  const rows = source.chunk(at, len);
  if (rows.length !== len) {
    throw new RangeError(`snapshot row source: chunk ${at}+${len} came back with ${rows.length} rows`);
  }
  return rows;
}

function writerProperties(meta: SnapshotMeta, opts: EncodeOptions): parquet.WriterProperties {
  let builder = new parquet.WriterPropertiesBuilder()
    .setCompression(parquet.Compression.ZSTD)
    .setKeyValueMetadata(snapshotKeyValue(meta))
    .setCreatedBy(`ibsr snapshot schema ${SNAPSHOT_SCHEMA_VERSION}`)
    .setMaxRowGroupSize(opts.maxRowGroupSize ?? DEFAULT_ROW_GROUP_ROWS);
  // Per-row 64-bit numbers are almost all distinct: a dictionary only costs time. Delta bit-packing
  // makes the write about 1.8x faster and the file about 13 % smaller (measured on 100 000 rows).
  for (const c of PER_ROW_INT64_COLUMNS) {
    builder = builder
      .setColumnDictionaryEnabled(c, false)
      .setColumnEncoding(c, parquet.Encoding.DELTA_BINARY_PACKED);
  }
  return builder.build();
}

const DEFAULT_ROW_GROUP_ROWS = 1 << 20;

/**
 * The footer key/value pairs of a Parquet file. arrow-rs folds them into the Arrow schema metadata
 * on read (without ARROW:schema itself); metadata a writer put on its Arrow schema would show here
 * too, though DuckDB never sees it (snapshot files have none).
 */
export function readParquetKeyValue(bytes: Uint8Array): Map<string, string> {
  const schema = parquet.readSchema(bytes);
  const out = new Map<string, string>();
  for (const [k, v] of schema.metadata()) out.set(String(k), String(v));
  schema.free();
  return out;
}

/** Reads a snapshot file back (tests and tools; the reporter reads Parquet with DuckDB). */
export function decodeSnapshotParquet(bytes: Uint8Array): DecodedSnapshot {
  const keyValue = readParquetKeyValue(bytes);
  const meta = parseSnapshotKeyValue(keyValue);
  const table = tableFromIPC(parquet.readParquet(bytes).intoIPCStream());
  const n = table.numRows;
  const rows = allocSnapshotRows(n);
  rows.length = n;
  const col = (name: string) => {
    const v = table.getChild(name);
    if (!v) throw new SnapshotFormatError(`column ${name} is missing`);
    return v;
  };
  const family = col("family");
  const prefixLen = col("prefix_len");
  const dstPort = col("dst_port");
  const src = col("src");
  const firstSeen = col("first_seen_mono_ns");
  const spanUs = col("span_us");
  const newEntry = col("new_entry");
  const counters = VALUE_COUNTERS.map((c) => [c, col(c), col(`${c}_delta`)] as const);
  for (let i = 0; i < n; i++) {
    rows.family[i] = family.get(i) as number;
    rows.prefixLen[i] = prefixLen.get(i) as number;
    rows.dstPort[i] = dstPort.get(i) as number;
    const addr = src.get(i) as Uint8Array;
    if (addr.length !== 16)
      throw new SnapshotFormatError(`row ${i}: src has ${addr.length} bytes, expected 16`);
    rows.src.set(addr, i * 16);
    rows.firstSeen[i] = firstSeen.get(i) as bigint;
    rows.spanUs[i] = spanUs.get(i) as bigint;
    rows.newEntry[i] = newEntry.get(i) ? 1 : 0;
    for (const [c, cum, delta] of counters) {
      rows[c][i] = cum.get(i) as bigint;
      rows.deltas[c][i] = delta.get(i) as bigint;
    }
  }
  return { meta, rows, keyValue };
}
