// The snapshot encoder as it was before issue 15: an apache-arrow Table serialised by apache-arrow's IPC
// writer. Kept for tests only, as an independent second writer: the collector's own IPC stream
// (snapshot/arrow-ipc.ts) must give parquet-wasm the same table, so both must produce the same file.

import { DELTA_COLUMNS, SNAPSHOT_COLUMN_NAMES, type SnapshotMeta, VALUE_COUNTERS } from "@ibsr/contract";
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
  tableToIPC,
  Utf8,
  Vector,
} from "apache-arrow";
import { type EncodeOptions, type SnapshotFile, snapshotWriterProperties } from "../snapshot/parquet.js";
import { parquet } from "../snapshot/parquet-wasm.js";

/** The snapshot written through apache-arrow's IPC writer (the encoder before issue 15). */
export function encodeSnapshotParquetWithApacheArrow(s: SnapshotFile, opts: EncodeOptions = {}): Uint8Array {
  const ipc = tableToIPC(snapshotArrowTable(s), "stream");
  return parquet.writeParquet(parquet.Table.fromIPCStream(ipc), snapshotWriterProperties(s.meta, opts));
}

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
function snapshotArrowTable(s: SnapshotFile, from = 0, count?: number, consts?: ConstantColumns): Table {
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
interface ConstantColumns {
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
