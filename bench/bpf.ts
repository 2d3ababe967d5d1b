// XDP program cost by BPF_PROG_TEST_RUN: ns per packet for each traffic class, for our program and
// for a baseline that mirrors the reference program as its spec describes it (bench/bpf/baseline.bpf.c),
// measured in the same run; plus kernel memory per flow entry from bpftool's memlock.
//   node --import tsx bench/bpf.ts            small scale (quick)
//   node --import tsx bench/bpf.ts --full     7 rounds (21 for the hot classes), repeat 1e6, 100 000 sources
//                                             (what BENCHMARKS.md records)
// Noise control: every program sees the same frames, map size and repeat; each round measures all of
// them (ours, the baseline, the baseline padded to our element size, and an empty program for the
// harness floor) in a rotated order; rows give the median with min and max of both sides.
// Needs root and bpf/build/{ibsr,baseline,baseline-wide,passonly}.bpf.o (`make -C bpf`).
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { Worker } from "node:worker_threads";
import { KEY_SIZE, MAP_FLOWS, VALUE_SIZE } from "@ibsr/contract";
import type { BpfWorkerJob } from "../lab/bpf-worker.js";
import { buildFrame, type FrameSpec } from "../lab/frames.js";
import { KernelSpec, readObject } from "../packages/collector/src/kernel/index.js";
import {
  BPF,
  mapInfo,
  numPossibleCpus,
  openObjectMem,
  testRun,
} from "../packages/collector/src/libbpf/index.js";
import { type BenchRow, summarize } from "./lib/stats.js";

export interface BpfBenchOptions {
  /** runs per class (median of these); >= 5 */
  runs?: number;
  /** rounds of the hot-path classes (each takes ~0.1 s, so more rounds are cheap); default 3 x runs */
  hotRuns?: number;
  /** BPF_PROG_TEST_RUN repeat for hot-path classes; >= 1e6 for recorded numbers */
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

/** wide = the baseline with key/value padded to ibsr's 24/72 bytes; noclock = ours with first_seen = 0
 * instead of the clock read (both for attribution only) */
type Kind = "ibsr" | "baseline" | "wide" | "noclock";

interface Loaded {
  kind: Kind;
  obj: { close(): void };
  progFd: number;
  flowsFd: number;
}

/**
 * Compiles bpf/ibsr.bpf.c with the Makefile's flags and the clock read replaced by 0 (a function-like
 * macro only rewrites the call, not the helper's declaration), into a temporary directory. The
 * difference to the real object on inserts is the cost of bpf_ktime_get_ns(). Null (and the row is
 * left out) when clang is unavailable.
 */
function buildNoClock(dir: string, log: (line: string) => void): string | null {
  const out = join(dir, "ibsr-noclock.bpf.o");
  let multiarch = "";
  try {
    multiarch = execFileSync("gcc", ["-print-multiarch"], { encoding: "utf8" }).trim();
  } catch {
    // no gcc: clang may still find asm/types.h
  }
  const args = ["-O2", "-g", "-target", "bpf", "-Wall", "-Werror", "-mllvm", "-disable-block-placement"];
  if (multiarch) args.push(`-I/usr/include/${multiarch}`);
  args.push(
    `-I${resolve(ROOT, "bpf")}`,
    "-Dbpf_ktime_get_ns()=0",
    "-c",
    resolve(ROOT, "bpf/ibsr.bpf.c"),
    "-o",
    out,
  );
  try {
    execFileSync(process.env.CLANG ?? "clang", args, { stdio: ["ignore", "ignore", "pipe"] });
    return out;
  } catch (e) {
    log(`no-clock attribution build skipped: clang ${args.join(" ")} failed: ${(e as Error).message}`);
    return null;
  }
}

let noClockObject: string | null = null;

function load(kind: Kind, mapSize: number): Loaded {
  const path = kind === "noclock" ? noClockObject : OBJ[kind];
  if (!path) throw new Error("bench/bpf: the no-clock attribution object was not built");
  if (kind === "ibsr" || kind === "noclock") {
    // Ours through the collector's own path: verified, contract-checked, configured, loaded.
    const kobj = KernelSpec.fromBytes(readObject(path), { label: path })
      .configure({ mapSize, ports: PORTS8 })
      .load();
    return { kind, obj: kobj, progFd: kobj.program.fd, flowsFd: kobj.flows.fd };
  }
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
  return { kind, obj, progFd: obj.program("base_xdp").fd, flowsFd: obj.map("base_counts").fd };
}

function v4(src: number, port: number): Buffer {
  const a = `198.${18 + ((src >>> 16) & 1)}.${(src >>> 8) & 255}.${src & 255}`;
  return buildFrame({ ipv4: { src: a }, tcp: { dstPort: port, flags: "S" } });
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
  return {
    suite: "bpf",
    name,
    unit: "ns/pkt",
    ...summarize(samples),
    ...(base ? { baseline: { name: base.name, median: summarize(base.samples).median } } : {}),
    ...extra,
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

export async function runBpfBench(opts: BpfBenchOptions = {}): Promise<BenchRow[]> {
  const runs = Math.max(5, opts.runs ?? 5);
  const hotRuns = Math.max(runs, opts.hotRuns ?? runs * 3);
  const repeat = opts.repeat ?? 1_000_000;
  const sources = opts.sources ?? 100_000;
  const memSizes = opts.memSizes ?? [10_000, 100_000, 400_000];
  const log = opts.log ?? (() => {});
  for (const p of Object.values(OBJ)) if (!existsSync(p)) throw new Error(`${p} missing: run make -C bpf`);
  const rows: BenchRow[] = [];
  // The same map size, frames and repeat for every program: only the program differs.
  const mapSize = Math.max(sources * 2 + 1024, 4096);
  const B = "baseline (reference-like)";
  const W = `attribution: baseline code, ibsr-sized key/value (${KEY_SIZE}/${VALUE_SIZE} B)`;
  const KINDS: readonly Kind[] = ["ibsr", "baseline", "wide"];
  type Side = Kind | "floor";
  const samples = () =>
    ({ ibsr: [], baseline: [], wide: [], noclock: [], floor: [] }) as Record<Side, number[]>;

  // The harness floor: an empty XDP program, measured in the same rounds as everything else. Its
  // BPF_PROG_TEST_RUN time (timer, frame setup) is included in every row.
  const passObj = openObjectMem(readObject(OBJ.pass), "pass");
  const progs: Array<{ side: Side; fd: number }> = [];
  const hotObjs: Loaded[] = [];
  try {
    passObj.load();
    for (const k of KINDS) hotObjs.push(load(k, mapSize));
    progs.push({ side: "floor", fd: passObj.program("bench_pass").fd });
    for (const l of hotObjs) progs.push({ side: l.kind, fd: l.progFd });

    // Hot-path classes: BPF_PROG_TEST_RUN with `repeat`, every program once per class per round.
    const unmon = v4(1, UNMONITORED);
    const hot4 = v4(1, 80); // port 80 is the 3rd of the baseline's 8 slots
    const hot6 = buildFrame({
      ipv6: { src: "2001:2:0:1::1" },
      tcp: { dstPort: 80, flags: "S" },
    } as FrameSpec);
    const classes = { unmon: samples(), hot4: samples(), hot6: samples() };
    const frameOf = { unmon, hot4, hot6 };
    for (const p of progs) for (const f of Object.values(frameOf)) testRun(p.fd, { data: f, repeat: 1000 }); // warm: insert keys, fault in code
    for (let r = 0; r < hotRuns; r++) {
      for (const cls of ["unmon", "hot4", "hot6"] as const) {
        for (const p of rotated(progs, r)) {
          if (cls === "hot6" && (p.side === "baseline" || p.side === "wide")) continue; // IPv4 only
          classes[cls][p.side].push(testRun(p.fd, { data: frameOf[cls], repeat }).durationNs);
        }
      }
    }
    const floorHot = classes.hot4.floor;
    rows.push(row("harness floor: empty XDP program, repeat", floorHot, null, { note: `repeat ${repeat}` }));
    rows.push(
      row(
        "unmonitored port, 8 ports configured",
        classes.unmon.ibsr,
        { name: B, samples: classes.unmon.baseline },
        {
          target: "<= 0.6x baseline",
          reference: "reference program 10-20 ns here",
          note: `repeat ${repeat}; ${spread(classes.unmon.baseline)}; ${net(classes.unmon.ibsr, classes.unmon.baseline, classes.unmon.floor)}`,
        },
      ),
    );
    rows.push(
      row(
        "monitored IPv4 hot key",
        classes.hot4.ibsr,
        { name: B, samples: classes.hot4.baseline },
        {
          target: "<= 1.0x baseline",
          reference: "reference program 36-46 ns here",
          note: `repeat ${repeat}; ${spread(classes.hot4.baseline)}; ${net(classes.hot4.ibsr, classes.hot4.baseline, floorHot)}`,
        },
      ),
    );
    rows.push(
      row(
        "monitored IPv6 hot key",
        classes.hot6.ibsr,
        { name: `${B}, IPv4 (no IPv6)`, samples: classes.hot4.baseline },
        {
          target: "<= 1.0x baseline",
          note: `repeat ${repeat}; the baseline has no IPv6, compared with its IPv4 hot key; ${net(classes.hot6.ibsr, classes.hot4.baseline, classes.hot6.floor)}`,
        },
      ),
    );
    rows.push(
      row(
        `${W}: IPv4 hot key`,
        classes.hot4.wide,
        { name: B, samples: classes.hot4.baseline },
        {
          note: net(classes.hot4.wide, classes.hot4.baseline, floorHot),
        },
      ),
    );
    log("hot classes done");
  } catch (e) {
    passObj.close();
    throw e;
  } finally {
    for (const l of hotObjs) l.obj.close();
  }

  // Cold classes, single shot per packet: each round loads each program fresh (empty map), inserts
  // `sources` new keys, then cycles over the same, now existing, keys, and closes it again.
  const tmp = mkdtempSync(join(tmpdir(), "ibsr-bench-bpf-"));
  try {
    noClockObject = buildNoClock(tmp, log);
    const coldKinds: Kind[] = noClockObject ? [...KINDS, "noclock"] : [...KINDS];
    const frames = sourceFrames(sources, 0);
    const passFd = passObj.program("bench_pass").fd;
    const ins = samples();
    const cyc = samples();
    for (let r = 0; r < runs; r++) {
      for (const kind of rotated(coldKinds, r)) {
        const o = load(kind, mapSize);
        try {
          ins[kind].push(cycle(o.progFd, frames));
          cyc[kind].push(cycle(o.progFd, frames));
        } finally {
          o.obj.close();
        }
      }
      cyc.floor.push(cycle(passFd, frames));
    }
    rows.push(
      row("harness floor: empty XDP program, single shot", cyc.floor, null, {
        note: "included in every single-shot row below",
      }),
    );
    rows.push(
      row(
        `${sources} sources cycling (existing keys)`,
        cyc.ibsr,
        { name: B, samples: cyc.baseline },
        {
          target: "<= 1.0x baseline",
          note: `single shot per packet (includes the harness floor); ${spread(cyc.baseline)}; ${net(cyc.ibsr, cyc.baseline, cyc.floor)}`,
        },
      ),
    );
    rows.push(
      row(
        `new-key inserts (${sources} new sources, map not full)`,
        ins.ibsr,
        { name: B, samples: ins.baseline },
        {
          target: "<= 1.0x baseline",
          note: `single shot; ours: lookup + clock read + NOEXIST insert; baseline: lookup + BPF_ANY update (no clock); ${spread(ins.baseline)}; ${net(ins.ibsr, ins.baseline, cyc.floor)}`,
        },
      ),
    );
    rows.push(
      row(
        `${W}: ${sources} sources cycling`,
        cyc.wide,
        { name: B, samples: cyc.baseline },
        {
          note: net(cyc.wide, cyc.baseline, cyc.floor),
        },
      ),
    );
    rows.push(
      row(
        `${W}: new-key inserts`,
        ins.wide,
        { name: B, samples: ins.baseline },
        {
          note: net(ins.wide, ins.baseline, cyc.floor),
        },
      ),
    );
    if (noClockObject) {
      rows.push(
        row(
          "attribution: ours with first_seen = 0 (no clock read): new-key inserts",
          ins.noclock,
          { name: B, samples: ins.baseline },
          {
            note: `${net(ins.noclock, ins.baseline, cyc.floor)}; the clock read costs ours minus this: ${(
              summarize(ins.ibsr).median - summarize(ins.noclock).median
            ).toFixed(1)} ns`,
          },
        ),
      );
    }
    log("cycling and inserts done");
  } finally {
    passObj.close();
    rmSync(tmp, { recursive: true, force: true });
    noClockObject = null;
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
          two[kind].push(await twoCpuInserts(o.progFd, a, b));
        } finally {
          o.obj.close();
        }
      }
    }
    rows.push(
      row(
        `new-key inserts from 2 CPUs at once (${2 * half} sources)`,
        two.ibsr,
        { name: B, samples: two.baseline },
        {
          target: "<= 1.0x baseline",
          note: `single shot, mean over both CPUs (shared LRU lock); ${spread(two.baseline)}`,
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
        points.push([n, memlock(l.flowsFd)]);
      } finally {
        l.obj.close();
      }
    }
    const perEntry = points.map(([n, bytes]) => bytes / n);
    const [n0, b0] = points[0]!;
    const [n1, b1] = points[points.length - 1]!;
    rows.push({
      suite: "bpf",
      name: `${kind === "ibsr" ? MAP_FLOWS : "baseline map"} kernel memory per entry`,
      unit: "B/entry",
      ...summarize(perEntry),
      ...(kind === "ibsr" ? { target: "design estimate ~157 B", reference: "seed claims 64 B" } : {}),
      note: `bpftool memlock at ${points.map(([n, b]) => `${n}: ${b} B`).join(", ")}; slope ${((b1 - b0) / (n1 - n0)).toFixed(1)} B/entry`,
    });
  }
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
          repeat: 100_000,
          sources: 10_000,
          memSizes: [4096, 32768],
          log: (l) => console.error(`bench/bpf: ${l}`),
        },
  );
  console.log(formatBpfTable(rows));
}
