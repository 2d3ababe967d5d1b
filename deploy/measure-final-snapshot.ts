// Measures what ibsr-collect.service's TimeoutStopSec and MemoryMax must cover: the time from SIGTERM to
// exit with a full map (the final snapshot drains, diffs, encodes and writes every entry), the collector's
// peak RSS, and the map's kernel memory. Needs root and BPF. Usage:
//   node --import tsx deploy/measure-final-snapshot.ts [map-size=2000000]
// Runs the compiled collector with NODE_FLAGS, as bin/ibsr-collect does, when `npx tsc -b` has built it.
// The maps are filled from user space (bpf_map_update_elem on the collector's own maps), after the seq-0
// snapshot, so every entry is new in the final snapshot: the worst case for its size. Keys use the
// benchmarking ranges 198.18.0.0/15 (ibsr_flows4) and 2001:2::/48 (ibsr_flows6) only; no packet is sent.
import { readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  FAMILY_IPV4,
  FAMILY_IPV6,
  type FlowMapName,
  MAP_FLOWS,
  MAP_FLOWS4,
  MAP_FLOWS6,
  mapSizes,
} from "@ibsr/contract";
import { compiledCollectorBuilt, NetnsPair, runHost, startCollector } from "../lab/netns.js";
import { BPF, MapById } from "../packages/collector/src/libbpf/index.js";
import { encodeKey, encodeValue } from "../packages/collector/src/maps/flow-rows.js";

const PORTS = 32;

/** The ids and kernel memory of the collector's two flow maps (ibsr_flows4, ibsr_flows6). */
export async function flowMapIds(
  pair: NetnsPair,
): Promise<Record<FlowMapName, { id: number; memlock: number }>> {
  const link = await pair.serverLink();
  const progId = link.xdp?.prog?.id;
  if (!progId) throw new Error("no XDP program on the server veth");
  const prog = JSON.parse(
    (await runHost(["bpftool", "-j", "prog", "show", "id", String(progId)])).stdout,
  ) as {
    map_ids: number[];
  };
  const found: Partial<Record<FlowMapName, { id: number; memlock: number }>> = {};
  for (const id of prog.map_ids) {
    const m = JSON.parse((await runHost(["bpftool", "-j", "map", "show", "id", String(id)])).stdout) as {
      name: string;
      bytes_memlock: number;
    };
    if ((MAP_FLOWS as readonly string[]).includes(m.name))
      found[m.name as FlowMapName] = { id, memlock: m.bytes_memlock };
  }
  for (const name of MAP_FLOWS) if (!found[name]) throw new Error(`program ${progId} has no ${name} map`);
  return found as Record<FlowMapName, { id: number; memlock: number }>;
}

/** Inserts `count` distinct entries: IPv4 198.18.0.0 + (i / PORTS) (inside 198.18.0.0/15), or IPv6
 * 2001:2:0:<i / PORTS>::/64, x port 10000 + (i % PORTS). */
function fill(mapId: number, count: number, family: typeof FAMILY_IPV4 | typeof FAMILY_IPV6): number {
  const map = new MapById(mapId);
  const addr = new Uint8Array(16);
  let inserted = 0;
  try {
    for (let i = 0; i < count; i++) {
      const net = Math.floor(i / PORTS);
      if (family === FAMILY_IPV4) {
        addr.set([198, 18 + ((net >> 16) & 1), (net >> 8) & 0xff, net & 0xff]);
      } else {
        addr.set([0x20, 0x01, 0x00, 0x02]);
        addr[6] = (net >> 8) & 0xff;
        addr[7] = net & 0xff;
        addr[8] = (net >> 16) & 0xff; // beyond 65 536 networks, vary the next group (still inside /48)
      }
      // The kernel reads the map's key size (8 or 12 bytes) from the front of the whole key.
      const key = encodeKey(family, family === FAMILY_IPV4 ? 32 : 64, 10_000 + (i % PORTS), addr);
      const value = encodeValue({
        syn: BigInt(1 + (i % 7)),
        packets: BigInt(3 + (i % 11)),
        bytes: BigInt(60 * (3 + (i % 11))),
        first_seen: BigInt(1_000_000 + i),
      });
      if (map.update(key, value, BPF.BPF_NOEXIST)) inserted++;
    }
  } finally {
    map.close();
  }
  return inserted;
}

export function vmHwm(pid: number): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return m ? Number(m[1]) * 1024 : 0;
}

async function main(): Promise<void> {
  const mapSize = Number(process.argv[2] ?? 2_000_000);
  const pair = await NetnsPair.create();
  const out = await mkdtemp(join(tmpdir(), "ibsr-measure-"));
  try {
    // As the unit runs it (compiled, NODE_FLAGS) when dist is built; through tsx (~36 MB more) otherwise.
    const compiled = compiledCollectorBuilt();
    const c = startCollector(
      pair,
      out,
      ["-p", "443", "--map-size", String(mapSize), "--snapshot-interval-sec", "3600"],
      { compiled },
    );
    await c.waitForHeartbeats(1, 60_000);
    const maps = await flowMapIds(pair);
    const memlock = maps[MAP_FLOWS4].memlock + maps[MAP_FLOWS6].memlock;
    const sizes = mapSizes(mapSize);
    const t0 = performance.now();
    const inserted =
      fill(maps[MAP_FLOWS4].id, sizes[MAP_FLOWS4], FAMILY_IPV4) +
      fill(maps[MAP_FLOWS6].id, sizes[MAP_FLOWS6], FAMILY_IPV6);
    const fillMs = performance.now() - t0;
    let peak = vmHwm(c.proc.pid);
    const sampler = setInterval(() => {
      try {
        peak = Math.max(peak, vmHwm(c.proc.pid));
      } catch {
        // exited
      }
    }, 20);
    const t1 = performance.now();
    const r = await c.stop("SIGTERM");
    const stopMs = performance.now() - t1;
    clearInterval(sampler);
    const last = c.heartbeats().at(-1) ?? {};
    console.log(
      JSON.stringify(
        {
          mapSize,
          compiled,
          inserted,
          fillMs: Math.round(fillMs),
          exit: r.code ?? r.signal,
          sigtermToExitMs: Math.round(stopMs),
          final: last.final === true,
          finalDrainMs: last.drainMs,
          finalWriteMs: last.writeMs,
          finalRssBytes: last.rssBytes,
          peakRssBytes: peak,
          mapBytesMemlock: memlock,
        },
        null,
        2,
      ),
    );
  } finally {
    await pair.close();
    await rm(out, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
