// The Parquet snapshot encoder: one file per (host, iface, run, seq), columns and metadata keys as
// @ibsr/contract names them. Columns go from typed arrays into an Arrow IPC stream (arrow-ipc.ts) and
// are written by parquet-wasm with ZSTD; run-level facts travel as file key/value metadata (META_KEYS). Only the
// collector loads this (and the WASM module); tests and benchmarks reach it through
// @ibsr/collector/parquet, never through the reporter. The reader is in @ibsr/collector/testing.

import {
  type Counter,
  DELTA_COLUMNS,
  SNAPSHOT_SCHEMA_VERSION,
  type SnapshotMeta,
  snapshotKeyValue,
  VALUE_COUNTERS,
} from "@ibsr/contract";
import { allocFlowColumns, type FlowColumns } from "../maps/flow-rows.js";
import { freeBuffers } from "../system/free-buffers.js";
import { SnapshotIpcEncoder } from "./arrow-ipc.js";
import { parquet } from "./parquet-wasm.js";

/** INT64 columns that differ from row to row (not the per-file constants ts, base_ts, seq). */
const PER_ROW_INT64_COLUMNS: readonly string[] = [
  ...VALUE_COUNTERS,
  ...DELTA_COLUMNS,
  "span_us",
  "first_seen_mono_ns",
];

/**
 * Integer columns that are constant in a file (ts, base_ts, seq) or change only at the few boundaries of
 * the row order (dst_port, family, prefix_len): delta bit-packed, their deltas are zeros, which costs a
 * page of a few bytes without hashing every value into a dictionary.
 */
const RUN_INTEGER_COLUMNS: readonly string[] = ["ts", "base_ts", "seq", "family", "prefix_len", "dst_port"];

/**
 * Columns without footer statistics: the per-row counters and first_seen. No reader filters on them or
 * reads their min/max (the catalog reads span_us's maximum and the rows of ts, parquet-catalog.ts), and
 * computing them was about a quarter of the encode time.
 */
const UNSTATED_COLUMNS: readonly string[] = [...VALUE_COUNTERS, ...DELTA_COLUMNS, "first_seen_mono_ns"];

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

// --- Parquet -----------------------------------------------------------------------------------

/**
 * Writes the snapshot as ZSTD Parquet. The ibsr.* pairs go into the footer's key_value_metadata
 * through WriterPropertiesBuilder.setKeyValueMetadata (DuckDB: parquet_kv_metadata()); arrow-rs
 * adds its own ARROW:schema entry beside them.
 */
export function encodeSnapshotParquet(s: SnapshotFile, opts: EncodeOptions = {}): Uint8Array {
  const { rows, meta } = s;
  checkLength(rows);
  const wasmTable = parquet.Table.fromIPCStream(new SnapshotIpcEncoder(meta).encode(rows, 0, rows.length));
  // writeParquet consumes the table and the properties (their WASM memory is freed by the call).
  return parquet.writeParquet(wasmTable, snapshotWriterProperties(meta, opts));
}

function checkLength(rows: SnapshotRows): void {
  if (!Number.isInteger(rows.length) || rows.length < 0 || rows.length > rows.capacity) {
    throw new RangeError(`snapshot rows: length ${rows.length} is outside 0..capacity ${rows.capacity}`);
  }
}

/** Rows handed to parquet-wasm at a time by encodeSnapshotParquetStreamed. */
export const ENCODE_CHUNK_ROWS = 1024;

/**
 * The same file as encodeSnapshotParquet (same columns, types, encodings, metadata, row groups and data
 * pages), handed to parquet-wasm's incremental writer ENCODE_CHUNK_ROWS rows at a time. parquet-wasm's
 * WebAssembly memory grows to its peak and never shrinks, and every page it ever touched stays resident.
 * The batch in flight and the data pages each column buffers before compressing add to it: at 100 000
 * rows the whole table as one batch takes the WASM memory to 84 MB; 4096-row chunks with the default 1 MiB
 * page limit to 31 MB (14.8 MB resident); 1024-row chunks with 64 KiB pages (DATA_PAGE_BYTES) to 28 MB
 * (7.6 MB resident), for no measurable time and a 2 % larger file (bench/notes/collector-memory.md).
 * Each chunk's IPC stream is written into one scratch buffer the encoder reuses.
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
  const ipc = new SnapshotIpcEncoder(meta);
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
        // fromIPCStream copies the stream into WASM memory, so a source may reuse its buffers (and the
        // encoder its scratch buffer) for the next chunk.
        const stream =
          source === null
            ? ipc.encode(rows as SnapshotRows, at, len)
            : ipc.encode(chunkOf(source, at, len), 0, len);
        const table = parquet.Table.fromIPCStream(stream);
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
  const out = await parquet.transformParquetStream(batches, snapshotWriterProperties(meta, opts));
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
  // The parts are copies out of WebAssembly memory; freed now rather than at a later collection.
  freeBuffers(...new Set(parts.map((p) => p.buffer)));
  return bytes;
}

function chunkOf(source: SnapshotRowSource, at: number, len: number): SnapshotRows {
  const rows = source.chunk(at, len);
  if (rows.length !== len) {
    throw new RangeError(`snapshot row source: chunk ${at}+${len} came back with ${rows.length} rows`);
  }
  return rows;
}

/** The Parquet writer settings of every snapshot file (ZSTD, footer metadata, per-column encodings). */
export function snapshotWriterProperties(meta: SnapshotMeta, opts: EncodeOptions): parquet.WriterProperties {
  let builder = new parquet.WriterPropertiesBuilder()
    .setCompression(parquet.Compression.ZSTD)
    .setKeyValueMetadata(snapshotKeyValue(meta))
    .setCreatedBy(`ibsr snapshot schema ${SNAPSHOT_SCHEMA_VERSION}`)
    .setMaxRowGroupSize(opts.maxRowGroupSize ?? DEFAULT_ROW_GROUP_ROWS)
    .setDataPageSizeLimit(DATA_PAGE_BYTES)
    // Column-chunk statistics (what DuckDB prunes row groups by) without per-page ones: the page index is
    // read by no one here and costs bytes.
    .setStatisticsEnabled(parquet.EnabledStatistics.Chunk)
    // 100 000 distinct 16-byte addresses overflow the dictionary page after about 65 000 of them are hashed
    // and the column falls back to PLAIN anyway.
    .setColumnDictionaryEnabled("src", false);
  // Per-row 64-bit numbers are almost all distinct: a dictionary only costs time. Delta bit-packing
  // makes the write about 1.8x faster and the file about 13 % smaller (measured on 100 000 rows).
  for (const c of [...PER_ROW_INT64_COLUMNS, ...RUN_INTEGER_COLUMNS]) {
    builder = builder
      .setColumnDictionaryEnabled(c, false)
      .setColumnEncoding(c, parquet.Encoding.DELTA_BINARY_PACKED);
  }
  for (const c of UNSTATED_COLUMNS)
    builder = builder.setColumnStatisticsEnabled(c, parquet.EnabledStatistics.None);
  return builder.build();
}

const DEFAULT_ROW_GROUP_ROWS = 1 << 20;
/** Encoded bytes a column buffers before it compresses a page: lower keeps less WASM memory resident. */
const DATA_PAGE_BYTES = 64 * 1024;
