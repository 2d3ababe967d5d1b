// XDP program cost by BPF_PROG_TEST_RUN: ns per packet for each traffic class, for our program and
// for a baseline that mirrors the reference program as its spec describes it (bench/bpf/baseline.bpf.c),
// measured in the same run; plus kernel memory per flow entry from bpftool's memlock.
//   node --import tsx bench/bpf.ts            small scale (quick)
//   node --import tsx bench/bpf.ts --full     repeat 1e6, 100 000 sources (what BENCHMARKS.md records)
// Needs root and bpf/build/{ibsr,baseline,passonly}.bpf.o (`make -C bpf`).
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { Worker } from "node:worker_threads";
import { encodePortBitmap, readObject } from "../packages/collector/src/bpf-object.js";
import {
  BPF,
  type BpfObject,
  mapInfo,
  numPossibleCpus,
  openObjectMem,
  testRun,
} from "../packages/collector/src/libbpf/index.js";
import { buildFrame, type FrameSpec } from "../test/harness/frames.js";
import type { BpfWorkerJob } from "../test/live/bpf-worker.js";
import { type BenchRow, summarize } from "./lib/stats.js";

export interface BpfBenchOptions {
  /** runs per class (median of these); >= 5 */
  runs?: number;
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

/** wide = the baseline with key/value padded to ibsr's 24/72 bytes (attribution only) */
type Kind = "ibsr" | "baseline" | "wide";

interface Loaded {
  kind: Kind;
  obj: BpfObject;
  progFd: number;
  flowsFd: number;
}

function load(kind: Kind, mapSize: number): Loaded {
  const obj = openObjectMem(readObject(OBJ[kind]), kind === "ibsr" ? "ibsr" : "base");
  obj.map(kind === "ibsr" ? "ibsr_flows" : "base_counts").setMaxEntries(mapSize);
  obj.load();
  if (kind === "ibsr") {
    obj.map("ibsr_ports").update(Buffer.alloc(4), encodePortBitmap(PORTS8), BPF.BPF_ANY);
  } else {
    // The reference's 8 slots: sorted ports, network byte order.
    const ports = obj.map("base_ports");
    PORTS8.forEach((p, i) => {
      const k = Buffer.alloc(4);
      k.writeUInt32LE(i);
      const v = Buffer.alloc(2);
      v.writeUInt16BE(p);
      ports.update(k, v, BPF.BPF_ANY);
    });
  }
  const progFd = obj.program(kind === "ibsr" ? "ibsr_xdp" : "base_xdp").fd;
  const flowsFd = obj.map(kind === "ibsr" ? "ibsr_flows" : "base_counts").fd;
  return { kind, obj, progFd, flowsFd };
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

function hot(progFd: number, frame: Uint8Array, repeat: number, runs: number): number[] {
  testRun(progFd, { data: frame, repeat: 1000 }); // warm: insert the key, fault in the code
  return Array.from({ length: runs }, () => testRun(progFd, { data: frame, repeat }).durationNs);
}

function cycle(progFd: number, frames: Uint8Array[]): number {
  let sum = 0;
  for (const f of frames) sum += testRun(progFd, { data: f, repeat: 1 }).durationNs;
  return sum / frames.length;
}

const workerUrl = new URL("../test/live/bpf-worker.ts", import.meta.url);
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
  const repeat = opts.repeat ?? 1_000_000;
  const sources = opts.sources ?? 100_000;
  const memSizes = opts.memSizes ?? [10_000, 100_000, 400_000];
  const log = opts.log ?? (() => {});
  for (const p of Object.values(OBJ)) if (!existsSync(p)) throw new Error(`${p} missing: run make -C bpf`);
  const rows: BenchRow[] = [];
  const mapSize = Math.max(sources * 2 + 1024, 4096);
  const B = "baseline (reference-like)";

  // Harness floor: the single-shot cost of BPF_PROG_TEST_RUN itself, included in cycling/insert rows.
  const passObj = openObjectMem(readObject(OBJ.pass), "pass");
  passObj.load();
  const passFd = passObj.program("bench_pass").fd;
  const floorFrames = sourceFrames(Math.min(sources, 20_000), 0);
  const floor = Array.from({ length: runs }, () => cycle(passFd, floorFrames));
  const floorHot = Array.from(
    { length: runs },
    () => testRun(passFd, { data: floorFrames[0]!, repeat }).durationNs,
  );
  passObj.close();
  rows.push(row("harness floor: empty XDP program, repeat", floorHot, null, { note: `repeat ${repeat}` }));
  rows.push(
    row("harness floor: empty XDP program, single shot", floor, null, {
      note: "included in every single-shot row below",
    }),
  );
  log("floor done");

  // Hot-path classes, repeat-based.
  const ours = load("ibsr", mapSize);
  const base = load("baseline", mapSize);
  try {
    const unmon = v4(1, UNMONITORED);
    const hot4 = v4(1, 80);
    const hot6 = buildFrame({
      ipv6: { src: "2001:2:0:1::1" },
      tcp: { dstPort: 80, flags: "S" },
    } as FrameSpec);
    const bUnmon = hot(base.progFd, unmon, repeat, runs);
    const bHot = hot(base.progFd, hot4, repeat, runs);
    const oUnmon = hot(ours.progFd, unmon, repeat, runs);
    const oHot4 = hot(ours.progFd, hot4, repeat, runs);
    const oHot6 = hot(ours.progFd, hot6, repeat, runs);
    rows.push(
      row(
        "unmonitored port, 8 ports configured",
        oUnmon,
        { name: B, samples: bUnmon },
        {
          target: "<= 0.6x baseline",
          reference: "reference program 10-20 ns here",
          note: `repeat ${repeat}; ${net(oUnmon, bUnmon, floorHot)}`,
        },
      ),
    );
    rows.push(
      row(
        "monitored IPv4 hot key",
        oHot4,
        { name: B, samples: bHot },
        {
          target: "<= 1.0x baseline",
          reference: "reference program 36-46 ns here",
          note: `repeat ${repeat}; ${net(oHot4, bHot, floorHot)}`,
        },
      ),
    );
    rows.push(
      row(
        "monitored IPv6 hot key",
        oHot6,
        { name: `${B}, IPv4 (no IPv6)`, samples: bHot },
        {
          target: "<= 1.0x baseline",
          note: `repeat ${repeat}; the baseline has no IPv6, compared with its IPv4 hot key; ${net(oHot6, bHot, floorHot)}`,
        },
      ),
    );
    log("hot classes done");

    // New-key inserts (map not full), then cycling over those now-existing sources.
    const frames = sourceFrames(sources, 0);
    const insOurs = [cycle(ours.progFd, frames)];
    const insBase = [cycle(base.progFd, frames)];
    const cycOurs: number[] = [];
    const cycBase: number[] = [];
    for (let r = 0; r < runs; r++) {
      cycOurs.push(cycle(ours.progFd, frames));
      cycBase.push(cycle(base.progFd, frames));
    }
    rows.push(
      row(
        `${sources} sources cycling (existing keys)`,
        cycOurs,
        { name: B, samples: cycBase },
        {
          target: "<= 1.0x baseline",
          note: `single shot per packet (includes the harness floor); ${net(cycOurs, cycBase, floor)}`,
        },
      ),
    );
    log("cycling done");
    // More insert samples: fresh objects, so every sample inserts into an empty map.
    for (let r = 1; r < runs; r++) {
      const o = load("ibsr", mapSize);
      const b = load("baseline", mapSize);
      try {
        insOurs.push(cycle(o.progFd, frames));
        insBase.push(cycle(b.progFd, frames));
      } finally {
        o.obj.close();
        b.obj.close();
      }
    }
    rows.push(
      row(
        `new-key inserts (${sources} new sources, map not full)`,
        insOurs,
        { name: B, samples: insBase },
        {
          target: "<= 1.0x baseline",
          note: `single shot; ours: lookup + clock read + NOEXIST insert; baseline: lookup + BPF_ANY update (no clock); ${net(insOurs, insBase, floor)}`,
        },
      ),
    );
    log("inserts done");

    // Attribution: the same baseline code with ibsr's element size (24 B key, 72 B value). When it
    // lands near our numbers, the gap to the plain baseline is the bigger element, not the code.
    const wide = load("wide", mapSize);
    try {
      const wHot = hot(wide.progFd, hot4, repeat, runs);
      const wIns = [cycle(wide.progFd, frames)];
      const wCyc = Array.from({ length: runs }, () => cycle(wide.progFd, frames));
      for (let r = 1; r < runs; r++) {
        const w = load("wide", mapSize);
        try {
          wIns.push(cycle(w.progFd, frames));
        } finally {
          w.obj.close();
        }
      }
      const W = "attribution: baseline code, ibsr-sized key/value (24/72 B)";
      rows.push(
        row(`${W}: IPv4 hot key`, wHot, { name: B, samples: bHot }, { note: net(wHot, bHot, floorHot) }),
      );
      rows.push(
        row(
          `${W}: ${sources} sources cycling`,
          wCyc,
          { name: B, samples: cycBase },
          { note: net(wCyc, cycBase, floor) },
        ),
      );
      rows.push(
        row(
          `${W}: new-key inserts`,
          wIns,
          { name: B, samples: insBase },
          { note: net(wIns, insBase, floor) },
        ),
      );
    } finally {
      wide.obj.close();
    }
    log("attribution done");
  } finally {
    ours.obj.close();
    base.obj.close();
  }

  // Inserts from both CPUs at once (each CPU its own new sources, started together).
  if (numPossibleCpus() >= 2) {
    const half = Math.floor(sources / 2);
    const a = sourceFrames(half, 0);
    const b = sourceFrames(half, half);
    const two: number[] = [];
    const twoBase: number[] = [];
    for (let r = 0; r < runs; r++) {
      const o = load("ibsr", mapSize);
      const bl = load("baseline", mapSize);
      try {
        two.push(await twoCpuInserts(o.progFd, a, b));
        twoBase.push(await twoCpuInserts(bl.progFd, a, b));
      } finally {
        o.obj.close();
        bl.obj.close();
      }
    }
    rows.push(
      row(
        `new-key inserts from 2 CPUs at once (${2 * half} sources)`,
        two,
        { name: B, samples: twoBase },
        {
          target: "<= 1.0x baseline",
          note: `single shot, mean over both CPUs (shared LRU lock); ${net(two, twoBase, floor)}`,
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
      name: `${kind === "ibsr" ? "ibsr_flows" : "baseline map"} kernel memory per entry`,
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
      ? { log: (l) => console.error(`bench/bpf: ${l}`) }
      : {
          repeat: 100_000,
          sources: 10_000,
          memSizes: [4096, 32768],
          log: (l) => console.error(`bench/bpf: ${l}`),
        },
  );
  console.log(formatBpfTable(rows));
}
