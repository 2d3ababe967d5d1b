// A fleet's day as the collectors would leave it after an rsync to one place: host=<h>/date=<d>/ibsr-*.parquet,
// one run per host, one snapshot a minute, a few keys per snapshot (bench/fleet.ts and the discovery tests).
// Written through the collector's encoder (@ibsr/collector/parquet), so columns and footer metadata are the
// collector's own.
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { allocSnapshotRows, encodeSnapshotParquet } from "@ibsr/collector/parquet";
import { formatRunId, GLOBAL_FIELDS, type GlobalTotals, snapshotRelativePath } from "@ibsr/contract";

export interface FleetTreeOptions {
  hosts: number;
  /** Snapshots per host (one run each). */
  snapshots: number;
  /** Unix seconds of each run's start (its seq 0 is one interval later). */
  start: number;
  intervalSec?: number;
  /** Keys per snapshot cycle between these two (inclusive), varying by host and minute. */
  minKeys?: number;
  maxKeys?: number;
  /** Host names: default fleet-000, fleet-001, ... */
  hostName?: (i: number) => string;
  log?: (line: string) => void;
}

const PORT = 8899;
const COUNTERS = ["syn", "ack", "handshake_ack", "rst", "packets", "bytes"] as const;

export const fleetHostName = (i: number): string => `fleet-${String(i).padStart(3, "0")}`;

/**
 * Writes the tree under `dir` (removed first) and returns the number of files and rows. Each host has its own
 * addresses (10.<host>.x.y); one host in ten has one source flooding (12 000 SYNs a minute, no handshake).
 */
export function generateFleetTree(dir: string, o: FleetTreeOptions): { files: number; rows: number } {
  rmSync(dir, { recursive: true, force: true });
  const interval = o.intervalSec ?? 60;
  const minKeys = o.minKeys ?? 5;
  const maxKeys = o.maxKeys ?? 20;
  const name = o.hostName ?? fleetHostName;
  let files = 0;
  let totalRows = 0;
  const made = new Set<string>();
  for (let h = 0; h < o.hosts; h++) {
    const host = name(h);
    const runId = formatRunId(BigInt(o.start) * 1_000_000n, h);
    const globals = Object.fromEntries(GLOBAL_FIELDS.map((f) => [f, 0n])) as GlobalTotals;
    const cum = new Float64Array(maxKeys * COUNTERS.length);
    const attacker = h % 10 === 0;
    for (let seq = 0; seq < o.snapshots; seq++) {
      const n = minKeys + ((h * 7 + seq) % (maxKeys - minKeys + 1));
      const rows = allocSnapshotRows(n);
      rows.length = n;
      let matched = 0;
      for (let i = 0; i < n; i++) {
        rows.family[i] = 4;
        rows.prefixLen[i] = 32;
        rows.src.set([10, h & 255, (h >> 8) & 255, 1 + i], i * 16);
        rows.dstPort[i] = PORT;
        const s = 1 + ((i + seq) % 5);
        const d = attacker && i === 0 ? [12000, 0, 0, 0, 12000, 720000] : [s, 10 * s, s, 0, 11 * s, 900 * s];
        for (let c = 0; c < COUNTERS.length; c++) {
          cum[i * COUNTERS.length + c]! += d[c]!;
          rows[COUNTERS[c]!][i] = BigInt(cum[i * COUNTERS.length + c]!);
          rows.deltas[COUNTERS[c]!][i] = BigInt(d[c]!);
        }
        matched += d[4]!;
        rows.newEntry[i] = seq === 0 ? 1 : 0;
        rows.spanUs[i] = BigInt(interval * 1e6);
        rows.firstSeen[i] = BigInt(i + 1);
      }
      globals.inserts = BigInt(maxKeys);
      globals.matched_packets += BigInt(matched);
      const ts = o.start + interval * (seq + 1);
      const meta = {
        collectorVersion: "bench",
        host,
        iface: "eth0",
        runId,
        seq,
        tsUs: BigInt(ts) * 1_000_000n,
        baseTsUs: BigInt(o.start) * 1_000_000n,
        intervalSec: interval,
        xdpMode: "native",
        mtu: 1500,
        offload: {},
        mapCapacity: 100_000,
        liveEntries: n,
        kernelRelease: "bench",
        ports: [PORT],
        ipv6PrefixLen: 64,
        globals: { ...globals },
        monoOffsetNs: 0n,
      };
      const path = join(
        dir,
        snapshotRelativePath({ host, iface: "eth0", runId, seq, ts: new Date(ts * 1000) }),
      );
      const folder = dirname(path);
      if (!made.has(folder)) {
        mkdirSync(folder, { recursive: true });
        made.add(folder);
      }
      writeFileSync(path, encodeSnapshotParquet({ meta, rows }));
      files++;
      totalRows += n;
    }
    if ((h + 1) % 10 === 0) o.log?.(`fleet tree: ${h + 1}/${o.hosts} hosts, ${files} files`);
  }
  writeFileSync(join(dir, ".complete"), `${files} ${totalRows}\n`);
  return { files, rows: totalRows };
}
