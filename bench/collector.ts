// Collector benchmark: the per-snapshot work of ibsr-collect on a full map, without attaching anything.
// The real object is loaded with --map-size entries and filled from user space (bpf_map_update_elem), then
// each cycle runs exactly what the run loop runs: batch drain -> deltas -> changed rows sorted -> ZSTD
// Parquet written atomically. Between timed cycles every entry's counters move (untimed), so every cycle
// writes every row: the worst case. Each size runs in a fresh Node process so RSS figures are its own.
//   node --import tsx bench/collector.ts [--quick] [--sizes 100000,1000000] [--cycles 5]
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { BenchRow } from "./lib/stats.js";
import { summarize } from "./lib/stats.js";

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = resolve(HERE, "..");

export interface CollectorBenchOptions {
  /** Map sizes; default 100 000 and 1 000 000 (quick: 10 000). */
  sizes?: number[];
  /** Timed cycles per size (each after all counters moved); default 5 (quick: 2; 3 above 500 000). */
  cycles?: number;
  quick?: boolean;
  log?: (line: string) => void;
}

/** What one child process measured for one map size. */
export interface SizeResult {
  entries: number;
  /** Entries the map held after the fill (an LRU keeps slightly fewer than max_entries). */
  live: number;
  cycles: number;
  fillMs: number;
  drainMs: number[];
  deltaMs: number[];
  buildMs: number[];
  writeMs: number[];
  totalMs: number[];
  fileBytes: number[];
  rows: number[];
  cpuSec: number[];
  unchangedTotalMs: number;
  /** The same rows as the reference's JSONL buckets (schema v7 `collect` output), bytes per row. */
  jsonlBytesPerRow: number;
  /** RSS right after the imports, before any buffer exists. */
  idleRssBytes: number;
  steadyRssBytes: number;
  peakRssBytes: number;
  /** bpftool's bytes_memlock for ibsr_flows. */
  kernelBytes: number;
}

/** The reference's JSONL snapshot (schema v5) costs about this per bucket line item. */
const REFERENCE_JSONL_BYTES_PER_ROW = 140;

export async function runCollectorBench(opts: CollectorBenchOptions = {}): Promise<BenchRow[]> {
  const log = opts.log ?? (() => {});
  const sizes = opts.sizes ?? (opts.quick ? [10_000] : [100_000, 1_000_000]);
  const rows: BenchRow[] = [];
  for (const n of sizes) {
    const cycles = opts.cycles ?? (opts.quick ? 2 : n > 500_000 ? 3 : 5);
    log(`collector bench: ${n} entries, ${cycles} cycles ...`);
    const r = measureInChild(n, cycles);
    rows.push(...toRows(r));
  }
  return rows;
}

function measureInChild(entries: number, cycles: number): SizeResult {
  const out = spawnSync(
    process.execPath,
    [
      "--expose-gc",
      "--import",
      "tsx",
      join(HERE, "collector.ts"),
      "--child",
      String(entries),
      String(cycles),
    ],
    { cwd: ROOT, encoding: "utf8", maxBuffer: 16 * 1024 * 1024, timeout: 15 * 60_000 },
  );
  if (out.status !== 0)
    throw new Error(`collector bench child (${entries} entries) failed: ${out.stderr || out.error}`);
  const line = out.stdout.trim().split("\n").at(-1) ?? "";
  return JSON.parse(line) as SizeResult;
}

function toRows(r: SizeResult): BenchRow[] {
  const k = r.entries >= 1_000_000 ? `${r.entries / 1_000_000}M` : `${r.entries / 1000}k`;
  const row = (name: string, unit: string, samples: number[], extra: Partial<BenchRow> = {}): BenchRow => ({
    suite: "collector",
    name: `${name}, ${k} entries`,
    unit,
    ...summarize(samples),
    ...extra,
  });
  const mb = (b: number) => b / 1048576;
  const bytesPerRow = r.fileBytes.map((b, i) => b / Math.max(1, r.rows[i]!));
  const is100k = r.entries === 100_000;
  return [
    row("drain (bpf_map_lookup_batch + decode)", "ms", r.drainMs),
    row("deltas vs previous drain", "ms", r.deltaMs),
    row("changed rows sorted", "ms", r.buildMs),
    row("Parquet encode + atomic write", "ms", r.writeMs),
    row("whole snapshot, every row changed", "ms", r.totalMs, is100k ? { target: "< 250 ms" } : {}),
    row("whole snapshot, nothing changed", "ms", [r.unchangedTotalMs]),
    row("snapshot file size", "MB", r.fileBytes.map(mb)),
    row("bytes per row on disk", "B/row", bytesPerRow, {
      target: "<= 5 B/row",
      reference: `JSONL for the same rows: ${r.jsonlBytesPerRow.toFixed(0)} B/row (~${REFERENCE_JSONL_BYTES_PER_ROW} for schema v5)`,
      note: "sequential 198.18.0.0/15 sources: best case for the address column; spread over all of IPv4, docs/operate.md measures 21-23 B/row",
    }),
    row("CPU per snapshot", "s", r.cpuSec),
    row(
      "CPU at a 60 s interval",
      "% core",
      r.cpuSec.map((s) => (s / 60) * 100),
      is100k ? { target: "< 1 %" } : {},
    ),
    row("peak RSS", "MB", [mb(r.peakRssBytes)], {
      baseline: { name: "idle process with the same modules", median: mb(r.idleRssBytes) },
      ...(is100k ? { target: "< 100 MB" } : {}),
      note: "run through tsx, which adds ~36 MB",
    }),
    row("steady RSS after the cycles", "MB", [mb(r.steadyRssBytes)], {
      baseline: { name: "idle process", median: mb(r.idleRssBytes) },
    }),
    row("kernel memory of ibsr_flows (memlock)", "MB", [mb(r.kernelBytes)], {
      note: `${(r.kernelBytes / r.entries).toFixed(0)} B/entry`,
    }),
    row("fill from user space (bpf_map_update_elem)", "ms", [r.fillMs]),
  ];
}

// ---- child: one map size, measured in a process of its own ---------------------------------------

async function child(entries: number, cycles: number): Promise<SizeResult> {
  const schema = await import("@ibsr/schema");
  const lib = await import("../packages/collector/src/libbpf/index.js");
  const { FlowDrainer, GlobalReader } = await import("../packages/collector/src/maps/drain.js");
  const { SnapshotBuilder } = await import("../packages/collector/src/maps/snapshot-rows.js");
  const { DeltaEngine } = await import("../packages/collector/src/snapshot/deltas.js");
  const { writeSnapshot } = await import("../packages/collector/src/snapshot/writer.js");
  const gc = (globalThis as { gc?: () => void }).gc ?? (() => {});
  gc();
  const idleRssBytes = process.memoryUsage.rss();

  const objPath = process.env.IBSR_BPF_OBJECT ?? join(ROOT, "bpf", "build", "ibsr.bpf.o");
  const obj = lib.openObjectMem(readFileSync(objPath), "ibsr");
  const out = mkdtempSync(join(tmpdir(), "ibsr-bench-collector-"));
  try {
    const flows = obj.map(schema.MAP_FLOWS);
    flows.setMaxEntries(entries);
    obj.load();

    // Keys: IPv4 sources from 198.18.0.0/15 (131 072 of them) times as many ports as needed.
    const key = new Uint8Array(schema.KEY_SIZE);
    const kv = new DataView(key.buffer);
    const value = new Uint8Array(schema.VALUE_SIZE);
    const vv = new DataView(value.buffer);
    const le = true;
    const setKey = (i: number) => {
      const a = i % 131_072;
      key[0] = 4;
      key[1] = 32;
      kv.setUint16(2, 1000 + Math.floor(i / 131_072), le);
      key[8] = 198;
      key[9] = 18 + (a >> 16);
      key[10] = (a >> 8) & 255;
      key[11] = a & 255;
    };
    // Counters shaped like traffic: a few SYNs and packets per source, bytes ~ packets x 60-1500.
    const setValue = (i: number, round: number) => {
      const h = Math.imul(i + 1, 2654435761) >>> 0;
      const syn = 1 + (h % 3) + round;
      const packets = syn + ((h >>> 8) % 20) + round * 3;
      vv.setBigUint64(0, BigInt(syn), le);
      vv.setBigUint64(8, 0n, le);
      vv.setBigUint64(16, BigInt(packets - syn), le);
      vv.setBigUint64(24, BigInt((packets - syn) >> 1), le);
      vv.setBigUint64(32, BigInt(h & 1), le);
      vv.setBigUint64(40, BigInt((h >>> 1) & 1), le);
      vv.setBigUint64(48, BigInt(packets), le);
      vv.setBigUint64(56, BigInt(packets * (60 + ((h >>> 12) % 1440))), le);
      vv.setBigUint64(64, 1_000_000_000_000n + BigInt(i) * 997n, le);
    };
    const fillAll = (round: number) => {
      for (let i = 0; i < entries; i++) {
        setKey(i);
        setValue(i, round);
        flows.update(key, value, lib.BPF.BPF_ANY);
      }
    };
    const t0 = performance.now();
    fillAll(0);
    const fillMs = performance.now() - t0;

    const drainer = new FlowDrainer(flows, entries);
    const globals = new GlobalReader(obj.map(schema.MAP_GLOBAL), lib.numPossibleCpus());
    const wallUs = () => BigInt(Math.round((performance.timeOrigin + performance.now()) * 1000));
    const deltas = new DeltaEngine(drainer.columns.capacity, wallUs());
    const builder = new SnapshotBuilder(drainer.columns.capacity);
    let seq = 0;

    const cycle = async () => {
      const cpu0 = process.cpuUsage();
      const a = performance.now();
      const d = drainer.drain();
      const g = globals.read();
      const b = performance.now();
      const ts = wallUs();
      const res = deltas.compute(drainer.columns, d.rows, ts);
      const c = performance.now();
      const rows = builder.build(drainer.columns, d.rows, res);
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
      deltas.commit();
      const cpu = process.cpuUsage(cpu0);
      return {
        drain: b - a,
        delta: c - b,
        build: e - c,
        write: f - e,
        total: f - a,
        bytes: w.bytes,
        rows: rows.length,
        cpuSec: (cpu.user + cpu.system) / 1e6,
        live: d.rows,
      };
    };

    const first = await cycle(); // every entry new
    // An LRU hash evicts a little before it is full (per-CPU free lists), so "full" is ~99 %.
    if (first.live < entries * 0.95) throw new Error(`drained ${first.live} of ${entries} entries`);
    const r: SizeResult = {
      entries,
      live: first.live,
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
    r.jsonlBytesPerRow = referenceJsonlBytesPerRow(
      drainer.columns,
      Math.min(first.live, drainer.columns.capacity),
    );
    gc();
    r.steadyRssBytes = process.memoryUsage.rss();
    if (process.env.IBSR_BENCH_MEMORY) process.stderr.write(`${JSON.stringify(process.memoryUsage())}\n`);
    r.peakRssBytes = process.resourceUsage().maxRSS * 1024;
    const id = lib.mapInfo(flows.fd).id;
    const shown = JSON.parse(
      execFileSync("bpftool", ["-j", "map", "show", "id", String(id)], { encoding: "utf8" }),
    ) as {
      bytes_memlock?: number;
    };
    r.kernelBytes = Number(shown.bytes_memlock ?? 0);
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
function referenceJsonlBytesPerRow(
  cols: { src: Uint8Array; dstPort: Uint16Array } & Record<
    "syn" | "ack" | "handshake_ack" | "rst" | "packets" | "bytes",
    BigInt64Array
  >,
  n: number,
): number {
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

function isMain(): boolean {
  return process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url);
}

if (isMain()) {
  const args = process.argv.slice(2);
  if (args[0] === "--child") {
    const r = await child(Number(args[1]), Number(args[2]));
    process.stdout.write(`${JSON.stringify(r)}\n`);
  } else {
    const at = (flag: string) => (args.includes(flag) ? args[args.indexOf(flag) + 1] : undefined);
    const sizes = at("--sizes")?.split(",").map(Number);
    const cycles = at("--cycles") ? Number(at("--cycles")) : undefined;
    const rows = await runCollectorBench({
      quick: args.includes("--quick"),
      ...(sizes ? { sizes } : {}),
      ...(cycles ? { cycles } : {}),
      log: (l) => process.stderr.write(`${l}\n`),
    });
    const f = (x: number) =>
      Math.abs(x) >= 100 ? x.toFixed(0) : Math.abs(x) >= 10 ? x.toFixed(1) : x.toFixed(2);
    for (const r of rows) {
      const base = r.baseline ? `  [${r.baseline.name}: ${f(r.baseline.median)}]` : "";
      const tgt = r.target ? `  target ${r.target}` : "";
      const ref = r.reference ? `  reference ${r.reference}` : "";
      process.stdout.write(
        `${r.name.padEnd(62)} ${f(r.median).padStart(9)} ${r.unit.padEnd(7)} (min ${f(r.min)}, max ${f(r.max)}, n=${r.runs})${base}${tgt}${ref}\n`,
      );
    }
  }
}
