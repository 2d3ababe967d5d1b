// Collector benchmark: the per-snapshot work of ibsr-collect on a full map, without attaching anything.
// The real object is loaded with --map-size entries and filled from user space (bpf_map_update_elem), then
// each cycle runs exactly what the run loop runs: batch drain -> deltas -> changed rows sorted -> ZSTD
// Parquet written atomically. Between timed cycles every entry's counters move (untimed), so every cycle
// writes every row: the worst case. Each size runs in a fresh Node process so RSS figures are its own:
// bench/collector-child.js on the compiled packages/collector/dist under plain node (as production runs)
// when `npx tsc -b` has built it, else on the sources through tsx (which adds ~36 MB of RSS).
//   node --import tsx bench/collector.ts [--quick] [--sizes 100000,1000000] [--cycles 5] [--live-only]
//   IBSR_BENCH_MEMORY=1 also prints the child's process.memoryUsage() and parquet-wasm's memory size.
import { spawn, spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { MAP_FLOWS, MAP_FLOWS4, MAP_FLOWS6, mapSizes } from "@ibsr/contract";
import {
  compiledCollectorBuilt,
  delay,
  spoofedV4,
  spoofedV6,
  startCollector,
  withPair,
} from "../lab/netns.js";
import { NODE_FLAGS } from "../packages/collector/src/node-flags.js";
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
  /** Only the live process rows (the real ibsr-collect on a veth), not the in-process cycles. */
  liveOnly?: boolean;
  log?: (line: string) => void;
}

/** What one child process measured for one map size. */
export interface SizeResult {
  entries: number;
  /** Entries the maps held after the fill: all of `entries` (the child checks it). */
  live: number;
  /** The kernel maps' slots: `entries` plus headroom, so that the LRU evicts none of them. */
  mapSlots: number;
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
  /** The start-up warm-up of the snapshot path (snapshot/warm-up.ts), wall time. */
  warmUpMs: number;
  unchangedTotalMs: number;
  /** The same rows as the reference's JSONL buckets (schema v7 `collect` output), bytes per row. */
  jsonlBytesPerRow: number;
  /** RSS right after the imports, before any buffer exists. */
  idleRssBytes: number;
  steadyRssBytes: number;
  peakRssBytes: number;
  /** bpftool's bytes_memlock of both flow maps. */
  kernelBytes: number;
  /** True when measured on packages/collector/dist (plain node), false when on the sources through tsx. */
  compiled: boolean;
}

/** The reference's JSONL snapshot (schema v5) costs about this per bucket line item. */
const REFERENCE_JSONL_BYTES_PER_ROW = 140;

export async function runCollectorBench(opts: CollectorBenchOptions = {}): Promise<BenchRow[]> {
  const log = opts.log ?? (() => {});
  const sizes = opts.sizes ?? (opts.quick ? [10_000] : [100_000, 1_000_000]);
  const rows: BenchRow[] = [];
  for (const n of opts.liveOnly ? [] : sizes) {
    const cycles = opts.cycles ?? (opts.quick ? 2 : n > 500_000 ? 3 : 5);
    log(`collector bench: ${n} entries, ${cycles} cycles ...`);
    const r = measureInChild(n, cycles);
    rows.push(...toRows(r));
  }
  // The whole process as operators run it, where it can attach (root, BPF, XDP) and dist is built.
  if (compiledCollectorBuilt() && liveAvailable()) {
    const n = opts.quick ? 10_000 : 100_000;
    log(`collector bench: the real ibsr-collect process on a veth, ${n} spoofed sources ...`);
    rows.push(...(await measureLiveProcess(n, opts.quick ? 4 : 8)));
    rows.push(...(await measureRuntimeFloor(3)));
  } else {
    log("collector bench: live process skipped (needs root, BPF and a built dist)");
  }
  return rows;
}

function measureInChild(entries: number, cycles: number): SizeResult {
  // Compiled JavaScript when `npx tsc -b` has built dist (no loader in the process: the RSS is the
  // collector's own); the sources through tsx otherwise (tsx adds ~36 MB).
  const compiled = compiledCollectorBuilt();
  const child = join(HERE, "collector-child.js");
  // With the flags production runs with (the shebang, the bundle's wrapper).
  const args = compiled
    ? ["--expose-gc", ...NODE_FLAGS, child, String(entries), String(cycles), "dist"]
    : ["--expose-gc", ...NODE_FLAGS, "--import", "tsx", child, String(entries), String(cycles), "src"];
  const out = spawnSync(process.execPath, args, {
    cwd: ROOT,
    encoding: "utf8",
    maxBuffer: 16 * 1024 * 1024,
    timeout: 15 * 60_000,
  });
  if (out.status === 0 && out.stderr) process.stderr.write(out.stderr);
  if (out.status !== 0)
    throw new Error(`collector bench child (${entries} entries) failed: ${out.stderr || out.error}`);
  const line = out.stdout.trim().split("\n").at(-1) ?? "";
  return { ...(JSON.parse(line) as SizeResult), compiled };
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
    row("drain (bpf_map_lookup_batch, rows written in place)", "ms", r.drainMs),
    row("deltas vs previous drain", "ms", r.deltaMs),
    row("changed rows sorted", "ms", r.buildMs),
    row("Parquet encode + atomic write", "ms", r.writeMs),
    row("whole snapshot, every row changed", "ms", r.totalMs, is100k ? { target: "< 250 ms" } : {}),
    row("whole snapshot, nothing changed", "ms", [r.unchangedTotalMs]),
    row("snapshot file size", "MB", r.fileBytes.map(mb)),
    row("bytes per row on disk", "B/row", bytesPerRow, {
      target: "<= 5 B/row",
      reference: `JSONL for the same rows: ${r.jsonlBytesPerRow.toFixed(0)} B/row (~${REFERENCE_JSONL_BYTES_PER_ROW} for schema v5)`,
      note: `sequential 198.18.0.0/15 sources, all ${r.live} present in every file (kernel maps of ${r.mapSlots} slots: no LRU eviction); every src page starts at an address ending in .0, which ZSTD's fast level compresses 3.5x worse (bench/notes/collector-bytes-per-row.md); spread over all of IPv4, docs/operate.md measures 21-23 B/row`,
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
      note: r.compiled
        ? "compiled packages/collector/dist under plain node, as in production"
        : "sources run through tsx, which adds ~36 MB (build dist with npx tsc -b to measure the compiled collector)",
    }),
    row("steady RSS after the cycles", "MB", [mb(r.steadyRssBytes)], {
      baseline: { name: "idle process", median: mb(r.idleRssBytes) },
    }),
    row(`kernel memory of ${MAP_FLOWS.join(" + ")} (memlock)`, "MB", [mb(r.kernelBytes)], {
      note: `${(r.kernelBytes / r.mapSlots).toFixed(0)} B/slot, ${r.mapSlots} slots for ${r.entries} entries`,
    }),
    row("fill from user space (bpf_map_update_elem)", "ms", [r.fillMs]),
  ];
}

/**
 * RSS of the real `ibsr-collect run` (compiled, NODE_FLAGS, as the bundle's wrapper starts it) on a veth in
 * namespaces, both flow maps filled (`entries` split as --map-size splits it: spoofed SYN sources from
 * 198.18.0.0/15 for the IPv4 map, one per /64 of 2001:2::/48 for the IPv6 map), re-sent before each of
 * `rounds` snapshots so that every entry changes every interval (the worst case: every row is written).
 * Steady = the heartbeat's RSS between snapshots (median of the later rounds); peak = ru_maxrss.
 */
async function measureLiveProcess(entries: number, rounds: number): Promise<BenchRow[]> {
  const port = 6100;
  return withPair("bench", async (pair, out) => {
    const c = startCollector(
      pair,
      out,
      ["-p", String(port), "--snapshot-interval-sec", "2", "--map-size", String(entries), "--quiet"],
      { compiled: true },
    );
    await c.waitForHeartbeats(1);
    // The highest RSS and private memory seen while the rounds run (ru_maxrss has no private counterpart):
    // /proc/PID/status every 20 ms; the sender is another process, so the sampler is not starved.
    const sampled = { rss: 0, anon: 0 };
    const sampler = setInterval(() => {
      try {
        const s = readFileSync(`/proc/${c.proc.pid}/status`, "utf8");
        sampled.rss = Math.max(sampled.rss, statusKb(s, "VmRSS"));
        sampled.anon = Math.max(sampled.anon, statusKb(s, "RssAnon"));
      } catch {
        // The process ended: the rounds below report why.
      }
    }, 20);
    // Each map holds its share of --map-size; sending all of them as IPv4 would only churn the IPv4 map.
    const share = mapSizes(entries);
    const sources = [...spoofedV4(share[MAP_FLOWS4]), ...spoofedV6(share[MAP_FLOWS6])];
    // Bounded: `rounds` sends of every source, each followed by one snapshot.
    for (let k = 0; k < rounds; k++) {
      const before = c.heartbeats().length;
      await pair.sendRawSegments({ sources, port, perSource: 1 });
      await c.waitForHeartbeats(before + 1, 30_000);
    }
    await c.waitForHeartbeats(c.heartbeats().length + 1, 30_000);
    // Between snapshots: how the RSS splits into the process's own memory and file pages.
    await delay(500);
    clearInterval(sampler);
    const status = readFileSync(`/proc/${c.proc.pid}/status`, "utf8");
    const kb = (field: string) => statusKb(status, field);
    const stop = await c.stop("SIGTERM");
    if (stop.code !== 0) throw new Error(`ibsr-collect exited ${stop.code}: ${stop.stderr.slice(-2000)}`);
    const hbs = c.heartbeats();
    const live = Math.max(...hbs.map((h) => Number(h.liveEntries)));
    if (live < entries * 0.9) throw new Error(`the map held only ${live} of ${entries} entries`);
    const mb = (b: unknown) => Number(b) / 1048576;
    const later = hbs.slice(Math.floor(hbs.length / 2), -1);
    const k = entries >= 1000 ? `${entries / 1000}k` : String(entries);
    const note = `compiled, ${NODE_FLAGS.join(" ")}, map full (${live} entries), every entry changing every 2 s interval`;
    return [
      {
        suite: "collector",
        name: `ibsr-collect process RSS between snapshots, live, ${k} entries`,
        reference:
          "before issue 15's memory work, same method: 121-123 MB between, 131-132 MB peak, 68-70 MB private (bench/notes/collector-memory.md)",
        unit: "MB",
        ...summarize(later.map((h) => mb(h.rssBytes))),
        ...(entries === 100_000 ? { target: "< 100 MB" } : {}),
        note,
      },
      {
        suite: "collector",
        name: `ibsr-collect process private memory between snapshots, live, ${k} entries`,
        unit: "MB",
        ...summarize([kb("RssAnon") / 1024]),
        ...(entries === 100_000 ? { target: "<= 50 MB (issue 15)" } : {}),
        note: `${note}; RssAnon: the rest of the RSS is file pages (${(kb("RssFile") / 1024).toFixed(0)} MB: the node binary and shared libraries, shared with other processes and reclaimable)`,
      },
      {
        suite: "collector",
        name: `ibsr-collect process file pages between snapshots, live, ${k} entries`,
        unit: "MB",
        ...summarize([kb("RssFile") / 1024]),
        note: `${note}; RssFile: the node binary's code and read-only data (V8's optimising compilers, the Node modules the run loads) and shared libraries; an idle node with the same flags maps about 35 MB (bench/notes/collector-memory.md, session 9)`,
      },
      {
        suite: "collector",
        name: `ibsr-collect process peak RSS, live, ${k} entries`,
        unit: "MB",
        ...summarize([mb(hbs.at(-1)?.peakRssBytes)]),
        ...(entries === 100_000 ? { target: "<= 80 MB (issue 15)" } : {}),
        note,
      },
      {
        suite: "collector",
        name: `ibsr-collect process peak private memory, live, ${k} entries`,
        unit: "MB",
        ...summarize([sampled.anon / 1024]),
        note: `${note}; the highest RssAnon of /proc/PID/status sampled every 20 ms during the rounds (highest VmRSS sampled: ${(sampled.rss / 1024).toFixed(1)} MB)`,
      },
    ];
  });
}

/**
 * The runtime's own floor: plain `node` with the collector's NODE_FLAGS, no module loaded, idle. What of
 * the collector's RSS and private memory the runtime takes before any of the collector's code runs.
 */
async function measureRuntimeFloor(runs: number): Promise<BenchRow[]> {
  const rss: number[] = [];
  const anon: number[] = [];
  for (let k = 0; k < runs; k++) {
    const child = spawn(process.execPath, [...NODE_FLAGS, "-e", "setTimeout(() => {}, 30000)"], {
      stdio: "ignore",
    });
    try {
      // Bounded: the child idles 30 s at most; start-up is over well within a second.
      await delay(1000);
      const status = readFileSync(`/proc/${child.pid}/status`, "utf8");
      rss.push(statusKb(status, "VmRSS") / 1024);
      anon.push(statusKb(status, "RssAnon") / 1024);
    } finally {
      child.kill("SIGKILL");
    }
  }
  const note = `node ${process.version} ${NODE_FLAGS.join(" ")} -e (a timer), 1 s after start; ${runs} runs`;
  return [
    { suite: "collector", name: "runtime floor: idle node RSS", unit: "MB", ...summarize(rss), note },
    {
      suite: "collector",
      name: "runtime floor: idle node private memory",
      unit: "MB",
      ...summarize(anon),
      note: `${note}; RssAnon`,
    },
  ];
}

/** A `Field:   N kB` line of /proc/PID/status, in kB (NaN when absent). */
function statusKb(status: string, field: string): number {
  return Number(new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(status)?.[1] ?? Number.NaN);
}

function liveAvailable(): boolean {
  return process.getuid?.() === 0 && existsSync("/sys/fs/bpf");
}

function isMain(): boolean {
  return process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url);
}

if (isMain()) {
  const args = process.argv.slice(2);
  const at = (flag: string) => (args.includes(flag) ? args[args.indexOf(flag) + 1] : undefined);
  const sizes = at("--sizes")?.split(",").map(Number);
  const cycles = at("--cycles") ? Number(at("--cycles")) : undefined;
  const rows = await runCollectorBench({
    quick: args.includes("--quick"),
    liveOnly: args.includes("--live-only"),
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
