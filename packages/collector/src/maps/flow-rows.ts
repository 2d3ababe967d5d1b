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
import { COUNTERS, CompactValues } from "./compact-values.js";
import { HI, KEY_WORDS, LO, NATIVE_LE, VALUE_WORDS } from "./row-words.js";

export { HI, KEY_WORDS, LO, VALUE_WORD, VALUE_WORDS } from "./row-words.js";

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

/**
 * Drained flow-map entries: row i's key in the kernel's own layout at keys[i * KEY_SIZE], exactly as
 * bpf_map_lookup_batch writes it (the batch call writes keys straight into place), and its value compact
 * (CompactValues: 40 B instead of the kernel's 72, exact for every 64-bit value), converted one batch at
 * a time by the drain. The key views share one allocation.
 */
export interface FlowRows {
  capacity: number;
  keys: Uint8Array;
  /** keys as 32-bit words, KEY_WORDS per row. */
  keyWords: Uint32Array;
  /** keys as 16-bit halves (dst_port is half KEY_OFFSETS.dst_port / 2 of a row). */
  keyHalves: Uint16Array;
  /** Row i's counters and first_seen (rows 0..values.length-1 are valid). */
  values: CompactValues;
}

/** Rows with keys for `capacity` rows and values for `valueRows` (the drain's keys need one batch more). */
export function allocFlowRows(capacity: number, valueRows = capacity): FlowRows {
  if (!Number.isInteger(capacity) || capacity < 0 || !Number.isInteger(valueRows) || valueRows < 0) {
    throw new RangeError(`allocFlowRows: capacity must be a non-negative integer, got ${capacity}`);
  }
  const keys = new Uint8Array(capacity * KEY_SIZE);
  return {
    capacity,
    keys,
    keyWords: new Uint32Array(keys.buffer),
    keyHalves: new Uint16Array(keys.buffer),
    values: new CompactValues(Math.min(capacity, valueRows)),
  };
}

/**
 * Decodes rows order[at .. at+len) of `rows` into rows 0..len-1 of `out` (key fields, counters,
 * first_seen), in that order: how a snapshot chunk is gathered. Counters move as 32-bit halves (a high
 * word from the escape table, else 0), so no BigInt is created.
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
  // Every array in a local: `out` has a few dozen properties (V8 may hold it as a dictionary), and a
  // property load per row and column cost more than the copying.
  const { keys, keyWords, keyHalves, values, capacity } = rows;
  const { lo, hi, firstSeen } = values;
  const { family, prefixLen, dstPort } = out;
  const src = new Uint32Array(out.src.buffer, out.src.byteOffset, len * 4);
  const fs = new Uint32Array(out.firstSeen.buffer, out.firstSeen.byteOffset, len * 2);
  const dst = counterWords(out, len);
  const port = KEY_OFFSETS.dst_port / 2;
  const addr = KEY_OFFSETS.addr / 4;
  // One pass, row at a time: the rows are read in sorted order, i.e. at random places of the drain, so
  // each row's key, low words and first_seen are fetched once (a pass per column fetched them again per
  // column: about 4x the time at 100 000 rows).
  for (let r = 0; r < len; r++) {
    const i = order[at + r]!;
    if (!(i < capacity)) throw new RangeError(`gatherFlowRows: row ${i} is outside 0..${capacity - 1}`);
    const k0 = i * KEY_SIZE;
    family[r] = keys[k0 + KEY_OFFSETS.family]!;
    prefixLen[r] = keys[k0 + KEY_OFFSETS.prefix_len]!;
    dstPort[r] = keyHalves[i * (KEY_SIZE / 2) + port]!;
    const w = i * KEY_WORDS + addr;
    src[r * 4] = keyWords[w]!;
    src[r * 4 + 1] = keyWords[w + 1]!;
    src[r * 4 + 2] = keyWords[w + 2]!;
    src[r * 4 + 3] = keyWords[w + 3]!;
    fs[r * 2] = firstSeen[2 * i]!;
    fs[r * 2 + 1] = firstSeen[2 * i + 1]!;
    const l0 = i * COUNTERS;
    const h = values.hiAt(i);
    for (let k = 0; k < COUNTERS; k++) {
      const d = dst[k]!;
      d[r * 2 + LO] = lo[l0 + k]!;
      d[r * 2 + HI] = h < 0 ? 0 : hi[h + k]!;
    }
  }
}

/** The mark permuteRows sets on an order entry it has placed (rows are fewer than 2^31). */
const PLACED = 0x80000000;
// permuteRows's moveRow writes a row's words out one by one.
if (KEY_WORDS !== 6 || COUNTERS !== 8)
  throw new Error("flow-rows: the row layout changed; update permuteRows");

/**
 * Reorders rows 0..n-1 of `rows` in place so that new row p is old row order[p] (keys, values and the
 * values' escape table): after it the rows are read in order, not at random. One pass along the
 * permutation's cycles, one row held aside per cycle, no second copy of the rows; `order` is used for
 * marks during the pass and is as given when it returns. `order` must be a permutation of 0..n-1.
 */
export function permuteRows(rows: FlowRows, order: Uint32Array, n: number): void {
  const { keyWords, values } = rows;
  if (n > rows.capacity || n > order.length || n > values.length || n >= PLACED) {
    throw new RangeError(
      `permuteRows: ${n} rows, ${order.length} order entries, ${values.length} values, capacity ${rows.capacity}`,
    );
  }
  // The escape table first: it reads the old rows' escape bits, which the moves below do not touch.
  values.permuteEscapes(order, n);
  const { lo, firstSeen } = values;
  const heldKeys = new Uint32Array(KEY_WORDS);
  const heldLo = new Uint32Array(COUNTERS);
  const heldFirstSeen = new Uint32Array(2);
  // One flat loop without inner loops (moveRow has none and is inlined): V8 compiles a long-running loop
  // while it runs (on-stack replacement), and code entered so at an inner loop is thrown away each time
  // that loop exits, which left most of the pass unoptimised.
  // start: the place whose row is held aside (the cycle being followed), -1 between cycles; q: the place
  // that takes its row next; p: where to look for the next cycle.
  let start = -1;
  let q = 0;
  let p = 0;
  for (;;) {
    if (start < 0) {
      if (p === n) break;
      const o = order[p]!;
      if (o & PLACED) {
        p++;
        continue;
      }
      if (o === p) {
        order[p] = o | PLACED;
        p++;
        continue;
      }
      start = p;
      q = p;
      moveRow(keyWords, lo, firstSeen, p, heldKeys, heldLo, heldFirstSeen, 0);
    }
    // Place q takes row order[q]; the cycle ends when that is the held row.
    const from = order[q]!;
    if (from >= n) throw new RangeError(`permuteRows: order is not a permutation of 0..${n - 1}`);
    order[q] = from | PLACED;
    if (from === start) {
      moveRow(heldKeys, heldLo, heldFirstSeen, 0, keyWords, lo, firstSeen, q);
      start = -1;
      continue;
    }
    moveRow(keyWords, lo, firstSeen, from, keyWords, lo, firstSeen, q);
    q = from;
  }
  for (let p = 0; p < n; p++) order[p] = order[p]! & ~PLACED;
}

/** Row i's key words, low words and first_seen into row j of the other arrays, written out (no loop). */
function moveRow(
  keys: Uint32Array,
  lo: Uint32Array,
  firstSeen: Uint32Array,
  i: number,
  toKeys: Uint32Array,
  toLo: Uint32Array,
  toFirstSeen: Uint32Array,
  j: number,
): void {
  const a = i * KEY_WORDS;
  const b = j * KEY_WORDS;
  toKeys[b] = keys[a]!;
  toKeys[b + 1] = keys[a + 1]!;
  toKeys[b + 2] = keys[a + 2]!;
  toKeys[b + 3] = keys[a + 3]!;
  toKeys[b + 4] = keys[a + 4]!;
  toKeys[b + 5] = keys[a + 5]!;
  const c = i * COUNTERS;
  const d = j * COUNTERS;
  toLo[d] = lo[c]!;
  toLo[d + 1] = lo[c + 1]!;
  toLo[d + 2] = lo[c + 2]!;
  toLo[d + 3] = lo[c + 3]!;
  toLo[d + 4] = lo[c + 4]!;
  toLo[d + 5] = lo[c + 5]!;
  toLo[d + 6] = lo[c + 6]!;
  toLo[d + 7] = lo[c + 7]!;
  toFirstSeen[2 * j] = firstSeen[2 * i]!;
  toFirstSeen[2 * j + 1] = firstSeen[2 * i + 1]!;
}

/** The counter columns of `out` (VALUE_COUNTERS order) as 32-bit words, the first `len` rows. */
function counterWords(out: FlowColumns, len: number): Uint32Array[] {
  return VALUE_COUNTERS.map((c) => new Uint32Array(out[c].buffer, out[c].byteOffset, len * 2));
}

/**
 * The inverse of gatherFlowRows: rows 0..n-1 of `cols` written into rows 0..n-1 of `into` (a new FlowRows
 * of capacity n when absent) in the kernel's layout. For tests and tools that need drained rows.
 */
export function encodeFlowRows(cols: FlowColumns, n: number, into: FlowRows = allocFlowRows(n)): FlowRows {
  if (n > into.capacity || n > cols.capacity) {
    throw new RangeError(`encodeFlowRows: ${n} rows do not fit (${cols.capacity} -> ${into.capacity})`);
  }
  const value = new Uint32Array(VALUE_WORDS);
  const valueBytes = new Uint8Array(value.buffer);
  into.values.begin();
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
    valueBytes.set(encodeValue(fields));
    into.values.push(value, 0);
  }
  into.values.end();
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
