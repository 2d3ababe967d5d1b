// The snapshot columns as an Arrow IPC stream (schema, three dictionaries, one record batch, end marker),
// the form parquet-wasm takes its input in. Written here directly from the typed-array rows into one
// reused buffer: the collector needs no Arrow library (apache-arrow cost ~12 MB of RSS just to frame these
// bytes). The Arrow types below are how each contract column (SNAPSHOT_COLUMNS) is written to Parquet:
// timestamps as microseconds UTC, the three per-file strings dictionary-encoded, family INT8,
// prefix_len INT16, dst_port INT32, counters INT64, new_entry BOOL; every field non-nullable.
import { DELTA_COLUMNS, SNAPSHOT_COLUMN_NAMES, type SnapshotMeta, VALUE_COUNTERS } from "@ibsr/contract";
import { fb, finishFlatBuffer } from "./flatbuffer.js";
import type { SnapshotRows } from "./parquet.js";

// Arrow's Type union and MessageHeader union tags, TimeUnit and MetadataVersion (Schema.fbs, Message.fbs).
const TYPE = { Int: 2, Utf8: 5, Bool: 6, Timestamp: 10, FixedSizeBinary: 15 } as const;
const HEADER = { Schema: 1, DictionaryBatch: 2, RecordBatch: 3 } as const;
const MICROSECOND = 2;
const METADATA_V5 = 4;
const CONTINUATION = 0xffffffff;

type Column =
  | { name: string; kind: "const64"; of: "ts" | "baseTs" | "seq" }
  | { name: string; kind: "dict"; id: number }
  | { name: string; kind: "i8" | "i16" | "i32" | "fsb16" | "bool" }
  | { name: string; kind: "i64"; of: (r: SnapshotRows) => BigInt64Array };

const COLUMNS: readonly Column[] = [
  { name: "ts", kind: "const64", of: "ts" },
  { name: "base_ts", kind: "const64", of: "baseTs" },
  { name: "seq", kind: "const64", of: "seq" },
  { name: "run_id", kind: "dict", id: 0 },
  { name: "host", kind: "dict", id: 1 },
  { name: "iface", kind: "dict", id: 2 },
  { name: "family", kind: "i8" },
  { name: "src", kind: "fsb16" },
  { name: "prefix_len", kind: "i16" },
  { name: "dst_port", kind: "i32" },
  ...VALUE_COUNTERS.map((c) => ({ name: c, kind: "i64" as const, of: (r: SnapshotRows) => r[c] })),
  ...VALUE_COUNTERS.map((c, i) => ({
    name: DELTA_COLUMNS[i]!,
    kind: "i64" as const,
    of: (r: SnapshotRows) => r.deltas[c],
  })),
  { name: "new_entry", kind: "bool" },
  { name: "span_us", kind: "i64", of: (r) => r.spanUs },
  { name: "first_seen_mono_ns", kind: "i64", of: (r) => r.firstSeen },
];

// One owner for the column list: the contract's. This file only maps each name to its Arrow type.
if (COLUMNS.map((c) => c.name).join() !== SNAPSHOT_COLUMN_NAMES.join()) {
  throw new Error("arrow-ipc: the Arrow columns no longer match the contract's SNAPSHOT_COLUMN_NAMES");
}

const intType = (bits: number) => fb.table(fb.i32(bits), fb.bool(true));

function arrowType(c: Column): [number, ReturnType<typeof fb.table>] {
  switch (c.kind) {
    case "const64":
      return c.of === "seq"
        ? [TYPE.Int, intType(64)]
        : [TYPE.Timestamp, fb.table(fb.i16(MICROSECOND), fb.string("UTC"))];
    case "dict":
      return [TYPE.Utf8, fb.table()];
    case "i8":
      return [TYPE.Int, intType(8)];
    case "i16":
      return [TYPE.Int, intType(16)];
    case "i32":
      return [TYPE.Int, intType(32)];
    case "i64":
      return [TYPE.Int, intType(64)];
    case "fsb16":
      return [TYPE.FixedSizeBinary, fb.table(fb.i32(16))];
    case "bool":
      return [TYPE.Bool, fb.table()];
  }
}

/** The Schema message: the same for every file (the strings travel in the dictionary batches). */
const SCHEMA_MESSAGE = message(
  HEADER.Schema,
  fb.table(
    fb.i16(0), // little-endian
    fb.tables(
      COLUMNS.map((c) => {
        const [tag, type] = arrowType(c);
        // Field: name, nullable, type_type, type, dictionary (id, indexType Int32, isOrdered), children.
        const dictionary =
          c.kind === "dict" ? fb.table(fb.i64(c.id), intType(32), fb.bool(false)) : undefined;
        return fb.table(fb.string(c.name), fb.bool(false), fb.u8(tag), type, dictionary, fb.tables([]));
      }),
    ),
  ),
  0,
);

const EOS = new Uint8Array(new Uint32Array([CONTINUATION, 0]).buffer);

/** A Message flatbuffer, framed: continuation marker, metadata length (padded to 8), metadata. */
function message(headerType: number, header: ReturnType<typeof fb.table>, bodyLength: number): Uint8Array {
  const meta = finishFlatBuffer(fb.table(fb.i16(METADATA_V5), fb.u8(headerType), header, fb.i64(bodyLength)));
  const out = new Uint8Array(8 + meta.length);
  const v = new DataView(out.buffer);
  v.setUint32(0, CONTINUATION, true);
  v.setInt32(4, meta.length, true);
  out.set(meta, 8);
  return out;
}

const pad8 = (n: number) => Math.ceil(n / 8) * 8;

/** RecordBatch table: length, nodes (length, null_count) per column, buffers (offset, length). */
function recordBatch(length: number, nodes: number, buffers: number[]): ReturnType<typeof fb.table> {
  const nodePairs: number[] = [];
  for (let i = 0; i < nodes; i++) nodePairs.push(length, 0);
  return fb.table(fb.i64(length), fb.pairs(nodePairs), fb.pairs(buffers));
}

/** The dictionary batch of one per-file string: one Utf8 value, no nulls. */
function dictionaryMessage(id: number, value: string): Uint8Array {
  const bytes = new TextEncoder().encode(value);
  // Buffers: validity (none), offsets [0, len], data.
  const body = new Uint8Array(8 + pad8(bytes.length));
  new Int32Array(body.buffer, 0, 2).set([0, bytes.length]);
  body.set(bytes, 8);
  const head = message(
    HEADER.DictionaryBatch,
    fb.table(fb.i64(id), recordBatch(1, 1, [0, 0, 0, 8, 8, bytes.length]), fb.bool(false)),
    body.length,
  );
  return concat([head, body]);
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** Bytes of column c's data buffer for n rows, before padding. */
function columnBytes(c: Column, n: number): number {
  switch (c.kind) {
    case "i8":
      return n;
    case "i16":
      return 2 * n;
    case "dict":
    case "i32":
      return 4 * n;
    case "const64":
    case "i64":
      return 8 * n;
    case "fsb16":
      return 16 * n;
    case "bool":
      return Math.ceil(n / 8);
  }
}

/** The RecordBatch message for n rows and its buffers' (offset, length) pairs, four numbers per column. */
function batchLayout(n: number): { n: number; batch: Uint8Array; buffers: number[]; bodyLength: number } {
  const buffers: number[] = [];
  let off = 0;
  for (const c of COLUMNS) {
    const size = columnBytes(c, n);
    buffers.push(off, 0, off, size);
    off += pad8(size);
  }
  return {
    n,
    batch: message(HEADER.RecordBatch, recordBatch(n, COLUMNS.length, buffers), off),
    buffers,
    bodyLength: off,
  };
}

/** The run-level facts the stream carries: the per-file columns. */
export type IpcMeta = Pick<SnapshotMeta, "runId" | "host" | "iface" | "tsUs" | "baseTsUs" | "seq">;

/**
 * Encodes snapshot rows as Arrow IPC streams for one file: the schema and dictionary messages are built
 * once, and every chunk is written into one buffer sized for `maxRows` (reused: the caller hands each
 * stream to parquet-wasm, which copies it, before asking for the next).
 */
export class SnapshotIpcEncoder {
  private readonly head: Uint8Array;
  private readonly consts: { ts: bigint; baseTs: bigint; seq: bigint };
  private scratch: ArrayBuffer = new ArrayBuffer(0);
  /** The RecordBatch message and buffer layout of the last row count: every chunk but the last has the same. */
  private layout: { n: number; batch: Uint8Array; buffers: number[]; bodyLength: number } | null = null;

  constructor(meta: IpcMeta) {
    this.head = concat([
      SCHEMA_MESSAGE,
      dictionaryMessage(0, meta.runId),
      dictionaryMessage(1, meta.host),
      dictionaryMessage(2, meta.iface),
    ]);
    this.consts = { ts: meta.tsUs, baseTs: meta.baseTsUs, seq: BigInt(meta.seq) };
  }

  /** Rows from..from+n-1 of `rows` as one IPC stream (a view of the encoder's buffer, valid until the next call). */
  encode(rows: SnapshotRows, from: number, n: number): Uint8Array {
    if (this.layout?.n !== n) this.layout = batchLayout(n);
    const { batch, buffers, bodyLength } = this.layout;
    const total = this.head.length + batch.length + bodyLength + EOS.length;
    if (this.scratch.byteLength < total) this.scratch = new ArrayBuffer(total);
    const out = new Uint8Array(this.scratch, 0, total);
    out.set(this.head, 0);
    out.set(batch, this.head.length);
    const base = this.head.length + batch.length;
    const buf = this.scratch;
    const end = from + n;
    COLUMNS.forEach((c, i) => {
      const at = base + buffers[4 * i + 2]!;
      // Padding bytes must not carry stale data from the previous chunk into the stream (they do not reach
      // Parquet, but the stream should be deterministic); neither may the buffers written below only in part.
      const size = buffers[4 * i + 3]!;
      if (c.kind === "dict" || c.kind === "bool") out.fill(0, at, at + pad8(size));
      else out.fill(0, at + size, at + pad8(size));
      switch (c.kind) {
        case "const64":
          new BigInt64Array(buf, at, n).fill(this.consts[c.of]);
          break;
        case "dict":
          break; // all-zero indices: the buffer was zeroed above
        case "i8":
          out.set(rows.family.subarray(from, end), at);
          break;
        case "i16":
          new Int16Array(buf, at, n).set(rows.prefixLen.subarray(from, end));
          break;
        case "i32":
          new Int32Array(buf, at, n).set(rows.dstPort.subarray(from, end));
          break;
        case "fsb16":
          out.set(rows.src.subarray(from * 16, end * 16), at);
          break;
        case "i64":
          new BigInt64Array(buf, at, n).set(c.of(rows).subarray(from, end));
          break;
        case "bool": {
          const flags = rows.newEntry;
          for (let r = 0; r < n; r++) if (flags[from + r]) out[at + (r >> 3)]! |= 1 << (r & 7);
          break;
        }
      }
    });
    out.set(EOS, base + bodyLength);
    return out;
  }
}
