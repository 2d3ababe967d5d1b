// `pnpm bench`: one entry point for every benchmark. Runs the suites, prints one table, and rewrites
// BENCHMARKS.md with the machine, kernel and date. Figures are medians of several runs with min and max,
// each next to a baseline measured in the same run and, where one exists, the reference's own figure.
//   pnpm bench                 everything at recorded scale (needs root for bpf, collector and veth)
//   pnpm bench --quick         small scale, for checking that the suites run
//   pnpm bench --only bpf,veth
//   pnpm bench --only report-html           the HTML report at 100 000 keys alone
//   pnpm bench --only heavy [--tier 60x100000]   the heavy pass in DuckDB vs chdb (default: the 144 M-row day)
//   pnpm bench --only fleet                 288 000 small files of 200 hosts (IBSR_BENCH_FLEET_DIR: where the tree is)
//   pnpm bench --only report --tier large   rerun some reporter tiers; the other rows of the suite are kept
//   pnpm bench --only soak                  the collector's memory over 30 minutes of flood (IBSR_SOAK_MINUTES=N)
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { cpus, release, totalmem } from "node:os";
import { join } from "node:path";
import { REPO_ROOT } from "../lab/netns.js";
import type { BenchRow } from "./lib/stats.js";
import { targetsTable } from "./lib/targets.js";

const argv = process.argv.slice(2);
const quick = argv.includes("--quick");
const onlyArg = argv[argv.indexOf("--only") + 1];
const only = argv.includes("--only") && onlyArg ? new Set(onlyArg.split(",")) : null;
const tierArg = argv.includes("--tier") ? argv[argv.indexOf("--tier") + 1] : undefined;
const log = (l: string) => process.stderr.write(`${l}\n`);

type Suite = { name: string; title: string; onlyWhenAsked?: boolean; run: () => Promise<BenchRow[]> };

const SUITES: Suite[] = [
  {
    name: "bpf",
    title: "XDP program (BPF_PROG_TEST_RUN, ns per packet)",
    run: async () =>
      (await import("./bpf.js")).runBpfBench(
        quick ? { runs: 5, hotLoads: 5, hotRounds: 3 } : { runs: 7, log },
      ),
  },
  {
    name: "collector",
    title: "Collector (drain, deltas, Parquet write)",
    run: async () =>
      (await import("./collector.js")).runCollectorBench(quick ? { quick: true, log } : { log }),
  },
  {
    name: "soak",
    title: "Collector soak: memory over a long run under a flood that overflows the map",
    // Not part of a plain `pnpm bench` (30 minutes): `pnpm bench --only soak`, IBSR_SOAK_MINUTES to shorten.
    onlyWhenAsked: true,
    run: async () => (await import("./soak.js")).runSoakBench(quick ? { minutes: 1, log } : { log }),
  },
  {
    name: "report",
    title: "Reporter (wall time, peak RSS)",
    run: async () => {
      const m = await import("./report.js");
      const tiers = tierArg ? m.parseTiers(tierArg) : undefined;
      return m.runReportBench(quick ? { quick: true, log } : { log, tiers });
    },
  },
  {
    name: "fleet",
    title:
      "Fleet tree: one-minute snapshots of many hosts in the Hive layout, compacted and not (wall time, peak RSS, files read)",
    run: async () => (await import("./fleet.js")).runFleetBench({ quick, log }),
  },
  {
    name: "heavy",
    title:
      "Heavy pass (ibsr-report sql) in DuckDB vs ClickHouse (chdb) on one Parquet day (wall time, peak RSS)",
    run: async () => {
      const m = await import("./heavy.js");
      // --tier SNAPSHOTSxSOURCES (default the 144 M-row day; --quick: 60 x 10 000).
      const tier = tierArg
        ? m.parseHeavyTier(tierArg)
        : quick
          ? { snapshots: 60, sources: 10_000 }
          : undefined;
      return m.runHeavyBench({ tier, log });
    },
  },
  {
    name: "report-html",
    title: "HTML report at 100 000 keys (size, render time, page responsiveness)",
    run: async () => (await import("./report-html.js")).runReportHtmlBench({ quick, log }),
  },
  {
    name: "report-startup",
    title: "Reporter start-up (ibsr-report --help)",
    run: async () => (await import("./report-startup.js")).runReportStartupBench({ runs: quick ? 3 : 10 }),
  },
  {
    name: "veth",
    title: "Veth A/B (TCP latency and throughput)",
    run: async () =>
      (await import("./veth.js")).runVethBench({ runs: quick ? 1 : 5, seconds: quick ? 1 : 3, log }),
  },
];

function machine(): string {
  const cpu = cpus()[0]?.model ?? "unknown CPU";
  let distro = "Linux";
  try {
    distro = execFileSync("sh", ["-c", ". /etc/os-release && echo $PRETTY_NAME"], {
      encoding: "utf8",
    }).trim();
  } catch {}
  return `${cpu}, ${cpus().length} cores, ${(totalmem() / 2 ** 30).toFixed(0)} GiB RAM; ${distro}; kernel ${release()}; Node ${process.version}`;
}

const num = (x: number) =>
  Math.abs(x) >= 100 ? x.toFixed(0) : Math.abs(x) >= 10 ? x.toFixed(1) : x.toFixed(2);

function table(rows: BenchRow[]): string {
  const head =
    "| measure | median | min | max | runs | baseline (same run) | target | reference |\n|---|---:|---:|---:|---:|---|---|---|";
  const body = rows.map((r) => {
    const base = r.baseline
      ? `${r.baseline.name}: ${num(r.baseline.median)} ${r.unit} (${num(r.median / r.baseline.median)}x)`
      : "";
    const name = r.note ? `${r.name} (${r.note})` : r.name;
    return `| ${name} | ${num(r.median)} ${r.unit} | ${num(r.min)} | ${num(r.max)} | ${r.runs} | ${base} | ${r.target ?? ""} | ${r.reference ?? ""} |`;
  });
  return [head, ...body].join("\n");
}

const results: { suite: Suite; rows: BenchRow[]; error?: string }[] = [];
for (const suite of SUITES) {
  if (only ? !only.has(suite.name) : suite.onlyWhenAsked) continue;
  log(`bench: ${suite.name} ...`);
  const t0 = performance.now();
  try {
    const rows = await suite.run();
    results.push({ suite, rows });
    log(`bench: ${suite.name} done in ${((performance.now() - t0) / 1000).toFixed(0)} s`);
  } catch (err) {
    const error = err instanceof Error ? err.message : String(err);
    results.push({ suite, rows: [], error });
    log(`bench: ${suite.name} failed: ${error}`);
  }
}

// Each suite's latest recorded run is kept in bench/results/<suite>.json, so suites can be rerun alone and
// BENCHMARKS.md always shows every suite with the date and machine it was measured on.
const RESULTS = join(REPO_ROOT, "bench", "results");
interface Recorded {
  suite: string;
  title: string;
  date: string;
  machine: string;
  rows: BenchRow[];
  error?: string;
}
const date = new Date().toISOString().slice(0, 10);
const fresh: Recorded[] = results.map(({ suite, rows, error }) => ({
  suite: suite.name,
  title: suite.title,
  date,
  machine: machine(),
  rows,
  ...(error ? { error } : {}),
}));
if (!quick) {
  mkdirSync(RESULTS, { recursive: true });
  for (const rec of fresh) {
    // A partial rerun (--tier) keeps the suite's other rows, each marked with the date it was measured.
    const prevFile = join(RESULTS, `${rec.suite}.json`);
    if (tierArg && rec.suite === "report" && !rec.error && existsSync(prevFile)) {
      const prev = JSON.parse(readFileSync(prevFile, "utf8")) as Recorded;
      const names = new Set(rec.rows.map((r) => r.name));
      const kept = prev.rows
        .filter((r) => !names.has(r.name))
        .map((r) => {
          const stamp = `measured ${prev.date}`;
          return r.note?.includes("measured ") ? r : { ...r, note: r.note ? `${r.note}; ${stamp}` : stamp };
        });
      rec.rows = [...kept, ...rec.rows];
    }
    writeFileSync(join(RESULTS, `${rec.suite}.json`), `${JSON.stringify(rec, null, 2)}\n`);
  }
}
const recorded: Recorded[] = quick
  ? fresh
  : SUITES.flatMap((s) => {
      const f = join(RESULTS, `${s.name}.json`);
      return existsSync(f) ? [JSON.parse(readFileSync(f, "utf8")) as Recorded] : [];
    });
const sections = recorded.map((r) =>
  [
    `## ${r.title}`,
    "",
    `Measured ${r.date} on ${r.machine}.`,
    "",
    r.error ? `Not measured: ${r.error}` : table(r.rows),
    "",
  ].join("\n"),
);
// Figures measured by hand (a one-off before/after), kept beside the generated sections.
const notesDir = join(REPO_ROOT, "bench", "notes");
const notes = existsSync(notesDir)
  ? readdirSync(notesDir)
      .filter((f) => f.endsWith(".md"))
      .sort()
      .map((f) => readFileSync(join(notesDir, f), "utf8").trimEnd())
  : [];
const md = [
  "# Benchmarks",
  "",
  "Written by `pnpm bench` (suites can be rerun alone with `--only`; each keeps its latest run in bench/results/).",
  "Each figure is the median of several runs with min and max, next to a baseline measured in the same run.",
  "Line-rate budgets for scale: 67.2 ns per 64-byte packet at 10 GbE (14.88 Mpps), 6.7 ns at 100 GbE.",
  "",
  "## Targets at a glance",
  "",
  "Every row below that has a target, judged on its median (bench/lib/targets.ts); each row's section has its spread, baseline and notes.",
  "",
  targetsTable(recorded, num),
  "",
  ...sections,
  ...notes.flatMap((n) => [n, ""]),
].join("\n");
process.stdout.write(`${md}\n`);
if (!quick) writeFileSync(join(REPO_ROOT, "BENCHMARKS.md"), `${md}\n`);
else log("bench: quick run: BENCHMARKS.md and bench/results left unchanged");
