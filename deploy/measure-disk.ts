// Measures disk use per day: the size of one steady-state snapshot with N active sources, times the
// snapshots per day. Needs root and BPF. Usage:
//   node --import tsx deploy/measure-disk.ts [sources=10000] [interval-sec=60] [active-share=1]
// Runs the real collector on a test veth, fills its map from user space with N sources (90 % IPv4, 10 %
// IPv6 /64s, addresses drawn at random over the whole address space so they compress as real ones do;
// they exist only in the map and the files, no packet is sent), takes a snapshot (SIGHUP), raises the
// counters of `active-share` of the sources the way a minute of traffic would, takes another, and
// reports the second file's size. Only rows with a non-zero delta are written, so an idle source costs
// nothing; active-share=1 is the upper bound.
import { statSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FAMILY_IPV4, MAP_FLOWS4, MAP_FLOWS6 } from "@ibsr/contract";
import { mulberry32 as rng } from "@ibsr/contract/testing";
import { NetnsPair, startCollector, waitFor } from "../lab/netns.js";
import { BPF, MapById } from "../packages/collector/src/libbpf/index.js";
import { encodeKey, encodeValue } from "../packages/collector/src/maps/flow-rows.js";
import { flowMapIds } from "./measure-final-snapshot.js";

interface Source {
  key: Uint8Array;
  syn: bigint;
  ack: bigint;
  packets: bigint;
  bytes: bigint;
}

function makeSources(n: number): Source[] {
  const r = rng(42);
  const out: Source[] = [];
  for (let i = 0; i < n; i++) {
    const addr = new Uint8Array(16);
    const v6 = r() < 0.1;
    for (let b = 0; b < (v6 ? 8 : 4); b++) addr[b] = Math.floor(r() * 256);
    if (v6) addr[0] = 0x20;
    out.push({
      key: encodeKey(v6 ? 6 : 4, v6 ? 64 : 32, 443, addr),
      syn: 0n,
      ack: 0n,
      packets: 0n,
      bytes: 0n,
    });
  }
  return out;
}

/** One interval of traffic for the chosen sources: a few connections, heavy-tailed packet counts. */
function writeAll(
  ids: Awaited<ReturnType<typeof flowMapIds>>,
  sources: Source[],
  share: number,
  seed: number,
): void {
  // Each key to its family's map; the kernel reads that map's key size from the front of the key.
  const v4 = new MapById(ids[MAP_FLOWS4].id);
  const v6 = new MapById(ids[MAP_FLOWS6].id);
  const r = rng(seed);
  try {
    sources.forEach((s, i) => {
      if (r() >= share) return;
      const conns = BigInt(1 + Math.floor(-Math.log(1 - r()) * 2));
      const pkts = conns * BigInt(4 + Math.floor(-Math.log(1 - r()) * 30));
      s.syn += conns;
      s.ack += pkts - conns;
      s.packets += pkts;
      s.bytes += pkts * BigInt(60 + Math.floor(r() * 1400));
      const value = encodeValue({
        syn: s.syn,
        ack: s.ack,
        handshake_ack: s.syn,
        fin: s.syn,
        packets: s.packets,
        bytes: s.bytes,
        first_seen: BigInt(1_000_000 + i),
      });
      (s.key[0] === FAMILY_IPV4 ? v4 : v6).update(s.key, value, BPF.BPF_ANY);
    });
  } finally {
    v4.close();
    v6.close();
  }
}

async function main(): Promise<void> {
  const n = Number(process.argv[2] ?? 10_000);
  const interval = Number(process.argv[3] ?? 60);
  const share = Number(process.argv[4] ?? 1);
  const pair = await NetnsPair.create();
  const out = await mkdtemp(join(tmpdir(), "ibsr-disk-"));
  try {
    const c = startCollector(pair, out, [
      "-p",
      "443",
      "--map-size",
      String(Math.ceil(n * 1.25)),
      "--snapshot-interval-sec",
      "3600",
    ]);
    await c.waitForHeartbeats(1, 60_000);
    const ids = await flowMapIds(pair);
    const sources = makeSources(n);
    const snap = async (k: number) => {
      c.proc.kill("SIGHUP");
      await c.waitForHeartbeats(k, 120_000);
    };
    writeAll(ids, sources, 1, 1);
    await snap(2);
    writeAll(ids, sources, share, 2);
    await snap(3);
    await waitFor(() => c.heartbeats().length >= 3, 10_000);
    const hb = c.heartbeats()[2] as { lastSnapshotPath: string; writeMs: number };
    const bytes = statSync(hb.lastSnapshotPath).size;
    const perDay = (86_400 / interval) * bytes;
    console.log(
      JSON.stringify({
        sources: n,
        activeShare: share,
        intervalSec: interval,
        snapshotBytes: bytes,
        bytesPerActiveRow: Number((bytes / (n * share)).toFixed(1)),
        mbPerDay: Number((perDay / 1e6).toFixed(1)),
        writeMs: hb.writeMs,
      }),
    );
    await c.stop("SIGTERM");
  } finally {
    await pair.close();
    await rm(out, { recursive: true, force: true });
  }
}

await main();
