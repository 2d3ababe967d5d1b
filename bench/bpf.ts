// XDP program cost by BPF_PROG_TEST_RUN: ns per packet for each traffic class, for our program and
// for a baseline that mirrors the reference program as its spec describes it (bench/bpf/baseline.bpf.c),
// measured in the same run; plus kernel memory per flow entry from bpftool's memlock.
//   node --import tsx bench/bpf.ts            small scale (quick)
//   node --import tsx bench/bpf.ts --full     100 000 sources; hot classes: 9 fresh loads x 9 rounds at
//                                             repeat 1e5; cycling and inserts: 15 fresh loads, cycling the
//                                             best of 3 passes per load (what BENCHMARKS.md records)
// Noise control: every program sees the same frames, map size and repeat; each round measures all of
// them (ours, the baseline, the baseline padded to our element size, and an empty program for the
// harness floor) in a rotated order. Hot classes: every program is loaded afresh for each block of rounds
// (JIT image and element placement differ per load, for ours and the baseline alike); a load's figure is
// its best round (other work on the shared machine only ever adds time), and rows give the median over the
// loads with min and max of both sides.
// Needs root and bpf/build/{ibsr,baseline,baseline-wide,passonly}.bpf.o (`make -C bpf`).
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { endianness, loadavg, tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { Worker } from "node:worker_threads";
import {
  encodePortBitmap,
  flowKeySizes,
  KEY_SIZE,
  KEY_SIZE_SHORT,
  KEY_SIZE_V4,
  MAP_FLOWS,
  MAP_FLOWS4,
  MAP_FLOWS6,
  MAP_PORTS,
  mapSizes,
  PROGRAM_NAME,
  parseAddress,
  RODATA,
  VALUE_OFFSETS,
  VALUE_SIZE,
} from "@ibsr/contract";
import type { BpfWorkerJob } from "../lab/bpf-worker.js";
import { buildFrame, type FrameSpec } from "../lab/frames.js";
import { countLoadedPath, type PathCount } from "../lab/xlated-path.js";
import { KernelSpec, readObject } from "../packages/collector/src/kernel/index.js";
import {
  BPF,
  type BpfMap,
  mapInfo,
  numPossibleCpus,
  openObjectMem,
  testRun,
} from "../packages/collector/src/libbpf/index.js";
import { encodeKey } from "../packages/collector/src/maps/flow-rows.js";
import { type BenchRow, summarize } from "./lib/stats.js";

export interface BpfBenchOptions {
  /** runs per class (median of these); >= 5 */
  runs?: number;
  /** rounds of the cycling and insert classes (each loads every program afresh); default max(runs, 15) */
  coldRounds?: number;
  /** cycling passes over the existing keys per load; the load's cycling figure is the best of them (default 3) */
  cyclePasses?: number;
  /** fresh loads of every program for the hot-path classes (each load is one sample); default 9 */
  hotLoads?: number;
  /** rounds per load of the hot-path classes; the load's sample is its best round; default 9 */
  hotRounds?: number;
  /** BPF_PROG_TEST_RUN repeat for hot-path classes (default 1e5: ~6 ms a call, short enough that most
   * rounds see no other process run on the CPU) */
  repeat?: number;
  /** distinct sources for the cycling and insert classes */
  sources?: number;
  /** map sizes for the memory-per-entry measurement */
  memSizes?: number[];
  log?: (line: string) => void;
}

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const OBJ = {
  ibsr: resolve(ROOT, "bpf/build/ibsr.bpf.o"),
  baseline: resolve(ROOT, "bpf/build/baseline.bpf.o"),
  wide: resolve(ROOT, "bpf/build/baseline-wide.bpf.o"),
  pass: resolve(ROOT, "bpf/build/passonly.bpf.o"),
};
const PORTS8 = [22, 25, 80, 443, 3306, 5432, 8080, 8443];
const UNMONITORED = 9999;

/**
 * Attribution builds: the same C source with one -D each, compiled by the benchmark into a temporary
 * directory (never by the Makefile, never shipped). Each removes one cost from ours, or adds one of ours
 * to the baseline, so the difference to its counterpart in the same round is that cost.
 */
const VARIANTS = {
  noGlobals: { src: "bpf/ibsr.bpf.c", defines: ["IBSR_BENCH_NO_MATCHED_GLOBALS"] },
  // The layout before the split (2): IPv4 keys in the IPv6 map, 12 bytes wide.
  oneMap: { src: "bpf/ibsr.bpf.c", defines: ["IBSR_BENCH_ONE_MAP"] },
  // Layout 2's per-CPU totals: packets_seen and tcp_seen incremented on every matched frame too.
  perFrameTotals: { src: "bpf/ibsr.bpf.c", defines: ["IBSR_BENCH_PER_FRAME_TOTALS"] },
  // An IPv6 /64 through the general masked path (mask loads and ANDs, prefix length from .rodata), as
  // every prefix was keyed before the /64 branch.
  masked64: { src: "bpf/ibsr.bpf.c", defines: ["IBSR_BENCH_MASKED_64"] },
  countsOnly: { src: "bpf/ibsr.bpf.c", defines: ["IBSR_BENCH_COUNTS_ONLY"] },
  // clang's own block placement (the Makefile turns it off so that every jump is a forward jump, which
  // the safety verifier requires): what the branch layout costs.
  placement: { src: "bpf/ibsr.bpf.c", defines: [], placement: true },
  // first_seen from bpf_jiffies64() (5.5+, inlined by the kernel's verifier on 64-bit JITs) or no clock;
  // a function-like macro rewrites the call only, not the helper's declaration.
  jiffies: { src: "bpf/ibsr.bpf.c", defines: ["bpf_ktime_get_coarse_ns()=bpf_jiffies64()"] },
  noClock: { src: "bpf/ibsr.bpf.c", defines: ["bpf_ktime_get_coarse_ns()=0"] },
  baseKey12: { src: "bench/bpf/baseline.bpf.c", defines: ["BASE_KEY_PAD=4"] },
  baseKey24: { src: "bench/bpf/baseline.bpf.c", defines: ["BASE_KEY_PAD=16"] },
  baseValue72: { src: "bench/bpf/baseline.bpf.c", defines: ["BASE_VALUE_PAD=5"] },
} as const;
type VariantName = keyof typeof VARIANTS;

/**
 * ibsr: the shipped object through the collector's own path (IPv4 in ibsr_flows4, 8-byte key; IPv6 /64
 * in ibsr_flows6, 12-byte key; the coarse clock on this kernel); exactClock: the same object configured
 * as on 5.9/5.10 (bpf_ktime_get_ns); key24: the same object with a /128 prefix, which gives ibsr_flows6
 * the whole 24-byte key; baseline: the reference-like program; wide: the baseline at ibsr's former
 * 24/72-byte sizes; the rest are VARIANTS.
 */
type Kind = "ibsr" | "exactClock" | "key24" | "baseline" | "wide" | VariantName;

interface Loaded {
  kind: Kind;
  obj: { close(): void };
  progFd: number;
  /** The map(s) the program counts in: ibsr_flows4 + ibsr_flows6, or the baseline's one. */
  flows: BpfMap[];
  /** "ibsr" for objects with ibsr's maps and key layout, "base" for the baseline's. */
  layout: "ibsr" | "base";
}

const variantPaths = new Map<VariantName, string>();

/** Compiles every attribution build with the Makefile's flags plus its -D, into `dir`. */
function buildVariants(dir: string): void {
  let multiarch = "";
  try {
    multiarch = execFileSync("gcc", ["-print-multiarch"], { encoding: "utf8" }).trim();
  } catch {
    // no gcc: clang may still find asm/types.h
  }
  for (const [name, v] of Object.entries(VARIANTS) as Array<[VariantName, (typeof VARIANTS)[VariantName]]>) {
    const out = join(dir, `${name}.bpf.o`);
    const args = ["-O2", "-g", "-target", "bpf", "-Wall", "-Werror", "-mllvm", "-enable-tail-merge=false"];
    if (!("placement" in v)) args.push("-mllvm", "-disable-block-placement");
    if (multiarch) args.push(`-I/usr/include/${multiarch}`);
    args.push(
      `-I${resolve(ROOT, "bpf")}`,
      ...v.defines.map((d) => `-D${d}`),
      "-c",
      resolve(ROOT, v.src),
      "-o",
      out,
    );
    try {
      execFileSync(process.env.CLANG ?? "clang", args, { stdio: ["ignore", "ignore", "pipe"] });
    } catch (e) {
      throw new Error(
        `bench/bpf: attribution build ${name} failed: clang ${args.join(" ")}: ${(e as Error).message}`,
      );
    }
    variantPaths.set(name, out);
  }
}

function loadBaseline(kind: Kind, path: string, mapSize: number): Loaded {
  const obj = openObjectMem(readObject(path), "base");
  obj.map("base_counts").setMaxEntries(mapSize);
  obj.load();
  // The reference's 8 slots: sorted ports, network byte order.
  const ports = obj.map("base_ports");
  PORTS8.forEach((p, i) => {
    const k = Buffer.alloc(4);
    k.writeUInt32LE(i);
    const v = Buffer.alloc(2);
    v.writeUInt16BE(p);
    ports.update(k, v, BPF.BPF_ANY);
  });
  return { kind, obj, progFd: obj.program("base_xdp").fd, flows: [obj.map("base_counts")], layout: "base" };
}

function load(kind: Kind, mapSize: number): Loaded {
  if (kind === "ibsr" || kind === "exactClock" || kind === "key24") {
    // Ours through the collector's own path: verified, contract-checked, configured, loaded.
    const kobj = KernelSpec.fromBytes(readObject(OBJ.ibsr), { label: OBJ.ibsr })
      .configure({
        mapSize,
        ports: PORTS8,
        ...(kind === "exactClock" ? { coarseClock: false } : {}),
        ...(kind === "key24" ? { ipv6PrefixLen: 128 } : {}),
      })
      .load();
    return { kind, obj: kobj, progFd: kobj.program.fd, flows: [...kobj.flows], layout: "ibsr" };
  }
  if (kind === "baseline" || kind === "wide") return loadBaseline(kind, OBJ[kind], mapSize);
  const path = variantPaths.get(kind);
  if (!path) throw new Error(`bench/bpf: attribution build ${kind} was not built`);
  if (VARIANTS[kind].src.startsWith("bench/")) return loadBaseline(kind, path, mapSize);
  // An attribution build of ours, configured by hand as KernelSpec would (the jiffies build uses a helper
  // the safety verifier does not allow, so it cannot take the collector's path; the kernel's verifier
  // still checks it).
  const obj = openObjectMem(readObject(path), "ibsr");
  const sizes = mapSizes(mapSize);
  const keySizes = flowKeySizes(64);
  for (const name of MAP_FLOWS) {
    // oneMap keeps every key in ibsr_flows6 (the layout before the split): give it the whole capacity.
    obj.map(name).setMaxEntries(kind === "oneMap" ? mapSize : sizes[name]);
    obj.map(name).setKeySize(keySizes[name]);
  }
  obj.setRodata({ [RODATA.coarseClock]: 1 });
  obj.load();
  obj.map(MAP_PORTS).update(Buffer.alloc(4), encodePortBitmap(PORTS8), BPF.BPF_ANY);
  return {
    kind,
    obj,
    progFd: obj.program(PROGRAM_NAME).fd,
    flows: MAP_FLOWS.map((n) => obj.map(n)),
    layout: "ibsr",
  };
}

const IPV4_SRC = (src: number) => `198.${18 + ((src >>> 16) & 1)}.${(src >>> 8) & 255}.${src & 255}`;

/**
 * Packets counted for an IPv4 source on port 80, read back from the program's own map: what proves a
 * program counted the frames it was timed on (one that exits early would be fast and count nothing).
 */
function packetsOf(l: Loaded, src: number): bigint {
  const addr = parseAddress(IPV4_SRC(src)).bytes;
  if (l.layout === "ibsr") {
    // Its family's map (ibsr_flows4; oneMap: ibsr_flows6), which keeps the key's leading bytes only.
    const out = new Uint8Array(VALUE_SIZE);
    const key = encodeKey(4, 32, 80, addr);
    const map = l.flows[l.kind === "oneMap" ? 1 : 0]!;
    if (!map.lookup(key.subarray(0, map.keySize), out)) return 0n;
    return new DataView(out.buffer).getBigUint64(VALUE_OFFSETS.packets, endianness() === "LE");
  }
  // base_key: src_ip (network order), port (host order), pad, then any attribution padding (zeros);
  // base_value: u32 syn, ack, handshake_ack, rst, packets, ...
  const base = l.flows[0]!;
  const key = Buffer.alloc(base.keySize);
  key.set(addr.subarray(0, 4), 0);
  key.writeUInt16LE(80, 4);
  const out = Buffer.alloc(base.valueSize);
  if (!base.lookup(key, out)) return 0n;
  return BigInt(out.readUInt32LE(16));
}

function assertCounted(l: Loaded, src: number, want: bigint, what: string): void {
  const got = packetsOf(l, src);
  if (got !== want)
    throw new Error(
      `bench/bpf: ${l.kind} counted ${got} packets from ${IPV4_SRC(src)} in ${what}, ${want} expected: its timing measures nothing`,
    );
}

function v4(src: number, port: number): Buffer {
  return buildFrame({ ipv4: { src: IPV4_SRC(src) }, tcp: { dstPort: port, flags: "S" } });
}

/** Frames with distinct IPv4 sources 198.18.0.0 + i (up to 131 072 of them inside 198.18.0.0/15). */
function sourceFrames(n: number, offset: number): Buffer[] {
  if (n + offset > 131072) throw new RangeError(`at most 131072 distinct sources, asked ${n + offset}`);
  return Array.from({ length: n }, (_, i) => v4(i + offset, 80));
}

/** Round `r` visits the programs in a rotated order, so drift in machine load (2 shared vCPUs) does not
 * favour whichever program runs first. */
function rotated<T>(xs: readonly T[], r: number): T[] {
  const k = r % xs.length;
  return [...xs.slice(k), ...xs.slice(0, k)];
}

function cycle(progFd: number, frames: Uint8Array[]): number {
  let sum = 0;
  for (const f of frames) sum += testRun(progFd, { data: f, repeat: 1 }).durationNs;
  return sum / frames.length;
}

const workerUrl = new URL("../lab/bpf-worker.ts", import.meta.url);
const workerBootstrap = `import("tsx/esm/api").then((m) => { m.register(); return import(${JSON.stringify(workerUrl.href)}); });`;

async function twoCpuInserts(progFd: number, a: Uint8Array[], b: Uint8Array[]): Promise<number> {
  const barrier = new SharedArrayBuffer(8);
  const results = await Promise.all(
    [a, b].map(
      (frames, cpu) =>
        new Promise<{ runs: number; meanDurationNs: number }>((res, rej) => {
          const job: BpfWorkerJob = { progFd, cpu, frames, rounds: 1, repeat: 1, barrier, parties: 2 };
          const w = new Worker(workerBootstrap, { eval: true, workerData: job });
          w.once("message", res);
          w.once("error", rej);
        }),
    ),
  );
  const runs = results.reduce((s, r) => s + r.runs, 0);
  return results.reduce((s, r) => s + r.meanDurationNs * r.runs, 0) / runs;
}

/** The reference's own XDP program (its release build), timed with BPF_PROG_TEST_RUN on this machine kind with
 * its port configured in network byte order: issue 15, measured before 2026-12-04. The figures quoted before
 * (36-46 ns hot, 10-20 ns unmonitored, since 2026-11-26) had its port byte-swapped: both were its unmonitored path. */
const REF_HOT =
  "reference's own program ~49 ns here (issue 15, before 2026-12-04; the earlier 36-46 ns had its port byte-swapped)";
const REF_UNMONITORED =
  "reference's own program ~30 ns here (issue 15, before 2026-12-04; the earlier 10-20 ns had its port byte-swapped)";

function memlock(mapFd: number): number {
  const id = mapInfo(mapFd).id;
  const j = JSON.parse(
    execFileSync("bpftool", ["-j", "map", "show", "id", String(id)], { encoding: "utf8" }),
  ) as {
    bytes_memlock: number;
  };
  return j.bytes_memlock;
}

function row(
  name: string,
  samples: number[],
  base: { name: string; samples: number[] } | null,
  extra: Partial<BenchRow> = {},
): BenchRow {
  const stats = summarize(samples);
  const baseMedian = base ? summarize(base.samples).median : null;
  // A target "<= Nx baseline" says in the table whether this run met it, with the ratio of the medians.
  const limit = extra.target ? /^<= ([0-9.]+)x baseline$/.exec(extra.target) : null;
  const target =
    limit && baseMedian
      ? // three decimals: a ratio of 1.004 is not met, and "(1.00x)" next to "NOT met" read as a rounding slip
        `${extra.target}: ${stats.median / baseMedian <= Number(limit[1]) ? "met" : "NOT met"} (${(stats.median / baseMedian).toFixed(3)}x)`
      : extra.target;
  return {
    suite: "bpf",
    name,
    unit: "ns/pkt",
    ...stats,
    ...(base && baseMedian !== null ? { baseline: { name: base.name, median: baseMedian } } : {}),
    ...extra,
    ...(target ? { target } : {}),
  };
}

/** The baseline's own spread, which the table's baseline column (a median) does not show. */
function spread(base: number[]): string {
  const b = summarize(base);
  return `baseline min ${b.min.toFixed(1)}, max ${b.max.toFixed(1)}`;
}

/** "net of the harness floor": both medians minus the floor, and their ratio. */
function net(ours: number[], base: number[] | null, floor: number[]): string {
  const f = summarize(floor).median;
  const o = summarize(ours).median - f;
  if (!base) return `net of floor ${o.toFixed(1)} ns`;
  const b = summarize(base).median - f;
  return `net of floor ${o.toFixed(1)} vs ${b.toFixed(1)} ns (${b > 0 ? (o / b).toFixed(2) : "n/a"}x)`;
}

/** Median (min-max) over samples of ours / baseline taken in the same load or round: drift between them cancels. */
function pairedRatio(ours: number[], base: number[]): string {
  const n = Math.min(ours.length, base.length);
  const r = summarize(Array.from({ length: n }, (_, i) => ours[i]! / base[i]!));
  return `paired median ratio ${r.median.toFixed(2)}x (${r.min.toFixed(2)}-${r.max.toFixed(2)})`;
}

export async function runBpfBench(opts: BpfBenchOptions = {}): Promise<BenchRow[]> {
  const runs = Math.max(5, opts.runs ?? 5);
  const coldRounds = Math.max(runs, opts.coldRounds ?? 15);
  const cyclePasses = Math.max(1, opts.cyclePasses ?? 3);
  const hotLoads = Math.max(5, opts.hotLoads ?? 9);
  const hotRounds = Math.max(3, opts.hotRounds ?? 9);
  const repeat = opts.repeat ?? 100_000;
  const sources = opts.sources ?? 100_000;
  const memSizes = opts.memSizes ?? [10_000, 100_000, 400_000];
  const log = opts.log ?? (() => {});
  for (const p of Object.values(OBJ)) if (!existsSync(p)) throw new Error(`${p} missing: run make -C bpf`);
  const rows: BenchRow[] = [];
  // The machine is shared: the first row records the 1-minute load average at the start and the end.
  const loadAtStart = loadavg()[0]!;
  // The same map size, frames and repeat for every program: only the program differs.
  const mapSize = Math.max(sources * 2 + 1024, 4096);
  const B = "baseline (reference-like)";
  const tmp = mkdtempSync(join(tmpdir(), "ibsr-bench-bpf-"));
  buildVariants(tmp);
  type Side = Kind | "floor";
  const samples = () => ({}) as Partial<Record<Side, number[]>>;
  const push = (m: Partial<Record<Side, number[]>>, side: Side, x: number) => {
    const a = m[side] ?? [];
    a.push(x);
    m[side] = a;
  };
  const get = (m: Partial<Record<Side, number[]>>, side: Side): number[] => {
    const a = m[side];
    if (!a?.length) throw new Error(`bench/bpf: no samples for ${side}`);
    return a;
  };

  // The harness floor: an empty XDP program, measured in the same rounds as everything else. Its
  // BPF_PROG_TEST_RUN time (timer, frame setup) is included in every row.
  const passObj = openObjectMem(readObject(OBJ.pass), "pass");
  const hotObjs: Loaded[] = [];
  // Which hot classes each side runs: the baseline family has no IPv6; each attribution build runs the
  // class its cost shows in.
  const HOT: Array<[Kind, ReadonlyArray<"unmon" | "hot4" | "hot6">]> = [
    ["ibsr", ["unmon", "hot4", "hot6"]],
    ["baseline", ["unmon", "hot4"]],
    ["key24", ["hot6"]],
    ["oneMap", ["hot4"]],
    ["perFrameTotals", ["unmon", "hot4"]],
    ["noGlobals", ["hot4"]],
    ["countsOnly", ["hot4"]],
    ["placement", ["hot4", "hot6"]],
    ["masked64", ["hot6"]],
    ["baseKey12", ["hot4"]],
    ["baseKey24", ["hot4"]],
    ["baseValue72", ["hot4"]],
    ["wide", ["hot4"]],
  ];
  const unmon = v4(1, UNMONITORED);
  const hot4 = v4(1, 80); // port 80 is the 3rd of the baseline's 8 slots
  const hot6 = buildFrame({
    ipv6: { src: "2001:2:0:1::1" },
    tcp: { dstPort: 80, flags: "S" },
  } as FrameSpec);
  const frameOf = { unmon, hot4, hot6 };
  // One sample per load and side: the best of its rounds. Each program is loaded afresh for every block of
  // rounds: where its JIT image and the hot key's element land (the map's random hash seed, its bucket, its
  // cache lines) moved one load of the same program by up to 9 ns in earlier runs, so a single load per
  // program would let that luck decide a row. Within a load the best round is the program's own cost: on this
  // shared 2-vCPU machine other work only ever adds time (the median of 1e6-repeat rounds moved 3-5 % between
  // runs; the best of 9 rounds at 1e5 moves ~1 ns between loads at load average 10). All rounds are kept too.
  const classes = { unmon: samples(), hot4: samples(), hot6: samples() };
  const allRounds = { unmon: samples(), hot4: samples(), hot6: samples() };
  const WARM = 1000;
  try {
    passObj.load();
    const floorProg = {
      side: "floor" as Side,
      fd: passObj.program("bench_pass").fd,
      classes: ["unmon", "hot4", "hot6"] as const,
    };
    let round = 0;
    for (let block = 0; block < hotLoads; block++) {
      const progs: Array<{ side: Side; fd: number; classes: ReadonlyArray<keyof typeof frameOf> }> = [
        floorProg,
      ];
      try {
        for (const [k, cls] of HOT) {
          const l = load(k, mapSize);
          hotObjs.push(l);
          progs.push({ side: k, fd: l.progFd, classes: cls });
        }
        for (const p of progs)
          for (const f of Object.values(frameOf)) testRun(p.fd, { data: f, repeat: WARM }); // warm: insert keys, fault in code
        // Hot-path classes: BPF_PROG_TEST_RUN with `repeat`, every program once per class per round, in an
        // order rotated each round (ours and the baseline interleaved, neither always first).
        const rounds = hotRounds;
        const best = { unmon: samples(), hot4: samples(), hot6: samples() };
        for (let r = 0; r < rounds; r++, round++) {
          for (const cls of ["unmon", "hot4", "hot6"] as const) {
            for (const p of rotated(progs, round)) {
              if (!p.classes.includes(cls)) continue;
              const ns = testRun(p.fd, { data: frameOf[cls], repeat }).durationNs;
              push(best[cls], p.side, ns);
              push(allRounds[cls], p.side, ns);
            }
          }
        }
        for (const cls of ["unmon", "hot4", "hot6"] as const)
          for (const [side, xs] of Object.entries(best[cls]) as Array<[Side, number[]]>)
            push(classes[cls], side, Math.min(...xs));
        // Every program counted every hot IPv4 frame it was timed on (warm-up included), and none of the
        // unmonitored ones: a program that left early would be fast and count nothing.
        for (const l of hotObjs) {
          const timedHot4 = HOT.find(([k]) => k === l.kind)![1].includes("hot4");
          assertCounted(
            l,
            1,
            BigInt(WARM) + (timedHot4 ? BigInt(rounds) * BigInt(repeat) : 0n),
            "the hot rounds",
          );
        }
      } finally {
        for (const l of hotObjs.splice(0)) l.obj.close();
      }
    }
    log(`hot classes done; every program's map held exactly the hot frames it was timed on`);
  } catch (e) {
    passObj.close();
    rmSync(tmp, { recursive: true, force: true });
    throw e;
  }
  const floorHot = get(classes.hot4, "floor");
  const counted = `each load's map counted all its timed frames (+ warm-up), checked after its rounds`;
  // How each hot row was sampled, and the median of every round (the estimator these rows used before).
  // The mean over loads resolves below BPF_PROG_TEST_RUN's whole nanoseconds.
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const sampled = (
    cls: "unmon" | "hot4" | "hot6",
    side: Side,
    base: Side | null = "baseline",
    baseCls = cls,
  ) => {
    const m = mean(get(classes[cls], side)).toFixed(1);
    const all = summarize(get(allRounds[cls], side)).median.toFixed(1);
    const bm = base ? ` vs ${mean(get(classes[baseCls], base)).toFixed(1)}` : "";
    const ball = base ? ` vs ${summarize(get(allRounds[baseCls], base)).median.toFixed(1)}` : "";
    return `repeat ${repeat}; best of ${hotRounds} rounds per load, median (min-max) over ${hotLoads} fresh loads; mean over loads ${m}${bm} ns; median of all rounds ${all}${ball} ns`;
  };
  const vsBase = (cls: "unmon" | "hot4" | "hot6", side: Kind, base: Kind = "baseline", baseCls = cls) =>
    `${net(get(classes[cls], side), get(classes[baseCls], base), get(classes[cls], "floor"))}; ${pairedRatio(get(classes[cls], side), get(classes[baseCls], base))}`;
  const floorRow = row("harness floor: empty XDP program, repeat", floorHot, null, {
    note: sampled("hot4", "floor", null),
  });
  rows.push(floorRow);
  // Ours against the baseline on the same class, with the baseline's spread and the reference's figure.
  const headline = (name: string, cls: "unmon" | "hot4", target: string, reference: string, extra = "") =>
    rows.push(
      row(
        name,
        get(classes[cls], "ibsr"),
        { name: B, samples: get(classes[cls], "baseline") },
        {
          target,
          reference,
          note: `${sampled(cls, "ibsr")}; ${spread(get(classes[cls], "baseline"))}; ${vsBase(cls, "ibsr")}${extra}`,
        },
      ),
    );
  // The unmonitored target is net of the harness floor: BPF_PROG_TEST_RUN's own ~26 ns per repeat (an empty
  // program pays it too) is no cost of either program, and 0.6x of the baseline's gross ~37 ns would be below
  // that floor, out of reach even for an empty program.
  {
    const f = summarize(get(classes.unmon, "floor")).median;
    const o = summarize(get(classes.unmon, "ibsr")).median - f;
    const b = summarize(get(classes.unmon, "baseline")).median - f;
    const r = b > 0 ? o / b : Number.POSITIVE_INFINITY;
    headline(
      "unmonitored port, 8 ports configured",
      "unmon",
      `<= 0.6x baseline net of the harness floor: ${r <= 0.6 ? "met" : "NOT met"} (${r.toFixed(2)}x)`,
      REF_UNMONITORED,
    );
  }
  headline("monitored IPv4 hot key", "hot4", "<= 1.0x baseline", REF_HOT, `; ${counted}`);
  rows.push(
    row(
      "monitored IPv6 hot key (/64)",
      get(classes.hot6, "ibsr"),
      { name: `${B}, IPv4 (no IPv6)`, samples: get(classes.hot4, "baseline") },
      {
        target: "<= 1.0x baseline",
        note: `${sampled("hot6", "ibsr", "baseline", "hot4")}; the baseline has no IPv6, compared with its IPv4 hot key; ${spread(get(classes.hot4, "baseline"))}; ${vsBase("hot6", "ibsr", "baseline", "hot4")}`,
      },
    ),
  );
  // Attribution: each row against the program it differs from by one cost, in the same rounds.
  const attr = (name: string, cls: "unmon" | "hot4" | "hot6", side: Kind, against: Kind, what: string) =>
    rows.push(
      row(
        `attribution: ${name}`,
        get(classes[cls], side),
        { name: what, samples: get(classes[cls], against) },
        {
          note: `${(summarize(get(classes[cls], side)).median - summarize(get(classes[cls], against)).median).toFixed(1)} ns; ${pairedRatio(get(classes[cls], side), get(classes[cls], against))}`,
        },
      ),
    );
  attr(
    `ours with one flow map (layout 2: IPv4 keys ${KEY_SIZE_SHORT} bytes wide in the IPv6 map), IPv4 hot key`,
    "hot4",
    "oneMap",
    "ibsr",
    `ours (${MAP_FLOWS4}, ${KEY_SIZE_V4}-byte key)`,
  );
  attr(
    `ours with the 24-byte key (IPv6 prefix /128), IPv6 hot key`,
    "hot6",
    "key24",
    "ibsr",
    "ours (12-byte key, /64)",
  );
  for (const cls of ["hot4", "unmon"] as const)
    attr(
      `ours with layout 2's per-CPU totals (packets_seen and tcp_seen on every frame, not one exit counter), ${cls === "hot4" ? "IPv4 hot key" : "unmonitored port"}`,
      cls,
      "perFrameTotals",
      "ibsr",
      "ours",
    );
  attr(
    "ours without the matched path's per-CPU totals past matched_packets, IPv4 hot key",
    "hot4",
    "noGlobals",
    "ibsr",
    "ours",
  );
  attr(
    "ours counting packets and bytes only (no flag classification), IPv4 hot key",
    "hot4",
    "countsOnly",
    "ibsr",
    "ours",
  );
  for (const cls of ["hot4", "hot6"] as const)
    attr(
      `ours with clang's block placement (not shippable: backward jumps), ${cls === "hot4" ? "IPv4" : "IPv6"} hot key`,
      cls,
      "placement",
      "ibsr",
      "ours",
    );
  attr(
    "ours keying a /64 through the masked path (mask from .rodata, as before the /64 branch), IPv6 hot key",
    "hot6",
    "masked64",
    "ibsr",
    "ours",
  );
  attr("baseline with a 12-byte key (ours), IPv4 hot key", "hot4", "baseKey12", "baseline", B);
  attr("baseline with a 24-byte key (ours before), IPv4 hot key", "hot4", "baseKey24", "baseline", B);
  attr(`baseline with a ${VALUE_SIZE}-byte value (ours), IPv4 hot key`, "hot4", "baseValue72", "baseline", B);
  attr(
    `baseline with a ${KEY_SIZE}-byte key and ${VALUE_SIZE}-byte value, IPv4 hot key`,
    "hot4",
    "wide",
    "baseline",
    B,
  );
  log("hot classes done");

  // The instructions each hot class executes: the kernel's translated program (after its inlining and
  // dead-code removal) interpreted on the same frames and map contents (lab/xlated-path.ts). Noise-free,
  // where the ns rows above move by a few per cent with the machine's load; a kernel function the program
  // calls (the hash lookup, with its hash and key compare) counts as one instruction.
  {
    const paths = (kind: Kind) => {
      const l = load(kind, mapSize);
      try {
        return {
          unmon: countLoadedPath(l.progFd, frameOf.unmon),
          hot4: countLoadedPath(l.progFd, frameOf.hot4),
          hot6: l.layout === "ibsr" ? countLoadedPath(l.progFd, frameOf.hot6) : null,
          insert: countLoadedPath(l.progFd, frameOf.hot4, { lookups: "miss" }),
        };
      } finally {
        l.obj.close();
      }
    };
    const ours = paths("ibsr");
    const base = paths("baseline");
    const masked = paths("masked64");
    const detail = (p: PathCount) =>
      `${p.loads} loads, ${p.stores} stores, ${p.atomics} locked adds, ${p.jumps} jumps, ${p.calls} calls`;
    const insnRow = (name: string, p: PathCount, b: PathCount, bName: string) =>
      rows.push({
        suite: "bpf",
        name: `instructions executed (translated program): ${name}`,
        unit: "insns",
        median: p.insns,
        min: p.insns,
        max: p.insns,
        runs: 1,
        baseline: { name: bName, median: b.insns },
        note: `ours: ${detail(p)}; ${bName}: ${detail(b)}`,
      });
    insnRow("unmonitored port", ours.unmon, base.unmon, B);
    insnRow("monitored IPv4 hot key", ours.hot4, base.hot4, B);
    insnRow("monitored IPv6 hot key (/64)", ours.hot6!, base.hot4, `${B}, IPv4 (no IPv6)`);
    insnRow("new-key insert, IPv4 (the lookup misses)", ours.insert, base.insert, B);
    insnRow(
      "attribution: an IPv6 /64 through the masked path (before the /64 branch)",
      masked.hot6!,
      ours.hot6!,
      "ours",
    );
  }

  // Cold classes, single shot per packet: each round loads each program fresh (empty map), inserts
  // `sources` new keys, then cycles over the same, now existing, keys `cyclePasses` times, and closes it
  // again. A load's cycling figure is its best pass (as for the hot classes, other work on the shared
  // machine only ever adds time: one pass of 100 000 single shots moved by 10-25 % between rounds at
  // load average 4-6), and the rows pair ours with the baseline round by round.
  try {
    const coldKinds: Kind[] = ["ibsr", "baseline", "wide", "baseValue72", "exactClock", "jiffies", "noClock"];
    const frames = sourceFrames(sources, 0);
    const passFd = passObj.program("bench_pass").fd;
    const ins = samples();
    const cyc = samples();
    const cycled = new Set<Kind>(["ibsr", "baseline", "wide", "baseValue72"]);
    const bestPass = (fd: number) =>
      Math.min(...Array.from({ length: cyclePasses }, () => cycle(fd, frames)));
    for (let r = 0; r < coldRounds; r++) {
      for (const kind of rotated(coldKinds, r)) {
        const o = load(kind, mapSize);
        try {
          push(ins, kind, cycle(o.progFd, frames));
          // The clock variants are insert attributions only: no cycling passes for them.
          const passes = cycled.has(kind) ? cyclePasses : 0;
          if (passes) push(cyc, kind, bestPass(o.progFd));
          // Each source was inserted once and hit once per pass, in ours and in the baseline alike.
          for (const i of [0, sources >> 1, sources - 1])
            assertCounted(o, i, BigInt(1 + passes), "the insert and cycling passes");
        } finally {
          o.obj.close();
        }
      }
      push(cyc, "floor", bestPass(passFd));
    }
    const floor = get(cyc, "floor");
    rows.push(
      row("harness floor: empty XDP program, single shot", floor, null, {
        note: "included in every single-shot row below",
      }),
    );
    rows.push(
      row(
        `${sources} sources cycling (existing keys)`,
        get(cyc, "ibsr"),
        { name: B, samples: get(cyc, "baseline") },
        {
          target: "<= 1.0x baseline",
          note: `single shot per packet (includes the harness floor); best of ${cyclePasses} passes per load, ${coldRounds} loads; ${spread(get(cyc, "baseline"))}; ${net(get(cyc, "ibsr"), get(cyc, "baseline"), floor)}; ${pairedRatio(get(cyc, "ibsr"), get(cyc, "baseline"))}`,
        },
      ),
    );
    rows.push(
      row(
        `new-key inserts (${sources} new sources, map not full)`,
        get(ins, "ibsr"),
        { name: B, samples: get(ins, "baseline") },
        {
          target: "<= 1.1x baseline",
          reference: "reference: lookup + BPF_ANY update, no clock",
          note: `single shot; ours: lookup + bpf_ktime_get_coarse_ns + NOEXIST insert (5.11+); baseline: lookup + BPF_ANY update (no clock); ${spread(get(ins, "baseline"))}; ${net(get(ins, "ibsr"), get(ins, "baseline"), floor)}; ${pairedRatio(get(ins, "ibsr"), get(ins, "baseline"))}`,
        },
      ),
    );
    const insAttr = (name: string, kind: Kind) =>
      rows.push(
        row(
          `new-key inserts, ${name}`,
          get(ins, kind),
          { name: B, samples: get(ins, "baseline") },
          {
            note: `${net(get(ins, kind), get(ins, "baseline"), floor)}; ${pairedRatio(get(ins, kind), get(ins, "baseline"))}; ours (coarse) minus this: ${(summarize(get(ins, "ibsr")).median - summarize(get(ins, kind)).median).toFixed(1)} ns`,
          },
        ),
      );
    insAttr("ours with bpf_ktime_get_ns (the 5.9/5.10 path)", "exactClock");
    insAttr("attribution: ours with bpf_jiffies64 (not used: jiffies, not ns)", "jiffies");
    insAttr("attribution: ours with first_seen = 0 (no clock read)", "noClock");
    rows.push(
      row(
        `attribution: baseline at ${KEY_SIZE}/${VALUE_SIZE} B: ${sources} sources cycling`,
        get(cyc, "wide"),
        { name: B, samples: get(cyc, "baseline") },
        {
          note: net(get(cyc, "wide"), get(cyc, "baseline"), floor),
        },
      ),
    );
    rows.push(
      row(
        `attribution: baseline with our ${VALUE_SIZE}-byte value (8-byte key): ${sources} sources cycling`,
        get(cyc, "baseValue72"),
        { name: B, samples: get(cyc, "baseline") },
        {
          note: `the element size alone (${VALUE_SIZE} vs 32 B of counters); ${net(get(cyc, "baseValue72"), get(cyc, "baseline"), floor)}; ${pairedRatio(get(cyc, "baseValue72"), get(cyc, "baseline"))}; ours vs this: ${pairedRatio(get(cyc, "ibsr"), get(cyc, "baseValue72"))}`,
        },
      ),
    );
    rows.push(
      row(
        `attribution: baseline at ${KEY_SIZE}/${VALUE_SIZE} B: new-key inserts`,
        get(ins, "wide"),
        { name: B, samples: get(ins, "baseline") },
        {
          note: net(get(ins, "wide"), get(ins, "baseline"), floor),
        },
      ),
    );
    log("cycling and inserts done");
  } finally {
    passObj.close();
    rmSync(tmp, { recursive: true, force: true });
    variantPaths.clear();
  }

  // Inserts from both CPUs at once (each CPU its own new sources, started together).
  if (numPossibleCpus() >= 2) {
    const half = Math.floor(sources / 2);
    const a = sourceFrames(half, 0);
    const b = sourceFrames(half, half);
    const two = samples();
    for (let r = 0; r < runs; r++) {
      for (const kind of rotated(["ibsr", "baseline"] as const, r)) {
        const o = load(kind, mapSize);
        try {
          push(two, kind, await twoCpuInserts(o.progFd, a, b));
          for (const i of [0, half - 1, half, 2 * half - 1])
            assertCounted(o, i, 1n, "the two-CPU insert pass");
        } finally {
          o.obj.close();
        }
      }
    }
    rows.push(
      row(
        `new-key inserts from 2 CPUs at once (${2 * half} sources)`,
        get(two, "ibsr"),
        { name: B, samples: get(two, "baseline") },
        {
          target: "<= 1.1x baseline",
          note: `single shot, mean over both CPUs (shared LRU lock); ${spread(get(two, "baseline"))}; ${pairedRatio(get(two, "ibsr"), get(two, "baseline"))}`,
        },
      ),
    );
    log("two-CPU inserts done");
  }

  // Kernel memory per entry: memlock of the flows map at a few sizes; the slope is per entry.
  for (const kind of ["ibsr", "baseline"] as const) {
    const points: Array<[number, number]> = [];
    for (const n of memSizes) {
      const l = load(kind, n);
      try {
        points.push([n, l.flows.reduce((sum, m) => sum + memlock(m.fd), 0)]);
      } finally {
        l.obj.close();
      }
    }
    const perEntry = points.map(([n, bytes]) => bytes / n);
    const [n0, b0] = points[0]!;
    const [n1, b1] = points[points.length - 1]!;
    rows.push({
      suite: "bpf",
      name: `${kind === "ibsr" ? `${MAP_FLOWS4} + ${MAP_FLOWS6} (${KEY_SIZE_V4}- and ${KEY_SIZE_SHORT}-byte keys, split 3:1 by mapSizes)` : "baseline map"} kernel memory per entry`,
      unit: "B/entry",
      ...summarize(perEntry),
      ...(kind === "ibsr" ? { target: "design estimate ~157 B", reference: "seed claims 64 B" } : {}),
      note: `bpftool memlock at ${points.map(([n, b]) => `${n}: ${b} B`).join(", ")}; slope ${((b1 - b0) / (n1 - n0)).toFixed(1)} B/entry`,
    });
  }
  floorRow.note = `${floorRow.note}; load average (1 min) ${loadAtStart.toFixed(1)} at the start of the suite, ${loadavg()[0]!.toFixed(1)} at its end`;
  return rows;
}

export function formatBpfTable(rows: BenchRow[]): string {
  const lines = [
    "| class | ours median (min-max) | baseline median | ratio | target | note |",
    "| --- | --- | --- | --- | --- | --- |",
  ];
  for (const r of rows) {
    const ratio = r.baseline ? (r.median / r.baseline.median).toFixed(2) : "";
    lines.push(
      `| ${r.name} | ${r.median.toFixed(1)} ${r.unit} (${r.min.toFixed(1)}-${r.max.toFixed(1)}, n=${r.runs}) | ${
        r.baseline ? r.baseline.median.toFixed(1) : ""
      } | ${ratio} | ${r.target ?? ""} | ${r.note ?? ""} |`,
    );
  }
  return lines.join("\n");
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const full = process.argv.includes("--full");
  const rows = await runBpfBench(
    full
      ? { runs: 7, log: (l) => console.error(`bench/bpf: ${l}`) }
      : {
          hotLoads: 5,
          hotRounds: 3,
          sources: 10_000,
          memSizes: [4096, 32768],
          log: (l) => console.error(`bench/bpf: ${l}`),
        },
  );
  console.log(formatBpfTable(rows));
}
