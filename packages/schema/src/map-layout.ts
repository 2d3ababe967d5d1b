// The kernel/user layout of bpf/ibsr.h, mirrored field by field. A test in bpf/ compares
// LAYOUT_FIELDS with the BTF of the compiled object, so a changed struct fails a test
// instead of silently misreading counters. Keep names identical to the C fields.

export const LAYOUT_VERSION = 1;

export const MAP_FLOWS = "ibsr_flows";
export const MAP_PORTS = "ibsr_ports";
export const MAP_GLOBAL = "ibsr_global";
export const MAP_NAMES = [MAP_FLOWS, MAP_PORTS, MAP_GLOBAL] as const;

export const FAMILY_IPV4 = 4;
export const FAMILY_IPV6 = 6;

export const DEFAULT_MAP_SIZE = 100_000;
export const PORT_BITMAP_BYTES = 8192;
export const MAX_VLAN_DEPTH = 2;
export const MAX_IPV6_EXT_HDRS = 4;

export const KEY_SIZE = 24;
export const VALUE_SIZE = 72;
export const GLOBAL_SIZE = 48;

export const KEY_OFFSETS = { family: 0, prefix_len: 1, dst_port: 2, pad: 4, addr: 8 } as const;

/** The eight counters of struct ibsr_value, in struct order (each a __u64 at 8 * index). */
export const VALUE_COUNTERS = [
  "syn",
  "synack",
  "ack",
  "handshake_ack",
  "rst",
  "fin",
  "packets",
  "bytes",
] as const;
export type Counter = (typeof VALUE_COUNTERS)[number];

export const VALUE_OFFSETS = {
  syn: 0,
  synack: 8,
  ack: 16,
  handshake_ack: 24,
  rst: 32,
  fin: 40,
  packets: 48,
  bytes: 56,
  first_seen: 64,
} as const;

/** The fields of struct ibsr_global, in struct order (each a __u64). */
export const GLOBAL_FIELDS = [
  "packets_seen",
  "tcp_seen",
  "matched_packets",
  "matched_bytes",
  "matched_syn",
  "inserts",
] as const;
export type GlobalField = (typeof GLOBAL_FIELDS)[number];
export type GlobalTotals = Record<GlobalField, bigint>;

export interface LayoutField {
  struct: "ibsr_key" | "ibsr_value" | "ibsr_global";
  field: string;
  offset: number;
  size: number;
}

/** Every field of the three structs, for table-driven comparison with BTF. */
export const LAYOUT_FIELDS: readonly LayoutField[] = [
  { struct: "ibsr_key", field: "family", offset: 0, size: 1 },
  { struct: "ibsr_key", field: "prefix_len", offset: 1, size: 1 },
  { struct: "ibsr_key", field: "dst_port", offset: 2, size: 2 },
  { struct: "ibsr_key", field: "pad", offset: 4, size: 4 },
  { struct: "ibsr_key", field: "addr", offset: 8, size: 16 },
  ...Object.entries(VALUE_OFFSETS).map(([field, offset]) => ({
    struct: "ibsr_value" as const,
    field,
    offset,
    size: 8,
  })),
  ...GLOBAL_FIELDS.map((field, i) => ({ struct: "ibsr_global" as const, field, offset: 8 * i, size: 8 })),
];

export const STRUCT_SIZES = { ibsr_key: KEY_SIZE, ibsr_value: VALUE_SIZE, ibsr_global: GLOBAL_SIZE } as const;

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
  /** struct ibsr_value.first_seen: raw bpf_ktime_get_ns(), compared raw, never converted. */
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
 * Decodes `count` entries of a libbpf batch (keys packed at KEY_SIZE, values at VALUE_SIZE) into
 * rows at..at+count-1 of `out`. Counters are copied as 32-bit halves, so no BigInt is created.
 */
export function decodeFlowBatch(
  keys: Uint8Array,
  values: Uint8Array,
  count: number,
  out: FlowColumns,
  at: number,
): void {
  if (count < 0 || at < 0 || at + count > out.capacity) {
    throw new RangeError(
      `decodeFlowBatch: rows ${at}..${at + count} do not fit a capacity of ${out.capacity}`,
    );
  }
  if (keys.byteLength < count * KEY_SIZE || values.byteLength < count * VALUE_SIZE) {
    throw new RangeError(
      `decodeFlowBatch: ${count} entries need ${count * KEY_SIZE} key bytes and ${count * VALUE_SIZE} value bytes, ` +
        `got ${keys.byteLength} and ${values.byteLength}`,
    );
  }
  const kv = new DataView(keys.buffer, keys.byteOffset, keys.byteLength);
  for (let i = 0; i < count; i++) {
    const k = i * KEY_SIZE;
    const row = at + i;
    out.family[row] = keys[k + KEY_OFFSETS.family]!;
    out.prefixLen[row] = keys[k + KEY_OFFSETS.prefix_len]!;
    out.dstPort[row] = kv.getUint16(k + KEY_OFFSETS.dst_port, NATIVE_LE);
    out.src.set(keys.subarray(k + KEY_OFFSETS.addr, k + KEY_OFFSETS.addr + 16), row * 16);
  }
  // Value words as 32-bit halves; copy into an aligned scratch if the caller's buffer is not 4-aligned.
  const aligned = values.byteOffset % 4 === 0 ? values : values.slice(0, count * VALUE_SIZE);
  const words = new Uint32Array(aligned.buffer, aligned.byteOffset, (count * VALUE_SIZE) / 4);
  const stride = VALUE_SIZE / 4;
  const targets = [...VALUE_COUNTERS.map((c) => out[c]), out.firstSeen];
  for (let f = 0; f < targets.length; f++) {
    const dst = new Uint32Array(targets[f]!.buffer, targets[f]!.byteOffset, out.capacity * 2);
    const srcWord = f * 2;
    for (let i = 0; i < count; i++) {
      const s = i * stride + srcWord;
      const d = (at + i) * 2;
      dst[d] = words[s]!;
      dst[d + 1] = words[s + 1]!;
    }
  }
}

/** The slot size libbpf uses per CPU in a per-CPU map value buffer: the value rounded up to 8. */
export function perCpuSlotSize(valueSize: number): number {
  return Math.ceil(valueSize / 8) * 8;
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
  const totals = Object.fromEntries(GLOBAL_FIELDS.map((f) => [f, 0n])) as GlobalTotals;
  for (let cpu = 0; cpu < cpus; cpu++) {
    GLOBAL_FIELDS.forEach((f, i) => {
      totals[f] += dv.getBigUint64(cpu * slot + 8 * i, NATIVE_LE);
    });
  }
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
