// The reporter's start-up: `ibsr-report --help` from the compiled CLI (as the bundle runs it), wall time and
// peak RSS per run (GNU time), next to a bare `node -e 0` measured in the same run. Every `ibsr-report` run
// pays this before reading a file. Needs `pnpm build` (packages/report/dist) and /usr/bin/time.
// IBSR_BENCH_REPORT_BEFORE=<an older build's dist/cli.js> measures that build too, interleaved, and shows it
// as the reference (how the figure before the @ibsr/contract split was taken).
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { REPO_ROOT } from "../lab/netns.js";
import { type BenchRow, summarize } from "./lib/stats.js";

const TIME = "/usr/bin/time";

type Sample = { wallS: number; cpuS: number; rssKb: number };

/** Wall seconds, user + system CPU seconds and peak RSS (KB) of one `node <args>`, as GNU time reports them. */
function timed(args: string[]): Sample {
  const r = spawnSync(TIME, ["-f", "%e %U %S %M", process.execPath, ...args], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`node ${args.join(" ")} exited ${r.status}: ${r.stderr.slice(-500)}`);
  const m = /([\d.]+) ([\d.]+) ([\d.]+) (\d+)\s*$/.exec(r.stderr);
  if (!m) throw new Error(`cannot read ${TIME}'s output: ${r.stderr.slice(-200)}`);
  return { wallS: Number(m[1]), cpuS: Number(m[2]) + Number(m[3]), rssKb: Number(m[4]) };
}

export async function runReportStartupBench(opts: { runs?: number } = {}): Promise<BenchRow[]> {
  const runs = opts.runs ?? 10;
  const cli = join(REPO_ROOT, "packages/report/dist/cli.js");
  if (!existsSync(cli)) throw new Error(`${cli} is missing: run pnpm build first`);
  if (!existsSync(TIME)) throw new Error(`${TIME} is missing (apt-get install time)`);
  const help: Sample[] = [];
  const bare: Sample[] = [];
  const beforeCli = process.env.IBSR_BENCH_REPORT_BEFORE;
  const old: Sample[] = [];
  // Interleaved, so a busy moment weighs on all alike.
  for (let i = 0; i < runs; i++) {
    help.push(timed([cli, "--help"]));
    bare.push(timed(["-e", "0"]));
    if (beforeCli) old.push(timed([beforeCli, "--help"]));
  }
  const wall = summarize(help.map((h) => h.wallS * 1000));
  const rss = summarize(help.map((h) => h.rssKb / 1024));
  const before = "before the split (@ibsr/schema loaded apache-arrow and parquet-wasm)";
  const oldFig = (f: (x: Sample) => number, unit: string, idle: string) => {
    if (old.length === 0) return `${before}, 2026-12-04, idle machine: ${idle}`;
    const o = summarize(old.map(f));
    return `${before}, same run: ${o.median.toFixed(0)} ${unit} (${o.min.toFixed(0)}-${o.max.toFixed(0)})`;
  };
  return [
    {
      suite: "report-startup",
      name: "ibsr-report --help: wall time",
      unit: "ms",
      ...wall,
      baseline: { name: "node -e 0", median: summarize(bare.map((b) => b.wallS * 1000)).median },
      reference: oldFig((h) => h.wallS * 1000, "ms", "830 ms"),
    },
    {
      suite: "report-startup",
      name: "ibsr-report --help: CPU time, user + system (less sensitive than wall time to a busy machine)",
      unit: "ms",
      ...summarize(help.map((h) => h.cpuS * 1000)),
      baseline: { name: "node -e 0", median: summarize(bare.map((b) => b.cpuS * 1000)).median },
      reference: oldFig((h) => h.cpuS * 1000, "ms", "not measured"),
    },
    {
      suite: "report-startup",
      name: "ibsr-report --help: peak RSS",
      unit: "MB",
      ...rss,
      baseline: { name: "node -e 0", median: summarize(bare.map((b) => b.rssKb / 1024)).median },
      reference: oldFig((h) => h.rssKb / 1024, "MB", "108 MB"),
    },
  ];
}
