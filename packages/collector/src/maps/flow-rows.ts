// The flow map's entries in user space: drained rows in the kernel's own byte layout (FlowRows, what
// bpf_map_lookup_batch writes) and decoded columns (FlowColumns), with the codecs between them and the
// per-CPU ibsr_global sum. The layout itself (sizes, offsets, field order) is @ibsr/contract's.
import {
  type Counter,
  GLOBAL_SIZE,
  GLOBAL_STRUCT_FIELDS,
  type GlobalTotals,
  KEY_OFFSETS,
  KEY_SIZE,
  perCpuSlotSize,
  VALUE_COUNTERS,
  VALUE_OFFSETS,
  VALUE_SIZE,
} from "@ibsr/contract";

/**
 * Decoded flow entries as columns. Counters are signed 64-bit (the kernel's u64 reinterpreted:
 * a counter would need 2^63 events to turn negative). `src` holds 16 bytes per row.
 */
export type FlowColumns = {
  capacity: number;
  family: Uint8Array;
  prefixLen: Uint8Array;
  src: Uint8Array;
  dstPort: Uint16Array;
  /** struct ibsr_value.first_seen: raw CLOCK_MONOTONIC ns (coarse on 5.11+), compared raw, never converted. */
  firstSeen: BigInt64Array;
} & Record<Counter, BigInt64Array>;

export function allocFlowColumns(capacity: number): FlowColumns {
  if (!Number.isInteger(capacity) || capacity < 0) {
    throw new RangeError(`allocFlowColumns: capacity must be a non-negative integer, got ${capacity}`);
  }
  const counters = Object.fromEntries(VALUE_COUNTERS.map((c) => [c, new BigInt64Array(capacity)])) as Record<
    Counter,
    BigInt64Array
  >;
  return {
    capacity,
    family: new Uint8Array(capacity),
    prefixLen: new Uint8Array(capacity),
    src: new Uint8Array(capacity * 16),
    dstPort: new Uint16Array(capacity),
    firstSeen: new BigInt64Array(capacity),
    ...counters,
  };
}

// The kernel writes host byte order; user space runs on the same host, so native order is right.
const NATIVE_LE = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/**
 * Drained flow-map entries in the kernel's own layout, row i's key at keys[i * KEY_SIZE] and its value at
 * values[i * VALUE_SIZE], exactly as bpf_map_lookup_batch writes them: a drain decodes nothing (the batch
 * call writes straight into place), and everything about one entry sits in two or three cache lines,
 * which is what the random accesses of diffing and sorting need. The views share one allocation each.
 */
export interface FlowRows {
  capacity: number;
  keys: Uint8Array;
  values: Uint8Array;
  /** keys as 32-bit words, KEY_WORDS per row. */
  keyWords: Uint32Array;
  /** keys as 16-bit halves (dst_port is half KEY_OFFSETS.dst_port / 2 of a row). */
  keyHalves: Uint16Array;
  /** values as 32-bit words, VALUE_WORDS per row; a u64 field f is words VALUE_WORD[f] + LO and + HI. */
  valueWords: Uint32Array;
}

export const KEY_WORDS = KEY_SIZE / 4;
export const VALUE_WORDS = VALUE_SIZE / 4;
/** Word index of each u64 field of struct ibsr_value. */
export const VALUE_WORD = Object.fromEntries(
  Object.entries(VALUE_OFFSETS).map(([f, off]) => [f, off / 4]),
) as Record<keyof typeof VALUE_OFFSETS, number>;
/** Within a u64 stored as two 32-bit words in host order: the index of the low and of the high word. */
export const LO = NATIVE_LE ? 0 : 1;
export const HI = NATIVE_LE ? 1 : 0;

export function allocFlowRows(capacity: number): FlowRows {
  if (!Number.isInteger(capacity) || capacity < 0) {
    throw new RangeError(`allocFlowRows: capacity must be a non-negative integer, got ${capacity}`);
  }
  const keys = new Uint8Array(capacity * KEY_SIZE);
  const values = new Uint8Array(capacity * VALUE_SIZE);
  return {
    capacity,
    keys,
    values,
    keyWords: new Uint32Array(keys.buffer),
    keyHalves: new Uint16Array(keys.buffer),
    valueWords: new Uint32Array(values.buffer),
  };
}

/**
 * Decodes rows order[at .. at+len) of `rows` into rows 0..len-1 of `out` (key fields, counters,
 * first_seen), in that order: how a snapshot chunk is gathered. Counters move as 32-bit halves, so no
 * BigInt is created.
 */
export function gatherFlowRows(
  rows: FlowRows,
  order: Uint32Array,
  at: number,
  len: number,
  out: FlowColumns,
): void {
  if (at < 0 || len < 0 || at + len > order.length || len > out.capacity) {
    throw new RangeError(
      `gatherFlowRows: rows ${at}..${at + len} of ${order.length} into a capacity of ${out.capacity}`,
    );
  }
  const { keys, keyWords, keyHalves, valueWords } = rows;
  const src = new Uint32Array(out.src.buffer, out.src.byteOffset, len * 4);
  const port = KEY_OFFSETS.dst_port / 2;
  const addr = KEY_OFFSETS.addr / 4;
  for (let r = 0; r < len; r++) {
    const i = order[at + r]!;
    if (!(i < rows.capacity))
      throw new RangeError(`gatherFlowRows: row ${i} is outside 0..${rows.capacity - 1}`);
    const k = i * KEY_SIZE;
    out.family[r] = keys[k + KEY_OFFSETS.family]!;
    out.prefixLen[r] = keys[k + KEY_OFFSETS.prefix_len]!;
    out.dstPort[r] = keyHalves[i * (KEY_SIZE / 2) + port]!;
    const w = i * KEY_WORDS + addr;
    src[r * 4] = keyWords[w]!;
    src[r * 4 + 1] = keyWords[w + 1]!;
    src[r * 4 + 2] = keyWords[w + 2]!;
    src[r * 4 + 3] = keyWords[w + 3]!;
  }
  const fields: [BigInt64Array, number][] = [
    ...VALUE_COUNTERS.map((c) => [out[c], VALUE_WORD[c]] as [BigInt64Array, number]),
    [out.firstSeen, VALUE_WORD.first_seen],
  ];
  for (const [column, word] of fields) {
    const dst = new Uint32Array(column.buffer, column.byteOffset, len * 2);
    for (let r = 0; r < len; r++) {
      const v = order[at + r]! * VALUE_WORDS + word;
      dst[r * 2] = valueWords[v]!;
      dst[r * 2 + 1] = valueWords[v + 1]!;
    }
  }
}

/**
 * The inverse of gatherFlowRows: rows 0..n-1 of `cols` written into rows 0..n-1 of `into` (a new FlowRows
 * of capacity n when absent) in the kernel's layout. For tests and tools that need drained rows.
 */
export function encodeFlowRows(cols: FlowColumns, n: number, into: FlowRows = allocFlowRows(n)): FlowRows {
  if (n > into.capacity || n > cols.capacity) {
    throw new RangeError(`encodeFlowRows: ${n} rows do not fit (${cols.capacity} -> ${into.capacity})`);
  }
  for (let i = 0; i < n; i++) {
    into.keys.set(
      encodeKey(
        cols.family[i]!,
        cols.prefixLen[i]!,
        cols.dstPort[i]!,
        cols.src.subarray(i * 16, i * 16 + 16),
      ),
      i * KEY_SIZE,
    );
    const fields: Partial<Record<keyof typeof VALUE_OFFSETS, bigint>> = { first_seen: cols.firstSeen[i]! };
    for (const c of VALUE_COUNTERS) fields[c] = cols[c][i]!;
    into.values.set(encodeValue(fields), i * VALUE_SIZE);
  }
  return into;
}

/** Sums a per-CPU ibsr_global lookup (`cpus` slots of perCpuSlotSize(GLOBAL_SIZE) bytes). */
export function decodeGlobal(perCpuValues: Uint8Array, cpus: number): GlobalTotals {
  const slot = perCpuSlotSize(GLOBAL_SIZE);
  if (!Number.isInteger(cpus) || cpus < 1 || perCpuValues.byteLength < cpus * slot) {
    throw new RangeError(
      `decodeGlobal: ${cpus} CPUs need ${cpus * slot} bytes (${slot} per CPU), got ${perCpuValues.byteLength}`,
    );
  }
  const dv = new DataView(perCpuValues.buffer, perCpuValues.byteOffset, perCpuValues.byteLength);
  const sums = GLOBAL_STRUCT_FIELDS.map(() => 0n);
  for (let cpu = 0; cpu < cpus; cpu++) {
    for (let i = 0; i < sums.length; i++) sums[i]! += dv.getBigUint64(cpu * slot + 8 * i, NATIVE_LE);
  }
  const s = Object.fromEntries(GLOBAL_STRUCT_FIELDS.map((f, i) => [f, sums[i]!])) as Record<
    (typeof GLOBAL_STRUCT_FIELDS)[number],
    bigint
  >;
  // The program counts each frame at its exit only (bpf/ibsr.h); the reported totals are their sums.
  const tcpSeen = s.tcp_unmonitored + s.matched_packets;
  const totals: GlobalTotals = {
    packets_seen: s.not_tcp + tcpSeen,
    tcp_seen: tcpSeen,
    matched_packets: s.matched_packets,
    matched_bytes: s.matched_bytes,
    matched_syn: s.matched_syn,
    inserts: s.inserts,
  };
  return totals;
}

/** The key bytes for one entry (for map lookups in tests and tools). */
export function encodeKey(family: number, prefixLen: number, dstPort: number, addr: Uint8Array): Uint8Array {
  const key = new Uint8Array(KEY_SIZE);
  key[KEY_OFFSETS.family] = family;
  key[KEY_OFFSETS.prefix_len] = prefixLen;
  new DataView(key.buffer).setUint16(KEY_OFFSETS.dst_port, dstPort, NATIVE_LE);
  key.set(addr.subarray(0, 16), KEY_OFFSETS.addr);
  return key;
}

/** The value bytes for one entry (for tests and tools): counters and first_seen, host byte order. */
export function encodeValue(fields: Partial<Record<keyof typeof VALUE_OFFSETS, bigint>>): Uint8Array {
  const value = new Uint8Array(VALUE_SIZE);
  const dv = new DataView(value.buffer);
  for (const [f, off] of Object.entries(VALUE_OFFSETS)) {
    dv.setBigUint64(off, BigInt.asUintN(64, fields[f as keyof typeof VALUE_OFFSETS] ?? 0n), NATIVE_LE);
  }
  return value;
}
