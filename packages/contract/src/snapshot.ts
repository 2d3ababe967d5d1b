// The snapshot vocabulary: every column of a snapshot file with its Parquet and DuckDB types, the file
// key/value metadata keys, and the codec between SnapshotMeta and those key/value strings. The collector's
// Parquet encoder writes it; the reporter reads it with DuckDB. No I/O and no Arrow here.
import {
  type Counter,
  GLOBAL_FIELDS,
  type GlobalField,
  type GlobalTotals,
  LAYOUT_VERSION,
  VALUE_COUNTERS,
} from "./kernel.js";

/** Bumped whenever a column or a metadata key changes meaning. */
export const SNAPSHOT_SCHEMA_VERSION = 1;

export type DeltaColumn = `${Counter}_delta`;
export const DELTA_COLUMNS = VALUE_COUNTERS.map((c) => `${c}_delta` as DeltaColumn);

export interface ColumnSpec {
  name: string;
  /** Parquet physical/logical type as written. */
  parquet: string;
  /** The type DuckDB reports for it (read_parquet). */
  duckdb: string;
  doc: string;
}

/** Every column of a snapshot file, in file order. */
export const SNAPSHOT_COLUMNS: readonly ColumnSpec[] = [
  {
    name: "ts",
    parquet: "INT64 TIMESTAMP(MICROS, UTC)",
    duckdb: "TIMESTAMP WITH TIME ZONE",
    doc: "snapshot time",
  },
  {
    name: "base_ts",
    parquet: "INT64 TIMESTAMP(MICROS, UTC)",
    duckdb: "TIMESTAMP WITH TIME ZONE",
    doc: "run start",
  },
  { name: "seq", parquet: "INT64", duckdb: "BIGINT", doc: "snapshot number in the run; 0 = run start" },
  { name: "run_id", parquet: "BYTE_ARRAY UTF8", duckdb: "VARCHAR", doc: "run identifier" },
  { name: "host", parquet: "BYTE_ARRAY UTF8", duckdb: "VARCHAR", doc: "host name" },
  { name: "iface", parquet: "BYTE_ARRAY UTF8", duckdb: "VARCHAR", doc: "interface name" },
  { name: "family", parquet: "INT32 INT(8)", duckdb: "TINYINT", doc: "4 or 6" },
  {
    name: "src",
    parquet: "FIXED_LEN_BYTE_ARRAY(16)",
    duckdb: "BLOB",
    doc: "source address/prefix, big-endian; IPv4 in bytes 0..3",
  },
  {
    name: "prefix_len",
    parquet: "INT32 INT(16)",
    duckdb: "SMALLINT",
    doc: "32 for IPv4; IPv6 prefix length",
  },
  { name: "dst_port", parquet: "INT32", duckdb: "INTEGER", doc: "monitored destination port" },
  ...VALUE_COUNTERS.map((c) => ({
    name: c,
    parquet: "INT64",
    duckdb: "BIGINT",
    doc: `cumulative ${c} since the entry was inserted`,
  })),
  ...VALUE_COUNTERS.map((c) => ({
    name: `${c}_delta`,
    parquet: "INT64",
    duckdb: "BIGINT",
    doc: `${c} since the previous snapshot of the run (all of it for a new entry)`,
  })),
  {
    name: "new_entry",
    parquet: "BOOLEAN",
    duckdb: "BOOLEAN",
    doc: "entry inserted since the previous snapshot",
  },
  { name: "span_us", parquet: "INT64", duckdb: "BIGINT", doc: "microseconds the deltas cover" },
  {
    name: "first_seen_mono_ns",
    parquet: "INT64",
    duckdb: "BIGINT",
    doc: "raw CLOCK_MONOTONIC ns at insert (coarse, tick resolution, on 5.11+); compare raw, never convert",
  },
];
export const SNAPSHOT_COLUMN_NAMES: readonly string[] = SNAPSHOT_COLUMNS.map((c) => c.name);

/** Every snapshot metadata key starts with this (readers select ours by it). */
export const META_KEY_PREFIX = "ibsr.";

/** File-level key/value metadata keys (values are strings; numbers in decimal, lists as JSON). */
export const META_KEYS = {
  schemaVersion: "ibsr.schema_version",
  layoutVersion: "ibsr.layout_version",
  collectorVersion: "ibsr.collector_version",
  host: "ibsr.host",
  iface: "ibsr.iface",
  runId: "ibsr.run_id",
  seq: "ibsr.seq",
  tsUs: "ibsr.ts_us",
  baseTsUs: "ibsr.base_ts_us",
  intervalSec: "ibsr.interval_sec",
  xdpMode: "ibsr.xdp_mode",
  mtu: "ibsr.mtu",
  offload: "ibsr.offload",
  /** The flow maps' total max_entries (--map-size) and live entries: both maps summed. */
  mapCapacity: "ibsr.map_capacity",
  liveEntries: "ibsr.live_entries",
  /** The same per family (ibsr_flows4 / ibsr_flows6, split by mapSizes()); absent before layout 3. */
  mapCapacityIpv4: "ibsr.map_capacity_ipv4",
  mapCapacityIpv6: "ibsr.map_capacity_ipv6",
  liveEntriesIpv4: "ibsr.live_entries_ipv4",
  liveEntriesIpv6: "ibsr.live_entries_ipv6",
  kernelRelease: "ibsr.kernel_release",
  ports: "ibsr.ports",
  ipv6PrefixLen: "ibsr.ipv6_prefix_len",
  monoOffsetNs: "ibsr.mono_offset_ns",
  /** Present only on generated data (demo fallback, benchmarks): a label every report must show. */
  synthetic: "ibsr.synthetic",
} as const;

/** One key per struct ibsr_global field: the per-CPU counters summed over CPUs. */
export const GLOBAL_META_KEYS = Object.fromEntries(
  GLOBAL_FIELDS.map((f) => [f, `${META_KEY_PREFIX}global.${f}`]),
) as Record<GlobalField, string>;

export interface SnapshotMeta {
  collectorVersion: string;
  host: string;
  iface: string;
  runId: string;
  seq: number;
  /** Snapshot wall-clock time, microseconds since the Unix epoch (UTC). */
  tsUs: bigint;
  /** Run start, microseconds since the Unix epoch (UTC). */
  baseTsUs: bigint;
  intervalSec: number;
  xdpMode: string;
  mtu: number;
  /** Offload state of the interface, e.g. { "generic-receive-offload": "on" }. */
  offload: Record<string, string>;
  mapCapacity: number;
  liveEntries: number;
  /** Capacity and live entries of each family's flow map (their sums are mapCapacity, liveEntries);
   * absent in snapshots of one-map collectors (layout 2 and before). */
  families?: Record<"ipv4" | "ipv6", { capacity: number; liveEntries: number }>;
  kernelRelease: string;
  ports: number[];
  ipv6PrefixLen: number;
  /** struct ibsr_global summed over CPUs (cumulative since load). */
  globals: GlobalTotals;
  /** Wall-clock ns minus CLOCK_MONOTONIC ns, fixed for the run: for displaying first_seen only. */
  monoOffsetNs: bigint;
  /** Set only by generators of synthetic data: what made it. Reports label such data SYNTHETIC. */
  synthetic?: string;
  /** Filled in by encode; present after decode. */
  schemaVersion?: number;
  layoutVersion?: number;
}

// --- metadata ----------------------------------------------------------------------------------

/** The footer key/value pairs for a snapshot. */
export function snapshotKeyValue(meta: SnapshotMeta): Map<string, string> {
  const kv = new Map<string, string>([
    [META_KEYS.schemaVersion, String(SNAPSHOT_SCHEMA_VERSION)],
    // The collector stamps what the loaded object says; synthetic writers fall back to this build's layout.
    [META_KEYS.layoutVersion, String(meta.layoutVersion ?? LAYOUT_VERSION)],
    [META_KEYS.collectorVersion, meta.collectorVersion],
    [META_KEYS.host, meta.host],
    [META_KEYS.iface, meta.iface],
    [META_KEYS.runId, meta.runId],
    [META_KEYS.seq, String(meta.seq)],
    [META_KEYS.tsUs, String(meta.tsUs)],
    [META_KEYS.baseTsUs, String(meta.baseTsUs)],
    [META_KEYS.intervalSec, String(meta.intervalSec)],
    [META_KEYS.xdpMode, meta.xdpMode],
    [META_KEYS.mtu, String(meta.mtu)],
    [META_KEYS.offload, JSON.stringify(meta.offload)],
    [META_KEYS.mapCapacity, String(meta.mapCapacity)],
    [META_KEYS.liveEntries, String(meta.liveEntries)],
    [META_KEYS.kernelRelease, meta.kernelRelease],
    [META_KEYS.ports, JSON.stringify(meta.ports)],
    [META_KEYS.ipv6PrefixLen, String(meta.ipv6PrefixLen)],
    [META_KEYS.monoOffsetNs, String(meta.monoOffsetNs)],
  ]);
  for (const f of GLOBAL_FIELDS) kv.set(GLOBAL_META_KEYS[f], String(meta.globals[f]));
  if (meta.families) {
    kv.set(META_KEYS.mapCapacityIpv4, String(meta.families.ipv4.capacity));
    kv.set(META_KEYS.mapCapacityIpv6, String(meta.families.ipv6.capacity));
    kv.set(META_KEYS.liveEntriesIpv4, String(meta.families.ipv4.liveEntries));
    kv.set(META_KEYS.liveEntriesIpv6, String(meta.families.ipv6.liveEntries));
  }
  if (meta.synthetic !== undefined) kv.set(META_KEYS.synthetic, meta.synthetic);
  return kv;
}

/** Parses footer key/value pairs back into SnapshotMeta; a missing or malformed key names itself. */
export function parseSnapshotKeyValue(kv: Map<string, string>): SnapshotMeta {
  const get = (k: string): string => {
    const v = kv.get(k);
    if (v === undefined) throw new SnapshotFormatError(`metadata key ${k} is missing`);
    return v;
  };
  const int = (k: string): number => {
    const v = get(k);
    const n = Number(v);
    if (!/^-?\d+$/.test(v) || !Number.isSafeInteger(n)) {
      throw new SnapshotFormatError(`metadata key ${k} = ${JSON.stringify(v)} is not an integer`);
    }
    return n;
  };
  const big = (k: string): bigint => {
    const v = get(k);
    if (!/^-?\d+$/.test(v))
      throw new SnapshotFormatError(`metadata key ${k} = ${JSON.stringify(v)} is not an integer`);
    return BigInt(v);
  };
  const json = <T>(k: string): T => {
    try {
      return JSON.parse(get(k)) as T;
    } catch (e) {
      throw new SnapshotFormatError(`metadata key ${k} is not valid JSON: ${(e as Error).message}`);
    }
  };
  const intervalText = get(META_KEYS.intervalSec);
  const intervalSec = Number(intervalText);
  if (!Number.isFinite(intervalSec)) {
    throw new SnapshotFormatError(
      `metadata key ${META_KEYS.intervalSec} = ${JSON.stringify(intervalText)} is not a number`,
    );
  }
  const globals = Object.fromEntries(GLOBAL_FIELDS.map((f) => [f, big(GLOBAL_META_KEYS[f])])) as GlobalTotals;
  return {
    schemaVersion: int(META_KEYS.schemaVersion),
    layoutVersion: int(META_KEYS.layoutVersion),
    collectorVersion: get(META_KEYS.collectorVersion),
    host: get(META_KEYS.host),
    iface: get(META_KEYS.iface),
    runId: get(META_KEYS.runId),
    seq: int(META_KEYS.seq),
    tsUs: big(META_KEYS.tsUs),
    baseTsUs: big(META_KEYS.baseTsUs),
    intervalSec,
    xdpMode: get(META_KEYS.xdpMode),
    mtu: int(META_KEYS.mtu),
    offload: json<Record<string, string>>(META_KEYS.offload),
    mapCapacity: int(META_KEYS.mapCapacity),
    liveEntries: int(META_KEYS.liveEntries),
    kernelRelease: get(META_KEYS.kernelRelease),
    ports: json<number[]>(META_KEYS.ports),
    ipv6PrefixLen: int(META_KEYS.ipv6PrefixLen),
    globals,
    monoOffsetNs: big(META_KEYS.monoOffsetNs),
    ...(kv.has(META_KEYS.mapCapacityIpv4)
      ? {
          families: {
            ipv4: { capacity: int(META_KEYS.mapCapacityIpv4), liveEntries: int(META_KEYS.liveEntriesIpv4) },
            ipv6: { capacity: int(META_KEYS.mapCapacityIpv6), liveEntries: int(META_KEYS.liveEntriesIpv6) },
          },
        }
      : {}),
    ...(kv.has(META_KEYS.synthetic) ? { synthetic: get(META_KEYS.synthetic) } : {}),
  };
}

// --- compacted files ---------------------------------------------------------------------------

/**
 * The footer entry of a compacted file (`ibsr-report compact`): JSON, one member per snapshot merged in, each
 * with the snapshot's own footer key/value pairs (as it had them), its row count and its span_us. Readers
 * take every per-snapshot fact from here, never from the rows. Not under META_KEY_PREFIX's per-snapshot
 * keys: a compacted file has no ibsr.host etc. of its own.
 */
export const COMPACTED_META_KEY = `${META_KEY_PREFIX}compacted`;
/** Bumped when the JSON layout of COMPACTED_META_KEY changes. */
export const COMPACTED_FORMAT_VERSION = 1;

export interface CompactedMember {
  /** The snapshot file's name (basename) it came from: the reader skips that file beside the compacted one. */
  source: string;
  /** The snapshot's footer key/value pairs (ibsr.* keys), unchanged. */
  kv: Record<string, string>;
  rows: number;
  /** The largest span_us of its rows (the footer statistic the reader uses), or null without rows. */
  spanUs: string | null;
}

/** Keys are listed once and each member carries its values in that order (null: the key was absent). */
interface CompactedJson {
  version: number;
  keys: string[];
  members: [string, number, string | null, (string | null)[]][];
}

export function encodeCompactedMembers(members: readonly CompactedMember[]): string {
  const keys = [...new Set(members.flatMap((m) => Object.keys(m.kv)))].sort();
  const doc: CompactedJson = {
    version: COMPACTED_FORMAT_VERSION,
    keys,
    members: members.map((m) => [m.source, m.rows, m.spanUs, keys.map((k) => m.kv[k] ?? null)]),
  };
  return JSON.stringify(doc);
}

/** Parses COMPACTED_META_KEY's value; anything malformed names what. */
export function parseCompactedMembers(text: string): CompactedMember[] {
  let doc: CompactedJson;
  try {
    doc = JSON.parse(text) as CompactedJson;
  } catch (e) {
    throw new SnapshotFormatError(`${COMPACTED_META_KEY} is not valid JSON: ${(e as Error).message}`);
  }
  if (doc === null || typeof doc !== "object" || doc.version !== COMPACTED_FORMAT_VERSION)
    throw new SnapshotFormatError(
      `${COMPACTED_META_KEY}: format version ${JSON.stringify((doc as { version?: unknown } | null)?.version)} is not ${COMPACTED_FORMAT_VERSION} (a newer ibsr-report wrote it?)`,
    );
  const { keys, members } = doc;
  if (!Array.isArray(keys) || !keys.every((k) => typeof k === "string") || !Array.isArray(members))
    throw new SnapshotFormatError(`${COMPACTED_META_KEY}: keys or members is not a list`);
  return members.map((m, i) => {
    const ok =
      Array.isArray(m) &&
      typeof m[0] === "string" &&
      Number.isSafeInteger(m[1]) &&
      m[1] >= 0 &&
      (m[2] === null || (typeof m[2] === "string" && /^-?\d+$/.test(m[2]))) &&
      Array.isArray(m[3]) &&
      m[3].length === keys.length &&
      m[3].every((v) => v === null || typeof v === "string");
    if (!ok) throw new SnapshotFormatError(`${COMPACTED_META_KEY}: member ${i} is malformed`);
    const kv: Record<string, string> = {};
    keys.forEach((k, j) => {
      const v = m[3][j];
      if (v !== null && v !== undefined) kv[k] = v;
    });
    return { source: m[0], rows: m[1], spanUs: m[2], kv };
  });
}

export class SnapshotFormatError extends Error {
  override name = "SnapshotFormatError";
}
