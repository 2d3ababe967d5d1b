// The measuring half of bench/collector.ts, in plain JavaScript so that it runs on the compiled
// packages (packages/collector/dist, as production runs `node packages/collector/dist/cli.js`) without a
// TypeScript loader in the process: tsx alone adds ~36 MB of RSS. The same file runs the sources under
// tsx when dist is not built.
//   node --expose-gc bench/collector-child.js <entries> <cycles> dist|src
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { availableParallelism, tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = resolve(HERE, "..");

/**
 * Kernel map slots beyond the keys put in (see child()): a fraction of them, and at least a few of the LRU's
 * per-CPU free-list refills (128 entries each) per CPU, for small maps on many CPUs.
 */
const MAP_HEADROOM = 0.02;
const MAP_HEADROOM_PER_CPU = 512;

/** Fills a map of `entries`, runs `cycles` snapshots of the run loop's work; returns a SizeResult. */

export async function child(entries, cycles, base) {
  const contract = await import("@ibsr/contract");
  const mod = (path) => import(`../packages/collector/${base}/${path}`);
  const flowRows = await mod("maps/flow-rows.js");
  const lib = await mod("libbpf/index.js");
  const { KernelSpec, readObject } = await mod("kernel/index.js");
  const { startSnapshotEngines } = await mod("snapshot/warm-up.js");
  const { writeSnapshot } = await mod("snapshot/writer.js");
  // As the run command does before allocating anything.
  const { collectGarbageIfGrown, trimMalloc, tuneMalloc } = await mod("system/memory.js");
  if (!tuneMalloc()) throw new Error("mallopt(M_MMAP_THRESHOLD) refused");
  // As the run command does before attaching (IBSR_BENCH_NO_WARM_UP=1 leaves it out, to compare).
  if (!process.env.IBSR_BENCH_NO_WARM_UP) {
    const { warmSnapshotPath } = await mod("snapshot/warm-up.js");
    const warm = await warmSnapshotPath();
    process.stderr.write(`warm-up ${warm.ms.toFixed(0)} ms\n`);
  }
  const gc = globalThis.gc ?? (() => {});
  gc();
  const idleRssBytes = process.memoryUsage.rss();

  const objPath = process.env.IBSR_BPF_OBJECT ?? join(ROOT, "bpf", "build", "ibsr.bpf.o");
  // The kernel maps get MAP_HEADROOM more slots than the `entries` keys put in them: a full LRU hash evicts
  // before it is full (per-CPU free lists), which dropped up to ~0.5 % of the sequential sources, a
  // different few each run, and the holes cost zstd the src column's pattern (4.1 -> 5.3 B/row:
  // bench/notes/collector-bytes-per-row.md). With the headroom every key stays, and each cycle checks
  // that it wrote exactly `entries` rows. The collector's own state (drainer, deltas) is sized for `entries`.
  const mapSize =
    entries + Math.max(Math.ceil(entries * MAP_HEADROOM), MAP_HEADROOM_PER_CPU * availableParallelism());
  // The collector's own path: verified bytes -> spec -> configure -> load (contract and post-load checks).
  const obj = KernelSpec.fromBytes(readObject(objPath), { label: objPath }).configure({ mapSize }).load();
  const out = mkdtempSync(join(tmpdir(), "ibsr-bench-collector-"));
  try {
    // Two flow maps (layout 3): --map-size split by mapSizes(), IPv4 keys into ibsr_flows4, IPv6 into ibsr_flows6.
    const flows = obj.flows;
    // Split as --map-size splits `entries`; each map has its share of the headroom on top.
    const v4Entries = contract.mapSizes(entries)[contract.MAP_FLOWS4];

    // Keys: IPv4 sources from 198.18.0.0/15 (131 072 of them) times as many ports as needed for the IPv4
    // map's share; the rest IPv6 /64s inside 2001:2::/48, likewise.
    const key = new Uint8Array(contract.KEY_SIZE);
    const kv = new DataView(key.buffer);
    const value = new Uint8Array(contract.VALUE_SIZE);
    const vv = new DataView(value.buffer);
    const le = true;
    const K = contract.KEY_OFFSETS;
    const setKey = (i) => {
      key.fill(0);
      if (i < v4Entries) {
        const a = i % 131_072;
        key[K.family] = contract.FAMILY_IPV4;
        key[K.prefix_len] = 32;
        kv.setUint16(K.dst_port, 1000 + Math.floor(i / 131_072), le);
        key[K.addr] = 198;
        key[K.addr + 1] = 18 + (a >> 16);
        key[K.addr + 2] = (a >> 8) & 255;
        key[K.addr + 3] = a & 255;
        return flows[0];
      }
      const a = (i - v4Entries) % 65_536;
      key[K.family] = contract.FAMILY_IPV6;
      key[K.prefix_len] = 64;
      kv.setUint16(K.dst_port, 1000 + Math.floor((i - v4Entries) / 65_536), le);
      key.set([0x20, 0x01, 0x00, 0x02, 0, 0, (a >> 8) & 255, a & 255], K.addr);
      return flows[1];
    };
    // Counters shaped like traffic: a few SYNs and packets per source, bytes ~ packets x 60-1500.
    // u64 fields as two 32-bit words (exact below 2^53): the fill is the bench's own work, and creating a
    // BigInt per field would grow V8's young generation in a way the collector's run loop never does.
    const setU64 = (off, v) => {
      vv.setUint32(off + (le ? 0 : 4), v % 4294967296, le);
      vv.setUint32(off + (le ? 4 : 0), Math.floor(v / 4294967296), le);
    };
    const setValue = (i, round) => {
      const h = Math.imul(i + 1, 2654435761) >>> 0;
      const syn = 1 + (h % 3) + round;
      const packets = syn + ((h >>> 8) % 20) + round * 3;
      const V = contract.VALUE_OFFSETS;
      setU64(V.syn, syn);
      setU64(V.synack, 0);
      setU64(V.ack, packets - syn);
      setU64(V.handshake_ack, (packets - syn) >> 1);
      setU64(V.rst, h & 1);
      setU64(V.fin, (h >>> 1) & 1);
      setU64(V.packets, packets);
      setU64(V.bytes, packets * (60 + ((h >>> 12) % 1440)));
      setU64(V.first_seen, 1_000_000_000_000 + i * 997);
    };
    const fillAll = (round) => {
      for (let i = 0; i < entries; i++) {
        const map = setKey(i);
        setValue(i, round);
        map.update(key.subarray(0, map.keySize), value, lib.BPF.BPF_ANY);
      }
    };
    const t0 = performance.now();
    fillAll(0);
    const fillMs = performance.now() - t0;

    const globals = obj.globals;
    const wallUs = () => BigInt(Math.round((performance.timeOrigin + performance.now()) * 1000));
    // As the run command starts, after loading and before attaching: its engines, then the warm-up.
    // IBSR_BENCH_WARM_UP=ROUNDSxENTRIES sizes the warm-up (0x1024: none), to compare.
    const sized = process.env.IBSR_BENCH_WARM_UP?.split("x").map(Number);
    const warm = sized ? { rounds: sized[0], entries: sized[1], encoded: sized[2] ?? sized[0] } : {};
    const { drainer, deltas, builder, warmUp } = await startSnapshotEngines(flows, entries, wallUs(), warm);
    deltas.reset(wallUs());
    let seq = 0;

    const cycle = async () => {
      const cpu0 = process.cpuUsage();
      const a = performance.now();
      const d = drainer.drain();
      const g = globals.read();
      const b = performance.now();
      const ts = wallUs();
      const res = deltas.compute(drainer.rows, d.rows, ts);
      const c = performance.now();
      const rows = builder.build(drainer.rows, d.rows, res);
      // Read now: the builder is the row source, and its release() below empties it.
      const written = rows.length;
      const e = performance.now();
      const w = await writeSnapshot(out, {
        meta: {
          collectorVersion: "bench",
          host: "bench",
          iface: "bench0",
          runId: "bench",
          seq: seq++,
          tsUs: ts,
          baseTsUs: res.baseTsUs,
          intervalSec: 60,
          xdpMode: "none",
          mtu: 1500,
          offload: {},
          mapCapacity: entries,
          liveEntries: d.rows,
          kernelRelease: "bench",
          ports: [1000],
          ipv6PrefixLen: 64,
          globals: g,
          monoOffsetNs: 0n,
          synthetic: "bench/collector.ts (map filled from user space)",
        },
        rows,
      });
      const f = performance.now();
      if (!w.ok) throw new Error(`write failed: ${w.code} ${w.message}`);
      // As the run loop does after a written snapshot: move the baseline, drop what only a snapshot needs,
      // collect garbage once the heap grew, return freed malloc pages.
      deltas.commit();
      builder.release();
      deltas.release();
      drainer.release();
      collectGarbageIfGrown();
      trimMalloc();
      const done = performance.now();
      const cpu = process.cpuUsage(cpu0);
      return {
        drain: b - a,
        delta: c - b,
        build: e - c,
        write: f - e,
        total: done - a,
        bytes: w.bytes,
        rows: written,
        cpuSec: (cpu.user + cpu.system) / 1e6,
        live: d.rows,
      };
    };

    const first = await cycle(); // every entry new
    const whole = (what, n) => {
      if (n !== entries)
        throw new Error(
          `${what}: ${n} of ${entries} entries (the maps, ${mapSize} slots, evicted some: raise MAP_HEADROOM)`,
        );
    };
    whole("drained", first.live);
    const r = {
      entries,
      live: first.live,
      mapSlots: mapSize,
      cycles,
      fillMs,
      drainMs: [],
      deltaMs: [],
      buildMs: [],
      writeMs: [],
      totalMs: [],
      fileBytes: [],
      rows: [],
      cpuSec: [],
      warmUpMs: warmUp.ms,
      unchangedTotalMs: 0,
      jsonlBytesPerRow: 0,
      idleRssBytes,
      steadyRssBytes: 0,
      peakRssBytes: 0,
      kernelBytes: 0,
    };
    for (let k = 1; k <= cycles; k++) {
      fillAll(k); // untimed: every counter moves
      const m = await cycle();
      whole(`cycle ${k} wrote`, m.rows);
      r.drainMs.push(m.drain);
      r.deltaMs.push(m.delta);
      r.buildMs.push(m.build);
      r.writeMs.push(m.write);
      r.totalMs.push(m.total);
      r.fileBytes.push(m.bytes);
      r.rows.push(m.rows);
      r.cpuSec.push(m.cpuSec);
    }
    r.unchangedTotalMs = (await cycle()).total;
    gc();
    r.steadyRssBytes = process.memoryUsage.rss();
    if (process.env.IBSR_BENCH_MEMORY) {
      const { parquet } = await mod("snapshot/parquet-wasm.js");
      const wasmBytes = parquet.wasmMemory().buffer.byteLength;
      process.stderr.write(`${JSON.stringify({ ...process.memoryUsage(), wasmBytes })}\n`);
    }
    r.peakRssBytes = process.resourceUsage().maxRSS * 1024;
    // After the peak is read: building the reference's JSON lines is the bench's work, not the collector's.
    // The run loop's release() dropped the last drain's rows: drain once more for them.
    drainer.drain();
    const n = Math.min(first.live, drainer.limit);
    const cols = flowRows.allocFlowColumns(n);
    flowRows.gatherFlowRows(
      drainer.rows,
      Uint32Array.from({ length: n }, (_, i) => i),
      0,
      n,
      cols,
    );
    r.jsonlBytesPerRow = referenceJsonlBytesPerRow(cols, n);
    r.kernelBytes = 0;
    for (const map of flows) {
      const id = lib.mapInfo(map.fd).id;
      const shown = JSON.parse(
        execFileSync("bpftool", ["-j", "map", "show", "id", String(id)], { encoding: "utf8" }),
      );
      r.kernelBytes += Number(shown.bytes_memlock ?? 0);
    }
    return r;
  } finally {
    obj.close();
    // IBSR_BENCH_KEEP=1 keeps the snapshots (e.g. to look at column sizes with DuckDB's parquet_metadata).
    if (process.env.IBSR_BENCH_KEEP) process.stderr.write(`snapshots kept in ${out}\n`);
    else rmSync(out, { recursive: true, force: true });
  }
}

/**
 * Bytes per row the reference collector would write for these rows: one compact JSON bucket each
 * (`{"key_type":"src_ip","src_ip":..,"dst_port":..,"syn":..,"ack":..,"handshake_ack":..,"rst":..,
 * "packets":..,"bytes":..}` plus the separating comma), as in its schema v7 `collect` snapshots.
 */
function referenceJsonlBytesPerRow(cols, n) {
  let total = 0;
  for (let i = 0; i < n; i++) {
    const s = cols.src;
    const ip = `${s[i * 16]}.${s[i * 16 + 1]}.${s[i * 16 + 2]}.${s[i * 16 + 3]}`;
    total +=
      JSON.stringify({
        key_type: "src_ip",
        src_ip: ip,
        dst_port: cols.dstPort[i],
        syn: Number(cols.syn[i]),
        ack: Number(cols.ack[i]),
        handshake_ack: Number(cols.handshake_ack[i]),
        rst: Number(cols.rst[i]),
        packets: Number(cols.packets[i]),
        bytes: Number(cols.bytes[i]),
      }).length + 1;
  }
  return n === 0 ? 0 : total / n;
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const [entries, cycles, base] = process.argv.slice(2);
  if (base !== "dist" && base !== "src")
    throw new Error(`collector-child: third argument must be dist or src, got ${base}`);
  const r = await child(Number(entries), Number(cycles), base);
  process.stdout.write(`${JSON.stringify(r)}\n`);
}
