// A run whose one snapshot holds as many distinct keys as `--map-size` allows: the reporter's scale case
// (bench/report.ts's large tier and the scale test). Written through the collector's encoder (@ibsr/collector/parquet).
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { allocSnapshotRows, encodeSnapshotParquet } from "@ibsr/collector/parquet";
import { GLOBAL_FIELDS, type GlobalTotals, snapshotRelativePath } from "@ibsr/contract";
import { maxBy } from "../util.js";

const BASE = 1_700_000_000;
const INTERVAL = 60;
const PORT = 8899;

/**
 * One run of three 60 s snapshots where the middle one holds `big` distinct sources (a map as large as
 * `--map-size big`); the other two hold 1 000. Of the big snapshot's sources 1 % flood (12 000 SYNs, no
 * handshake), the rest send a few healthy packets: the candidates, evidence and roll-ups all scale with it.
 */
export function generateParquetLarge(dir: string, big: number, log: (l: string) => void = () => {}): void {
  rmSync(dir, { recursive: true, force: true });
  const sizes = [1000, big, 1000];
  const globals = Object.fromEntries(GLOBAL_FIELDS.map((f) => [f, 0n])) as GlobalTotals;
  const names = ["syn", "ack", "handshake_ack", "rst", "packets", "bytes"] as const;
  for (let k = 0; k < sizes.length; k++) {
    const n = sizes[k]!;
    const rows = allocSnapshotRows(n);
    rows.length = n;
    let matched = 0;
    for (let i = 0; i < n; i++) {
      // Sequential addresses from 10.0.0.0: already in the collector's row order (one port, IPv4).
      rows.family[i] = 4;
      rows.prefixLen[i] = 32;
      rows.src.set([10 + (i >>> 24), (i >>> 16) & 255, (i >>> 8) & 255, i & 255], i * 16);
      rows.dstPort[i] = PORT;
      const s = 1 + (i % 7);
      const d = i % 100 === 0 ? [12000, 0, 0, 0, 12000, 720000] : [s, 10 * s, s, 0, 11 * s, 900 * s];
      for (let c = 0; c < 6; c++) {
        rows[names[c]!][i] = BigInt(d[c]! * (k + 1));
        rows.deltas[names[c]!][i] = BigInt(d[c]!);
      }
      matched += d[4]!;
      rows.newEntry[i] = k === 0 || i >= sizes[k - 1]! ? 1 : 0;
      rows.spanUs[i] = BigInt(INTERVAL * 1e6);
      rows.firstSeen[i] = BigInt(i + 1);
    }
    globals.inserts = BigInt(maxBy(sizes.slice(0, k + 1), (x) => x));
    globals.matched_packets += BigInt(matched);
    const ts = BASE + INTERVAL * (k + 1);
    const bytes = encodeSnapshotParquet({
      meta: {
        collectorVersion: "bench",
        host: "bench",
        iface: "eth0",
        runId: "large",
        seq: k,
        tsUs: BigInt(ts) * 1_000_000n,
        baseTsUs: BigInt(BASE) * 1_000_000n,
        intervalSec: INTERVAL,
        xdpMode: "native",
        mtu: 1500,
        offload: {},
        mapCapacity: big,
        liveEntries: n,
        kernelRelease: "bench",
        ports: [PORT],
        ipv6PrefixLen: 64,
        globals: { ...globals },
        monoOffsetNs: 0n,
      },
      rows,
    });
    const path = join(
      dir,
      snapshotRelativePath({ host: "bench", iface: "eth0", runId: "large", seq: k, ts: new Date(ts * 1000) }),
    );
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, bytes);
  }
  log(`bench report: generated 3 snapshots, the largest with ${big} sources`);
  writeFileSync(join(dir, ".complete"), "");
}
