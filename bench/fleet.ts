// Fleet-tree benchmark: `ibsr-report` on a fleet's day in the Hive layout, 200 hosts x 1 440 one-minute snapshots
// (288 000 files, 5 to 20 keys each), written once through the collector's encoder and reused:
//   the whole tree (every footer read, every row scanned), and
//   --host fleet-000,fleet-001 --since -2h (discovery prunes by host=/date= folders and file names).
// Wall time and peak RSS from GNU time; files listed, footers read, snapshots and rows from summary.json.
//   node --import tsx bench/fleet.ts [--quick]       IBSR_BENCH_FLEET_DIR=<dir> uses (or writes) that tree
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { generateFleetTree } from "@ibsr/report/testing";
import type { BenchRow } from "./lib/stats.js";

const HERE = dirname(fileURLToPath(import.meta.url));
const CLI = join(HERE, "..", "packages/report/src/cli.ts");
/** Each host's run starts one interval before 2026-12-03T00:00Z, so every snapshot falls on that day. */
const START = Date.UTC(2026, 11, 2, 23, 59) / 1000;

export interface FleetBenchOptions {
  quick?: boolean;
  log?: (line: string) => void;
}

interface Measured {
  sec: number;
  rssMb: number;
  listed: number;
  opened: number;
  snapshots: number;
  rows: number;
  verdict: string;
}

function runOnce(tree: string, out: string, extra: readonly string[]): Measured {
  rmSync(out, { recursive: true, force: true });
  const r = spawnSync(
    "/usr/bin/time",
    [
      "-f",
      "IBSR_TIME %e %M",
      process.execPath,
      "--import",
      "tsx",
      CLI,
      tree,
      "-o",
      out,
      "--json",
      "--format",
      "json",
      ...extra,
    ],
    { encoding: "utf8", maxBuffer: 256 * 2 ** 20 },
  );
  const m = /IBSR_TIME ([\d.]+) (\d+)/.exec(r.stderr ?? "");
  if (r.status !== 0 || !m)
    throw new Error(`ibsr-report failed (exit ${r.status}): ${(r.stderr ?? "").slice(-2000)}`);
  const doc = JSON.parse(r.stdout) as {
    verdict: { outcome: string };
    input: { files_listed: number; footers_read: number; snapshots: number; rows: number | string };
  };
  return {
    sec: Number(m[1]),
    rssMb: Number(m[2]) / 1024,
    listed: doc.input.files_listed,
    opened: doc.input.footers_read,
    snapshots: doc.input.snapshots,
    rows: Number(doc.input.rows),
    verdict: doc.verdict.outcome,
  };
}

export async function runFleetBench(opts: FleetBenchOptions = {}): Promise<BenchRow[]> {
  const log = opts.log ?? ((l: string) => process.stderr.write(`${l}\n`));
  const hosts = opts.quick ? 10 : 200;
  const snapshots = opts.quick ? 120 : 1440;
  const tree =
    process.env.IBSR_BENCH_FLEET_DIR ?? join(HERE, "data", opts.quick ? "fleet-tree-quick" : "fleet-tree");
  if (!existsSync(join(tree, ".complete"))) {
    log(`bench fleet: generating ${hosts} hosts x ${snapshots} snapshots in ${tree} (once)`);
    generateFleetTree(tree, { hosts, snapshots, start: START, log });
  }
  const [files, rows] = readFileSync(join(tree, ".complete"), "utf8").trim().split(" ").map(Number);
  const out = join(tree, "..", "fleet-bench-out");
  const cases: { name: string; args: string[] }[] = [
    { name: `whole tree (${files} files, ${rows} rows)`, args: [] },
    {
      name: "--host fleet-000,fleet-001 --since -2h",
      args: ["--host", "fleet-000,fleet-001", "--since", "-2h"],
    },
  ];
  const rowsOut: BenchRow[] = [];
  for (const c of cases) {
    log(`bench fleet: ${c.name}`);
    const r = runOnce(tree, out, c.args);
    const detail = `${r.listed} files listed, ${r.opened} footers read, ${r.snapshots} snapshots, ${r.rows} rows; verdict ${r.verdict}`;
    log(`bench fleet: ${c.name}: ${r.sec} s, ${r.rssMb.toFixed(0)} MB; ${detail}`);
    const one = (name: string, unit: string, v: number): BenchRow => ({
      suite: "fleet",
      name,
      unit,
      median: v,
      min: v,
      max: v,
      runs: 1,
      note: detail,
    });
    rowsOut.push(one(`${c.name}: wall time`, "s", r.sec), one(`${c.name}: peak RSS`, "MB", r.rssMb));
  }
  rmSync(out, { recursive: true, force: true });
  return rowsOut;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const rows = await runFleetBench({ quick: process.argv.includes("--quick") });
  for (const r of rows) console.log(`${r.name}: ${r.median} ${r.unit} (${r.note})`);
}
