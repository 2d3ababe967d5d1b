// Veth A/B: what IBSR costs the traffic it watches. TCP request/response latency (sockperf ping-pong,
// p50/p99) and bulk throughput (iperf3) across a veth pair between two namespaces, with no XDP program, with
// a pass-only XDP program, and with ibsr-collect, in native and generic XDP mode. Both test ports are
// monitored by IBSR, so every measured packet goes through its counting path.
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { delay, NetnsPair, REPO_ROOT, startCollector } from "../lab/netns.js";
import { type BenchRow, summarize } from "./lib/stats.js";

const LAT_PORT = 11111;
const BULK_PORT = 5201;
const PASS_OBJ = join(REPO_ROOT, "bpf", "build", "passonly.bpf.o");

type Mode = "native" | "generic";
interface Config {
  name: string;
  xdp: "none" | "pass" | "ibsr";
  mode?: Mode;
}

const CONFIGS: Config[] = [
  { name: "no XDP", xdp: "none" },
  { name: "pass-only XDP (native)", xdp: "pass", mode: "native" },
  { name: "pass-only XDP (generic)", xdp: "pass", mode: "generic" },
  { name: "IBSR (native)", xdp: "ibsr", mode: "native" },
  { name: "IBSR (generic)", xdp: "ibsr", mode: "generic" },
];

export interface VethBenchOptions {
  runs: number;
  seconds: number;
  log?: (l: string) => void;
}

interface Sample {
  p50: number;
  p99: number;
  gbps: number;
}

async function measure(pair: NetnsPair, seconds: number): Promise<Sample> {
  const lat = await pair.run(
    pair.client,
    [
      "sockperf",
      "ping-pong",
      "--tcp",
      "-i",
      pair.serverV4,
      "-p",
      String(LAT_PORT),
      "-t",
      String(seconds),
      "-m",
      "64",
    ],
    { timeoutMs: (seconds + 20) * 1000 },
  );
  const pct = (p: string) => {
    const m = new RegExp(`percentile ${p.replace(".", "\\.")}\\s*=\\s*([0-9.]+)`).exec(lat.stdout);
    if (!m) throw new Error(`sockperf printed no ${p} percentile: ${lat.stdout.slice(-800)} ${lat.stderr}`);
    return Number(m[1]);
  };
  const bulk = await pair.run(
    pair.client,
    ["iperf3", "-c", pair.serverV4, "-p", String(BULK_PORT), "-t", String(seconds), "-J"],
    { timeoutMs: (seconds + 20) * 1000 },
  );
  const j = JSON.parse(bulk.stdout) as {
    end?: { sum_received?: { bits_per_second: number } };
    error?: string;
  };
  if (!j.end?.sum_received) throw new Error(`iperf3 failed: ${j.error ?? bulk.stderr}`);
  return { p50: pct("50.000"), p99: pct("99.000"), gbps: j.end.sum_received.bits_per_second / 1e9 };
}

async function withConfig<T>(pair: NetnsPair, cfg: Config, outDir: string, fn: () => Promise<T>): Promise<T> {
  if (cfg.xdp === "pass") {
    const attach = cfg.mode === "native" ? "xdpdrv" : "xdpgeneric";
    const r = await pair.run(pair.server, [
      "ip",
      "link",
      "set",
      "dev",
      pair.serverIf,
      attach,
      "obj",
      PASS_OBJ,
      "sec",
      "xdp",
    ]);
    if (r.code !== 0) throw new Error(`attaching the pass-only program failed: ${r.stderr}`);
    try {
      return await fn();
    } finally {
      await pair.run(pair.server, ["ip", "link", "set", "dev", pair.serverIf, attach, "off"]);
    }
  }
  if (cfg.xdp === "ibsr") {
    const c = startCollector(pair, outDir, [
      "--dst-ports",
      `${LAT_PORT},${BULK_PORT}`,
      "--xdp-mode",
      cfg.mode ?? "native",
      "--snapshot-interval-sec",
      "60",
    ]);
    await c.waitForHeartbeats(1, 30_000);
    try {
      return await fn();
    } finally {
      await c.stop("SIGTERM");
    }
  }
  return fn();
}

export async function runVethBench(opts: VethBenchOptions): Promise<BenchRow[]> {
  const log = opts.log ?? (() => {});
  for (const tool of ["sockperf", "iperf3"]) {
    if (spawnSync("which", [tool]).status !== 0)
      throw new Error(`veth bench needs ${tool} (apt-get install ${tool})`);
  }
  if (!existsSync(PASS_OBJ)) throw new Error(`veth bench needs ${PASS_OBJ}: run pnpm build`);
  // Offloads on, as on a real host: the A/B shows what generic XDP costs by disabling GRO-like paths.
  const pair = await NetnsPair.create({ offloads: true });
  const out = mkdtempSync(join(tmpdir(), "ibsr-veth-"));
  try {
    pair.spawn(pair.server, ["sockperf", "server", "--tcp", "-i", pair.serverV4, "-p", String(LAT_PORT)]);
    pair.spawn(pair.server, ["iperf3", "-s", "-B", pair.serverV4, "-p", String(BULK_PORT)]);
    await delay(1000);
    const samples = new Map<string, Sample[]>();
    // Interleave configurations run by run so drift on a shared machine hits all of them alike.
    for (let run = 0; run < opts.runs; run++) {
      for (const cfg of CONFIGS) {
        const s = await withConfig(pair, cfg, join(out, `${run}-${cfg.xdp}-${cfg.mode}`), () =>
          measure(pair, opts.seconds),
        );
        log(`veth ${cfg.name} run ${run + 1}: p50 ${s.p50} us, p99 ${s.p99} us, ${s.gbps.toFixed(2)} Gbit/s`);
        samples.set(cfg.name, [...(samples.get(cfg.name) ?? []), s]);
      }
    }
    const rows: BenchRow[] = [];
    const base = samples.get("no XDP") ?? [];
    for (const cfg of CONFIGS) {
      const s = samples.get(cfg.name) ?? [];
      const metric = (name: string, unit: string, pick: (x: Sample) => number) => {
        const b = summarize(base.map(pick));
        rows.push({
          suite: "veth",
          name: `${name}, ${cfg.name}`,
          unit,
          ...summarize(s.map(pick)),
          ...(cfg.xdp === "none" ? {} : { baseline: { name: `${name}, no XDP`, median: b.median } }),
        });
      };
      metric("TCP RR latency p50", "us", (x) => x.p50);
      metric("TCP RR latency p99", "us", (x) => x.p99);
      metric("bulk TCP throughput", "Gbit/s", (x) => x.gbps);
      // Any native XDP program on a veth makes it give up its GRO/GSO batching: pass-only pays the same.
      const last = rows[rows.length - 1]!;
      if (cfg.mode === "native")
        last.note = "veth native XDP forgoes GRO/GSO batching; compare with pass-only";
    }
    return rows;
  } finally {
    await pair.close();
    rmSync(out, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const rows = await runVethBench({ runs: Number(process.env.RUNS ?? 5), seconds: 3, log: console.log });
  console.table(rows.map((r) => ({ name: r.name, median: r.median, min: r.min, max: r.max, unit: r.unit })));
}
