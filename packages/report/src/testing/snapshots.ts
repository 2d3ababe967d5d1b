// Writes generated snapshots for scenario tests and the benchmark: collector Parquet (through the schema
// package's encoder, so the reporter reads exactly what ibsr-collect writes) and reference JSONL (text).
// Traffic is given as per-interval deltas per key; cumulative counters are derived here.
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { allocSnapshotRows, encodeSnapshotParquet, sortSnapshotRows } from "@ibsr/collector/parquet";
import {
  GLOBAL_FIELDS,
  type GlobalTotals,
  parsePrefix,
  type SnapshotMeta,
  snapshotRelativePath,
  VALUE_COUNTERS,
} from "@ibsr/contract";

export interface Traffic {
  /** "198.18.0.1", or an IPv6 prefix "2001:2:0:1::/64". */
  src: string;
  port: number;
  syn?: number;
  ack?: number;
  handshake_ack?: number;
  rst?: number;
  packets?: number;
  bytes?: number;
  /** The map entry was evicted and re-inserted before this interval: cumulative counters restart. */
  reinserted?: boolean;
}

export interface SnapshotSpec {
  /** Unix seconds (fractional allowed). */
  ts: number;
  /** Deltas of this interval. */
  traffic: Traffic[];
  /** Skip writing the file (a failed write or retention), but keep the counters going. */
  missing?: boolean;
  /**
   * The collector's write of this snapshot failed: no file, and (as the collector does) the next file written
   * carries its deltas, with a span_us from the last file written.
   */
  writeFailed?: boolean;
  /** Extra matched packets the program saw but no key kept (evicted between snapshots). */
  lostPackets?: number;
}

export interface RunSpec {
  host?: string;
  iface?: string;
  runId?: string;
  /** Run start, Unix seconds. */
  baseTs: number;
  intervalSec: number;
  snapshots: SnapshotSpec[];
  mapCapacity?: number;
  /** The first seq written (retention removed earlier ones when > 0). */
  firstSeq?: number;
  /** Marks every file as generated data with this label (snapshot metadata ibsr.synthetic). */
  synthetic?: string;
}

const COUNTERS6 = ["syn", "ack", "handshake_ack", "rst", "packets", "bytes"] as const;
type C6 = (typeof COUNTERS6)[number];

interface KeyState {
  cum: Record<C6, bigint>;
  inserts: number;
}

function keyOf(t: Traffic): string {
  return `${t.src}|${t.port}`;
}

/** Plain per-interval traffic -> cumulative state per snapshot, the way a map would hold it. */
function* cumulate(run: RunSpec): Generator<{
  spec: SnapshotSpec;
  seq: number;
  prevTs: number;
  rows: { t: Traffic; delta: Record<C6, bigint>; cum: Record<C6, bigint>; isNew: boolean }[];
  all: Map<string, { t: Traffic; state: KeyState }>;
  globals: GlobalTotals;
}> {
  const state = new Map<string, { t: Traffic; state: KeyState }>();
  const globals = Object.fromEntries(GLOBAL_FIELDS.map((f) => [f, 0n])) as GlobalTotals;
  let prevTs = run.baseTs;
  let seq = 0;
  for (const spec of run.snapshots) {
    const rows = [];
    for (const t of spec.traffic) {
      const k = keyOf(t);
      let s = state.get(k);
      const isNew = !s || t.reinserted === true;
      if (!s || t.reinserted) {
        s = {
          t,
          state: {
            cum: { syn: 0n, ack: 0n, handshake_ack: 0n, rst: 0n, packets: 0n, bytes: 0n },
            inserts: 0,
          },
        };
        state.set(k, s);
        globals.inserts = (globals.inserts ?? 0n) + 1n;
      }
      const delta = {} as Record<C6, bigint>;
      for (const c of COUNTERS6) {
        delta[c] = BigInt(t[c] ?? 0);
        s.state.cum[c] += delta[c];
      }
      globals.matched_packets = (globals.matched_packets ?? 0n) + delta.packets;
      globals.matched_bytes = (globals.matched_bytes ?? 0n) + delta.bytes;
      globals.matched_syn = (globals.matched_syn ?? 0n) + delta.syn;
      rows.push({ t, delta, cum: { ...s.state.cum }, isNew });
    }
    globals.matched_packets = (globals.matched_packets ?? 0n) + BigInt(spec.lostPackets ?? 0);
    globals.packets_seen = globals.matched_packets;
    globals.tcp_seen = globals.matched_packets;
    yield { spec, seq, prevTs, rows, all: state, globals: { ...globals } };
    prevTs = spec.ts;
    seq++;
  }
}

/** Writes one Parquet file per snapshot in the collector's Hive layout; returns the paths written. */
export function writeParquetRun(dir: string, run: RunSpec): string[] {
  const host = run.host ?? "host-a";
  const iface = run.iface ?? "eth0";
  const runId = run.runId ?? "run1";
  const out: string[] = [];
  const firstSeq = run.firstSeq ?? 0;
  // Deltas of failed writes, by key, carried into the next file written.
  const carried = new Map<string, { delta: Record<C6, bigint>; isNew: boolean }>();
  let carriedFrom: number | null = null;
  for (const snap of cumulate(run)) {
    if (snap.spec.missing || snap.seq < firstSeq) continue;
    if (snap.spec.writeFailed) {
      carriedFrom ??= snap.prevTs;
      for (const r of snap.rows) {
        const c = carried.get(keyOf(r.t));
        if (!c) carried.set(keyOf(r.t), { delta: { ...r.delta }, isNew: r.isNew });
        else for (const k of COUNTERS6) c.delta[k] += r.delta[k];
      }
      continue;
    }
    const own = carried.size ? new Map(snap.rows.map((r) => [keyOf(r.t), r])) : null;
    const all = [...snap.rows];
    for (const [k, c] of carried) {
      const r = own?.get(k);
      if (r) {
        for (const x of COUNTERS6) r.delta[x] += c.delta[x];
        r.isNew ||= c.isNew;
      } else {
        const st = snap.all.get(k)!;
        all.push({ t: st.t, delta: c.delta, cum: { ...st.state.cum }, isNew: c.isNew });
      }
    }
    const spanUs = BigInt(Math.round((snap.spec.ts - (carriedFrom ?? snap.prevTs)) * 1e6));
    carried.clear();
    carriedFrom = null;
    const n = all.length;
    const rows = allocSnapshotRows(n);
    rows.length = n;
    all.forEach((r, i) => {
      const p = parsePrefix(r.t.src, { allowHostBits: true });
      rows.family[i] = p.family;
      rows.prefixLen[i] = p.prefixLen;
      rows.src.set(p.bytes, i * 16);
      rows.dstPort[i] = r.t.port;
      for (const c of VALUE_COUNTERS) {
        const cc = c as string;
        const cum = (COUNTERS6 as readonly string[]).includes(cc) ? r.cum[cc as C6] : 0n;
        const d = (COUNTERS6 as readonly string[]).includes(cc) ? r.delta[cc as C6] : 0n;
        rows[c][i] = cum;
        rows.deltas[c][i] = d;
      }
      rows.newEntry[i] = r.isNew ? 1 : 0;
      rows.spanUs[i] = spanUs;
      rows.firstSeen[i] = BigInt(i + 1);
    });
    const meta: SnapshotMeta = {
      collectorVersion: "test",
      host,
      iface,
      runId,
      seq: snap.seq,
      tsUs: BigInt(Math.round(snap.spec.ts * 1e6)),
      baseTsUs: BigInt(Math.round(run.baseTs * 1e6)),
      intervalSec: run.intervalSec,
      xdpMode: "native",
      mtu: 1500,
      offload: {},
      mapCapacity: run.mapCapacity ?? 100_000,
      liveEntries: snap.all.size,
      kernelRelease: "test",
      ports: [...new Set(all.map((r) => r.t.port))].sort((a, b) => a - b),
      ipv6PrefixLen: 64,
      globals: snap.globals,
      monoOffsetNs: 0n,
      ...(run.synthetic === undefined ? {} : { synthetic: run.synthetic }),
    };
    const bytes = encodeSnapshotParquet({ meta, rows: sortSnapshotRows(rows) });
    const path = join(
      dir,
      snapshotRelativePath({ host, iface, runId, seq: snap.seq, ts: new Date(snap.spec.ts * 1000) }),
    );
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, bytes);
    out.push(path);
  }
  return out;
}

export interface JsonlOptions {
  /** Schema version to emit (3..7). Default 5. */
  version?: number;
  /** Run id (v5+); default 1. */
  runId?: number;
  /** File name inside dir; default snapshot.jsonl. */
  file?: string;
}

/** Writes the run as reference JSONL (cumulative counters of every key in the map, IPv4 only). */
export function writeJsonlRun(dir: string, run: RunSpec, opts: JsonlOptions = {}): string {
  const version = opts.version ?? 5;
  const lines: string[] = [];
  for (const snap of cumulate(run)) {
    if (snap.spec.missing || snap.spec.writeFailed || snap.seq < (run.firstSeq ?? 0)) continue;
    const buckets = [...snap.all.values()].map(({ t, state }) => {
      const p = parsePrefix(t.src, { allowHostBits: true });
      if (p.family !== 4) throw new Error(`legacy JSONL is IPv4 only: ${t.src}`);
      const c = state.cum;
      const key =
        version <= 3
          ? `"key_type":"src_ip","key_value":${((p.bytes[0]! << 24) | (p.bytes[1]! << 16) | (p.bytes[2]! << 8) | p.bytes[3]!) >>> 0}`
          : `"key_type":"${p.prefixLen === 24 ? "src_cidr24" : "src_ip"}","src_ip":"${t.src.split("/")[0]}"`;
      return `{${key},"dst_port":${t.port},"syn":${c.syn},"ack":${c.ack},"handshake_ack":${c.handshake_ack},"rst":${c.rst},"packets":${c.packets},"bytes":${c.bytes}}`;
    });
    const ports = [...new Set([...snap.all.values()].map((v) => v.t.port))].sort((a, b) => a - b);
    const head =
      version >= 5
        ? `"version":${version},"aggregation":"src_ip_dst_port","ts_unix_sec":${Math.round(snap.spec.ts)},"interval_sec":${run.intervalSec},"run_id":${opts.runId ?? 1},"counter_mode":"cumulative","base_ts_unix_sec":${Math.round(run.baseTs)}`
        : version === 4
          ? `"version":4,"aggregation":"src_ip_dst_port","ts_unix_sec":${Math.round(snap.spec.ts)}`
          : `"version":${version},"ts_unix_sec":${Math.round(snap.spec.ts)}`;
    lines.push(`{${head},"dst_ports":${JSON.stringify(ports)},"buckets":[${buckets.join(",")}]}`);
  }
  mkdirSync(dir, { recursive: true });
  const path = join(dir, opts.file ?? "snapshot.jsonl");
  writeFileSync(path, lines.map((l) => `${l}\n`).join(""));
  return path;
}

/** A steady series of snapshots from `start` every `interval` seconds, traffic from a function of the index. */
export function steady(
  baseTs: number,
  intervalSec: number,
  count: number,
  traffic: (i: number, ts: number) => Traffic[],
): SnapshotSpec[] {
  const out: SnapshotSpec[] = [];
  for (let i = 1; i <= count; i++) {
    const ts = baseTs + i * intervalSec;
    out.push({ ts, traffic: traffic(i, ts) });
  }
  return out;
}
