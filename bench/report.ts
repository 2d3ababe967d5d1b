// Reporter benchmark: wall time and peak RSS of `ibsr-report` run as a child process (as an operator runs it).
// Data is generated once under bench/data/ (git-ignored) and reused:
//   small tier: 1 440 snapshots x 10 000 sources, as collector Parquet and as reference JSONL
//               (the JSONL by ../shared/tools/gen-day-jsonl.py, exactly what the reference was timed on);
//   busy day:   1 440 snapshots x 100 000 sources (144 M rows), collector Parquet;
//   large map:  3 snapshots, the middle one with 2 000 000 distinct sources (--map-size 2000000).
//   node --import tsx bench/report.ts [--quick] [--tier small|day|large|all]
// IBSR_BENCH_BASELINE_REPORT=<another build's packages/report/dist/cli.js> runs that build on the same data in
// the same run, interleaved with this one, as the baseline column (IBSR_BENCH_BASELINE_LABEL names it); its
// verdict must equal this build's, so it is shown to do the work it is timed on.
// IBSR_BENCH_REFERENCE_BIN=<the reference's ibsr-report> times the reference reporter on the same JSONL day in
// the same run (its reference column); without it the column quotes its last measured figures.
// The JSONL day is also timed the other way, in the same run: `ibsr-report import-jsonl` once, then a report on
// the Parquet it wrote (docs/report.md: which to use when).
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { loadavg } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { allocSnapshotRows, encodeSnapshotParquet } from "@ibsr/collector/parquet";
import { GLOBAL_FIELDS, type GlobalTotals, snapshotRelativePath } from "@ibsr/contract";
import { JSONL_TEMPLATE_ENV } from "@ibsr/report";
import { generateParquetLarge, sharedPath } from "@ibsr/report/testing";
import { type BenchRow, type Summary, summarize } from "./lib/stats.js";

const HERE = dirname(fileURLToPath(import.meta.url));
const REPO = join(HERE, "..");
const DATA = join(HERE, "data");
const CLI = join(REPO, "packages/report/src/cli.ts");
const BASE = 1_700_000_000;
const INTERVAL = 60;
const PORT = 8899;

export type ReportTier = "small" | "day" | "large";
export const REPORT_TIERS: readonly ReportTier[] = ["small", "day", "large"];

/** Sources in the large tier's big snapshot. */
const LARGE_SOURCES = 2_000_000;
/**
 * The large tier before the per-key table stayed in DuckDB (commit aa84180), measured on this machine on
 * 2026-12-04 with the same data and command, one run each (too slow to rerun as a same-run baseline).
 */
const LARGE_BEFORE = {
  sec: "before the fix, this machine 2026-12-04, 1 run under contention: 362 s (the issue: 161 s)",
  rss: "before the fix, same run: 5901 MB",
};

export interface ReportBenchOptions {
  quick?: boolean;
  /**
   * Which tiers to run (default: small and large, plus the day tier when its data was generated before: it
   * takes minutes).
   */
  tiers?: ReportTier[];
  runs?: number;
  log?: (line: string) => void;
}

/** The source addresses of gen-day-jsonl.py, in the same order (so both formats carry the same traffic). */
function sourceBytes(i: number): [number, number, number, number] {
  return [100 + Math.floor(i / 65536), Math.floor(i / 256) % 256, i % 256, 1 + ((i * 7) % 250)];
}

/**
 * Writes the gen-day-jsonl.py traffic pattern as collector Parquet: every source sends a little healthy
 * traffic each minute; 1 % flood on and off (30 minutes of every 2 hours) with 12 000 SYNs a minute.
 */
export function generateParquetDay(
  dir: string,
  sources: number,
  snapshots: number,
  log: (l: string) => void,
): void {
  rmSync(dir, { recursive: true, force: true });
  const order = Array.from({ length: sources }, (_, i) => i).sort((a, b) => {
    const x = sourceBytes(a);
    const y = sourceBytes(b);
    return x[0] - y[0] || x[1] - y[1] || x[2] - y[2] || x[3] - y[3];
  });
  const cum = new Float64Array(sources * 6);
  const globals = Object.fromEntries(GLOBAL_FIELDS.map((f) => [f, 0n])) as GlobalTotals;
  globals.inserts = BigInt(sources);
  for (let k = 1; k <= snapshots; k++) {
    const rows = allocSnapshotRows(sources);
    rows.length = sources;
    let matched = 0;
    for (let j = 0; j < sources; j++) {
      const i = order[j]!;
      let d: number[];
      if (i % 100 === 0 && Math.floor(k / 30) % 4 === 1) d = [12000, 0, 0, 0, 12000, 720000];
      else {
        const s = 1 + ((i + k) % 7);
        d = [s, 10 * s, s, 0, 11 * s, 900 * s];
      }
      const b = sourceBytes(i);
      rows.family[j] = 4;
      rows.prefixLen[j] = 32;
      rows.src.set(b, j * 16);
      rows.dstPort[j] = PORT;
      const names = ["syn", "ack", "handshake_ack", "rst", "packets", "bytes"] as const;
      for (let c = 0; c < 6; c++) {
        cum[i * 6 + c]! += d[c]!;
        rows[names[c]!][j] = BigInt(cum[i * 6 + c]!);
        rows.deltas[names[c]!][j] = BigInt(d[c]!);
      }
      matched += d[4]!;
      rows.newEntry[j] = k === 1 ? 1 : 0;
      rows.spanUs[j] = BigInt(INTERVAL * 1e6);
      rows.firstSeen[j] = BigInt(i + 1);
    }
    globals.matched_packets += BigInt(matched);
    const ts = BASE + INTERVAL * k;
    const bytes = encodeSnapshotParquet({
      meta: {
        collectorVersion: "bench",
        host: "bench",
        iface: "eth0",
        runId: "day",
        seq: k - 1,
        tsUs: BigInt(ts) * 1_000_000n,
        baseTsUs: BigInt(BASE) * 1_000_000n,
        intervalSec: INTERVAL,
        xdpMode: "native",
        mtu: 1500,
        offload: {},
        mapCapacity: Math.max(100_000, sources),
        liveEntries: sources,
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
      snapshotRelativePath({
        host: "bench",
        iface: "eth0",
        runId: "day",
        seq: k - 1,
        ts: new Date(ts * 1000),
      }),
    );
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, bytes);
    if (k % 120 === 0)
      log(`bench report: generated ${k}/${snapshots} Parquet snapshots of ${sources} sources`);
  }
  writeFileSync(join(dir, ".complete"), "");
}

function ensureJsonl(dir: string, sources: number, snapshots: number, log: (l: string) => void): void {
  if (existsSync(join(dir, ".complete"))) return;
  rmSync(dir, { recursive: true, force: true });
  log(`bench report: generating JSONL (${snapshots} x ${sources}) with gen-day-jsonl.py`);
  execFileSync(
    "python3",
    [sharedPath("tools", "gen-day-jsonl.py"), dir, String(sources), String(snapshots)],
    { stdio: "inherit" },
  );
  writeFileSync(join(dir, ".complete"), "");
}

function ensureParquet(dir: string, sources: number, snapshots: number, log: (l: string) => void): void {
  if (existsSync(join(dir, ".complete"))) return;
  log(`bench report: generating Parquet (${snapshots} x ${sources})`);
  generateParquetDay(dir, sources, snapshots, log);
}

/** `--tier small,large` or `all`. */
export function parseTiers(arg: string): ReportTier[] {
  if (arg === "all") return [...REPORT_TIERS];
  const tiers = arg.split(",");
  for (const t of tiers)
    if (!(REPORT_TIERS as readonly string[]).includes(t))
      throw new Error(
        `--tier: unknown tier ${JSON.stringify(t)} (choose from ${REPORT_TIERS.join(",")}, all)`,
      );
  return tiers as ReportTier[];
}

/** This build: the compiled CLI under plain node, as an operator runs it, once `npx tsc -b` built it; else the source through tsx. */
const COMPILED_CLI = join(REPO, "packages/report/dist/cli.js");
const CURRENT_ARGV = existsSync(COMPILED_CLI)
  ? [process.execPath, COMPILED_CLI]
  : [process.execPath, "--import", import.meta.resolve("tsx"), CLI];
/**
 * The reference reporter on the same JSONL day, when IBSR_BENCH_REFERENCE_BIN names its binary it is timed in
 * this run; otherwise its figures as measured on this machine kind with its current release build (issue 15,
 * 2026-12-04; the earlier 34 s / 2.1 GB was an older measurement that no longer holds).
 */
const REFERENCE_BIN = process.env.IBSR_BENCH_REFERENCE_BIN;
const REFERENCE_JSONL = {
  sec: "reference release build, issue 15 (2026-12-04, this machine kind): 12-17 s",
  rss: "reference release build, issue 15 (2026-12-04): 2.0 GB",
  /** Its fastest and slowest wall time and its peak RSS in those runs. */
  secRange: [12, 17] as const,
  rssMb: 2000,
};

/** A figure of ours over the reference's, as the tables print ratios. */
const times = (ours: number, theirs: number) => `${(ours / theirs).toFixed(2)}x`;

/** Another build's compiled CLI, timed in the same run as the baseline (see the header). */
const BASELINE_CLI = process.env.IBSR_BENCH_BASELINE_REPORT;
const BASELINE_LABEL = process.env.IBSR_BENCH_BASELINE_LABEL ?? `baseline build (${BASELINE_CLI})`;

/** One CLI run: wall seconds and peak RSS (MB) from GNU time; throws with stderr when the report fails. */
function runOnce(
  input: string,
  out: string,
  argv: readonly string[] = CURRENT_ARGV,
  env: Record<string, string> = {},
): { sec: number; rssMb: number; verdict: string } {
  rmSync(out, { recursive: true, force: true });
  const r = spawnSync(
    "/usr/bin/time",
    ["-f", "IBSR_TIME %e %M", ...argv, input, "-o", out, "--json", "--format", "json,csv,html,md"],
    { encoding: "utf8", maxBuffer: 256 * 2 ** 20, env: { ...process.env, ...env } },
  );
  const m = /IBSR_TIME ([\d.]+) (\d+)/.exec(r.stderr ?? "");
  if (r.status !== 0 || !m)
    throw new Error(`ibsr-report failed (exit ${r.status}): ${(r.stderr ?? "").slice(-2000)}`);
  let verdict = "?";
  try {
    verdict = (JSON.parse(r.stdout) as { verdict: { outcome: string } }).verdict.outcome;
  } catch {}
  return { sec: Number(m[1]), rssMb: Number(m[2]) / 1024, verdict };
}

/** `ibsr-report import-jsonl <input> <out>` into a fresh <out>: wall seconds and peak RSS (MB). */
function importOnce(input: string, out: string): { sec: number; rssMb: number } {
  rmSync(out, { recursive: true, force: true });
  const r = spawnSync(
    "/usr/bin/time",
    ["-f", "IBSR_TIME %e %M", ...CURRENT_ARGV, "import-jsonl", input, out, "-q"],
    {
      encoding: "utf8",
    },
  );
  const m = /IBSR_TIME ([\d.]+) (\d+)/.exec(r.stderr ?? "");
  if (r.status !== 0 || !m)
    throw new Error(`ibsr-report import-jsonl failed (exit ${r.status}): ${(r.stderr ?? "").slice(-2000)}`);
  return { sec: Number(m[1]), rssMb: Number(m[2]) / 1024 };
}

/** The reference reporter (`ibsr-report --in DIR --out DIR`) on the same files: median wall and peak RSS. */
function timeReference(input: string, out: string, runs: number): { sec: number; rssMb: number } {
  const got: { sec: number; rssMb: number }[] = [];
  for (let i = 0; i < runs; i++) {
    rmSync(out, { recursive: true, force: true });
    const r = spawnSync(
      "/usr/bin/time",
      ["-f", "IBSR_TIME %e %M", REFERENCE_BIN!, "--in", input, "--out", out],
      {
        encoding: "utf8",
      },
    );
    const m = /IBSR_TIME ([\d.]+) (\d+)/.exec(r.stderr ?? "");
    if (r.status !== 0 || !m)
      throw new Error(`reference reporter failed (exit ${r.status}): ${(r.stderr ?? "").slice(-2000)}`);
    got.push({ sec: Number(m[1]), rssMb: Number(m[2]) / 1024 });
  }
  return { sec: summarize(got.map((g) => g.sec)).median, rssMb: summarize(got.map((g) => g.rssMb)).median };
}

export async function runReportBench(opts: ReportBenchOptions = {}): Promise<BenchRow[]> {
  const log = opts.log ?? ((l: string) => process.stderr.write(`${l}\n`));
  const runs = opts.runs ?? (opts.quick ? 1 : 3);
  const tiers =
    opts.tiers ??
    (existsSync(join(DATA, "report-day-parquet", ".complete"))
      ? ["small", "day", "large"]
      : ["small", "large"]);
  const rows: BenchRow[] = [];
  const out = join(DATA, "report-out");
  const measure = (
    name: string,
    input: string,
    target: { sec: string | ((wall: Summary) => string); rss: string },
    reference?: string | ((wall: Summary) => string),
    rssReference?: string | ((rss: Summary) => string),
    // Without IBSR_BENCH_BASELINE_REPORT: this build on another path, timed in the same run.
    ownPath?: { label: string; env: Record<string, string> },
  ) => {
    const loadAtStart = loadavg()[0]!;
    const baseLabel = BASELINE_CLI || !ownPath ? BASELINE_LABEL : ownPath.label;
    // Interleaved with the baseline build when one is given, so a busy machine slows both alike.
    const samples: ReturnType<typeof runOnce>[] = [];
    const base: ReturnType<typeof runOnce>[] = [];
    for (let i = 0; i < runs; i++) {
      samples.push(runOnce(input, out));
      if (BASELINE_CLI) base.push(runOnce(input, out, [process.execPath, BASELINE_CLI]));
      else if (ownPath) base.push(runOnce(input, out, CURRENT_ARGV, ownPath.env));
    }
    for (const b of base)
      if (b.verdict !== samples[0]!.verdict)
        throw new Error(`${baseLabel} gave verdict ${b.verdict}, this build ${samples[0]!.verdict}`);
    const baseline = (pick: (s: ReturnType<typeof runOnce>) => number) =>
      base.length ? { name: baseLabel, median: summarize(base.map(pick)).median } : undefined;
    const files = readdirSync(input, { recursive: true }).length;
    // The load says how far a shared machine's figures are from a quiet one's; the same-run baseline ratio holds.
    const note = `verdict ${samples[0]!.verdict}, ${files} entries, load average ${loadAtStart.toFixed(1)} at start`;
    const wall = summarize(samples.map((s) => s.sec));
    const rss = summarize(samples.map((s) => s.rssMb));
    rows.push({
      suite: "report",
      name: `${name}: wall time`,
      unit: "s",
      ...wall,
      baseline: baseline((s) => s.sec),
      target: typeof target.sec === "function" ? target.sec(wall) : target.sec,
      reference: typeof reference === "function" ? reference(wall) : reference,
      note,
    });
    rows.push({
      suite: "report",
      name: `${name}: peak RSS`,
      unit: "MB",
      ...rss,
      baseline: baseline((s) => s.rssMb),
      target: target.rss,
      reference: typeof rssReference === "function" ? rssReference(rss) : rssReference,
    });
    const fmt = (xs: ReturnType<typeof runOnce>[]) =>
      xs.map((s) => `${s.sec}s/${s.rssMb.toFixed(0)}MB`).join(", ");
    log(`bench report: ${name}: ${fmt(samples)}${base.length ? `; baseline ${fmt(base)}` : ""}`);
  };
  if (opts.quick) {
    const pq = join(DATA, "report-quick-parquet");
    const jl = join(DATA, "report-quick-jsonl");
    ensureParquet(pq, 1000, 120, log);
    ensureJsonl(jl, 1000, 120, log);
    measure("quick 120 x 1 000, Parquet", pq, { sec: "", rss: "" });
    measure("quick 120 x 1 000, JSONL", jl, { sec: "", rss: "" });
    return rows;
  }
  if (tiers.includes("small")) {
    const pq = join(DATA, "report-small-parquet");
    const jl = join(DATA, "report-small-jsonl");
    ensureParquet(pq, 10_000, 1440, log);
    ensureJsonl(jl, 10_000, 1440, log);
    measure("small tier 1 440 x 10 000, Parquet", pq, { sec: "<= 10 s", rss: "" });
    const ref = REFERENCE_BIN ? timeReference(jl, join(DATA, "report-out-reference"), runs) : null;
    measure(
      "small tier 1 440 x 10 000, reference JSONL",
      jl,
      {
        // Judged against the reference's time in this run when its binary is given, else its fastest.
        sec: (w) => {
          const theirs = ref ? ref.sec : REFERENCE_JSONL.secRange[0];
          const ratio = w.median / theirs;
          return `<= 0.5x the reference: ${ratio <= 0.5 ? "met" : "NOT met"} (${times(w.median, theirs)}${ref ? "" : " its fastest"})`;
        },
        rss: "<= 1024 MB",
      },
      (w) =>
        ref
          ? `reference binary, same run: ${ref.sec} s (ours ${times(w.median, ref.sec)})`
          : `${REFERENCE_JSONL.sec} (ours ${times(w.median, REFERENCE_JSONL.secRange[1])}-${times(w.median, REFERENCE_JSONL.secRange[0])}; our slowest run ${times(w.max, REFERENCE_JSONL.secRange[0])} its fastest)`,
      (m) =>
        ref
          ? `reference binary, same run: ${ref.rssMb.toFixed(0)} MB (ours ${times(m.median, ref.rssMb)})`
          : `${REFERENCE_JSONL.rss} (ours ${times(m.median, REFERENCE_JSONL.rssMb)})`,
      {
        label: `this build, JavaScript bucket reader (${JSONL_TEMPLATE_ENV}=0, the path before the WebAssembly template)`,
        env: { [JSONL_TEMPLATE_ENV]: "0" },
      },
    );
    // The other route for the same day: convert once, then report on Parquet (same run, same load).
    const imported = join(DATA, "report-small-imported");
    const conv: { sec: number; rssMb: number }[] = [];
    const load = loadavg()[0]!;
    for (let i = 0; i < runs; i++) conv.push(importOnce(jl, imported));
    rows.push({
      suite: "report",
      name: "small tier 1 440 x 10 000, reference JSONL: import-jsonl (one-time conversion): wall time",
      unit: "s",
      ...summarize(conv.map((x) => x.sec)),
      target: "",
      note: `load average ${load.toFixed(1)} at start`,
    });
    rows.push({
      suite: "report",
      name: "small tier 1 440 x 10 000, reference JSONL: import-jsonl: peak RSS",
      unit: "MB",
      ...summarize(conv.map((x) => x.rssMb)),
      target: "<= 1024 MB",
    });
    log(`bench report: import-jsonl: ${conv.map((x) => `${x.sec}s/${x.rssMb.toFixed(0)}MB`).join(", ")}`);
    measure("small tier 1 440 x 10 000, report on the import-jsonl Parquet", imported, {
      sec: "<= 10 s (the Parquet small tier)",
      rss: "",
    });
    rmSync(imported, { recursive: true, force: true });
  }
  if (tiers.includes("day")) {
    const pq = join(DATA, "report-day-parquet");
    ensureParquet(pq, 100_000, 1440, log);
    measure("busy day 1 440 x 100 000 (144 M rows), Parquet", pq, { sec: "<= 60 s", rss: "<= 4096 MB" });
  }
  if (tiers.includes("large")) {
    const pq = join(DATA, "report-large-parquet");
    if (!existsSync(join(pq, ".complete"))) generateParquetLarge(pq, LARGE_SOURCES, log);
    measure(
      "large map: one snapshot of 2 000 000 sources (3 snapshots, 2 002 000 rows), Parquet",
      pq,
      { sec: "linear in rows", rss: "<= 4096 MB (DuckDB limit)" },
      LARGE_BEFORE.sec,
      LARGE_BEFORE.rss,
    );
  }
  return rows;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const argv = process.argv.slice(2);
  const tierArg = argv[argv.indexOf("--tier") + 1];
  const tiers = argv.includes("--tier") && tierArg ? parseTiers(tierArg) : undefined;
  const rows = await runReportBench({ quick: argv.includes("--quick"), tiers });
  for (const r of rows)
    process.stdout.write(
      `${r.name}: median ${r.median} ${r.unit} (min ${r.min}, max ${r.max}, ${r.runs} runs)${r.note ? ` [${r.note}]` : ""}\n`,
    );
}
