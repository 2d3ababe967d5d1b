// The kernel interface of bpf/ibsr.bpf.c as user space sees it: program, map and .rodata names, the
// struct layouts of bpf/ibsr.h mirrored field by field, the port bitmap and the layout version. The C
// header is the source on its side; kernel.test.ts compares this file with its text, and a live test
// (test/live/bpf-layout.test.ts) with the BTF of the compiled object, so a changed struct fails a test
// instead of silently misreading counters. Keep names identical to the C fields.

/** IBSR_LAYOUT_VERSION of bpf/ibsr.h, also in the object's .rodata as ibsr_layout_version. */
export const LAYOUT_VERSION = 3;

/** The XDP program's name in bpf/ibsr.bpf.c (what `bpftool prog list` shows). */
export const PROGRAM_NAME = "ibsr_xdp";

/** The flow maps, one per family (IBSR_MAP_FLOWS4/6): an IPv4 key is 8 bytes, so the kernel hashes and
 * compares 8 bytes per IPv4 lookup instead of 12 (bench/bpf.ts; docs/architecture.md). */
export const MAP_FLOWS4 = "ibsr_flows4";
export const MAP_FLOWS6 = "ibsr_flows6";
export const MAP_FLOWS = [MAP_FLOWS4, MAP_FLOWS6] as const;
export const MAP_PORTS = "ibsr_ports";
export const MAP_GLOBAL = "ibsr_global";
export const MAP_NAMES = [MAP_FLOWS4, MAP_FLOWS6, MAP_PORTS, MAP_GLOBAL] as const;

/** `const volatile` globals in the object's .rodata, set before load. */
export const RODATA = {
  layoutVersion: "ibsr_layout_version",
  ipv6PrefixLen: "ibsr_ipv6_prefix_len",
  ipv6Mask: "ibsr_ipv6_mask",
  coarseClock: "ibsr_coarse_clock",
} as const;

export const FAMILY_IPV4 = 4;
export const FAMILY_IPV6 = 6;

export const DEFAULT_MAP_SIZE = 100_000;
/** Size of the ibsr_ports value (key 0): one bit per TCP port. */
export const PORT_BITMAP_BYTES = 8192;
export const MAX_VLAN_DEPTH = 2;
export const MAX_IPV6_EXT_HDRS = 4;

/** struct ibsr_key: what user space holds per drained row, and ibsr_flows6's key with an IPv6 prefix over /64. */
export const KEY_SIZE = 24;
/** IBSR_KEY_SIZE_SHORT: ibsr_flows6's key (head + addr[0..7]) when the IPv6 prefix is /64 or shorter. */
export const KEY_SIZE_SHORT = 12;
/** IBSR_KEY_SIZE_V4: ibsr_flows4's key, head + addr[0..3]. */
export const KEY_SIZE_V4 = 8;
export const VALUE_SIZE = 72;
export const GLOBAL_SIZE = 48;
/** Key size of every BPF array map (ibsr_ports, ibsr_global, libbpf's .rodata): a __u32 index. */
export const ARRAY_KEY_SIZE = 4;

export const KEY_OFFSETS = { family: 0, prefix_len: 1, dst_port: 2, addr: 4, pad: 20 } as const;

/** The key size of each flow map for an IPv6 prefix length: an IPv4 key ends after addr[3], an IPv6 key of
 * a /64-or-shorter prefix after addr[7], so the kernel hashes and compares only those bytes. */
export function flowKeySizes(ipv6PrefixLen: number): Record<FlowMapName, number> {
  return { [MAP_FLOWS4]: KEY_SIZE_V4, [MAP_FLOWS6]: ipv6PrefixLen <= 64 ? KEY_SIZE_SHORT : KEY_SIZE };
}
export type FlowMapName = (typeof MAP_FLOWS)[number];

/** The smallest --map-size: each flow map needs at least one entry. */
export const MIN_MAP_SIZE = 2;

/**
 * How --map-size (the total number of flow entries, what the kernel memory estimate and the fill are
 * about) is split between the two maps: a quarter to IPv6 (its sources are aggregated to a prefix, so
 * one holder takes one entry, and most traffic, spoofed floods included, is IPv4), the rest to IPv4.
 * Each map evicts on its own: a flood of one family cannot push the other's entries out.
 */
export function mapSizes(total: number): Record<FlowMapName, number> {
  if (!Number.isInteger(total) || total < MIN_MAP_SIZE)
    throw new RangeError(`map size must be an integer >= ${MIN_MAP_SIZE}, got ${total}`);
  const v6 = Math.max(1, Math.floor(total / 4));
  return { [MAP_FLOWS4]: total - v6, [MAP_FLOWS6]: v6 };
}

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

/** The fields of struct ibsr_global, in struct order (each a __u64). Every frame adds to exactly one of the
 * first three (its exit), so the matched path increments one total; decodeGlobal derives GLOBAL_FIELDS. */
export const GLOBAL_STRUCT_FIELDS = [
  "not_tcp",
  "tcp_unmonitored",
  "matched_packets",
  "matched_bytes",
  "matched_syn",
  "inserts",
] as const;

/** The per-CPU totals as user space reports them (snapshot metadata, metrics): packets_seen =
 * not_tcp + tcp_unmonitored + matched_packets, tcp_seen = tcp_unmonitored + matched_packets. */
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
  { struct: "ibsr_key", field: "addr", offset: 4, size: 16 },
  { struct: "ibsr_key", field: "pad", offset: 20, size: 4 },
  ...Object.entries(VALUE_OFFSETS).map(([field, offset]) => ({
    struct: "ibsr_value" as const,
    field,
    offset,
    size: 8,
  })),
  ...GLOBAL_STRUCT_FIELDS.map((field, i) => ({
    struct: "ibsr_global" as const,
    field,
    offset: 8 * i,
    size: 8,
  })),
];

export const STRUCT_SIZES = { ibsr_key: KEY_SIZE, ibsr_value: VALUE_SIZE, ibsr_global: GLOBAL_SIZE } as const;

/** The slot size libbpf uses per CPU in a per-CPU map value buffer: the value rounded up to 8. */
export function perCpuSlotSize(valueSize: number): number {
  return Math.ceil(valueSize / 8) * 8;
}

/**
 * The ibsr_ports value (key 0) for a set of ports: bit (port & 7) of byte (port >> 3), as
 * bpf/ibsr.bpf.c reads it. Byte addressed, so it does not depend on host endianness. A port outside
 * 0..65535 (or not an integer) is a RangeError: it would otherwise set a bit of some other port.
 */
export function encodePortBitmap(ports: Iterable<number>): Uint8Array {
  const bits = new Uint8Array(PORT_BITMAP_BYTES);
  for (const p of ports) {
    if (!Number.isInteger(p) || p < 0 || p > 65535) throw new RangeError(`port ${p} is not 0..65535`);
    bits[p >> 3]! |= 1 << (p & 7);
  }
  return bits;
}
