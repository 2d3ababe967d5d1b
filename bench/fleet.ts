// Fleet-tree benchmark: `ibsr-report` on a fleet's day in the Hive layout, 200 hosts x 1 440 one-minute snapshots
// (288 000 files, 5 to 20 keys each), written once through the collector's encoder and reused:
//   the whole tree (every footer read, every row scanned), and
//   --host fleet-000,fleet-001 --since -2h (discovery prunes by host=/date= folders and file names).
// Wall time and peak RSS from GNU time; files listed, footers read, snapshots and rows from summary.json.
// Then compacted vs uncompacted: a hard-linked copy of the tree is compacted (`ibsr-report compact
// --remove-sources`, timed) and both cases are reported again on it; the snapshots, rows and verdict must match.
//   node --import tsx bench/fleet.ts [--quick]       IBSR_BENCH_FLEET_DIR=<dir> uses (or writes) that tree
//   IBSR_BENCH_FLEET_SIZE=<hosts>x<snapshots> (e.g. 20x144) sets the tree size (default 200x1440, --quick 10x120)
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { generateFleetTree } from "@ibsr/report/testing";
import { type BenchRow, singleRun } from "./lib/stats.js";

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

/** `ibsr-report <args>` under GNU time: stdout, wall seconds and peak RSS (MB). */
function timed(args: readonly string[]): { stdout: string; sec: number; rssMb: number } {
  const r = spawnSync(
    "/usr/bin/time",
    ["-f", "IBSR_TIME %e %M", process.execPath, "--import", "tsx", CLI, ...args],
    {
      encoding: "utf8",
      maxBuffer: 256 * 2 ** 20,
    },
  );
  const m = /IBSR_TIME ([\d.]+) (\d+)/.exec(r.stderr ?? "");
  if (r.status !== 0 || !m)
    throw new Error(`ibsr-report ${args[0]} failed (exit ${r.status}): ${(r.stderr ?? "").slice(-2000)}`);
  return { stdout: r.stdout, sec: Number(m[1]), rssMb: Number(m[2]) / 1024 };
}

/** Tree size: IBSR_BENCH_FLEET_SIZE=<hosts>x<snapshots>, else the full (or --quick) size. */
function treeSize(quick: boolean | undefined): { hosts: number; snapshots: number; custom: boolean } {
  const env = process.env.IBSR_BENCH_FLEET_SIZE;
  if (env !== undefined) {
    const m = /^(\d+)x(\d+)$/.exec(env);
    if (!m || Number(m[1]) < 1 || Number(m[2]) < 2)
      throw new Error(`IBSR_BENCH_FLEET_SIZE=${env}: give <hosts>x<snapshots>, e.g. 20x144`);
    return { hosts: Number(m[1]), snapshots: Number(m[2]), custom: true };
  }
  return quick
    ? { hosts: 10, snapshots: 120, custom: false }
    : { hosts: 200, snapshots: 1440, custom: false };
}

function runOnce(tree: string, out: string, extra: readonly string[]): Measured {
  rmSync(out, { recursive: true, force: true });
  const r = timed([tree, "-o", out, "--json", "--format", "json", ...extra]);
  const doc = JSON.parse(r.stdout) as {
    verdict: { outcome: string };
    input: { files_listed: number; footers_read: number; snapshots: number; rows: number | string };
  };
  return {
    sec: r.sec,
    rssMb: r.rssMb,
    listed: doc.input.files_listed,
    opened: doc.input.footers_read,
    snapshots: doc.input.snapshots,
    rows: Number(doc.input.rows),
    verdict: doc.verdict.outcome,
  };
}

export async function runFleetBench(opts: FleetBenchOptions = {}): Promise<BenchRow[]> {
  const log = opts.log ?? ((l: string) => process.stderr.write(`${l}\n`));
  const { hosts, snapshots, custom } = treeSize(opts.quick);
  const tree =
    process.env.IBSR_BENCH_FLEET_DIR ??
    join(
      HERE,
      "data",
      custom ? `fleet-tree-${hosts}x${snapshots}` : opts.quick ? "fleet-tree-quick" : "fleet-tree",
    );
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
  const one = (name: string, unit: string, v: number, note: string) =>
    singleRun("fleet", name, unit, v, note);
  const plain = new Map<string, Measured>();
  const measure = (root: string, label: string) => {
    for (const c of cases) {
      const name = `${label}${c.name}`;
      log(`bench fleet: ${name}`);
      const r = runOnce(root, out, c.args);
      const detail = `${r.listed} files listed, ${r.opened} footers read, ${r.snapshots} snapshots, ${r.rows} rows; verdict ${r.verdict}`;
      log(`bench fleet: ${name}: ${r.sec} s, ${r.rssMb.toFixed(0)} MB; ${detail}`);
      rowsOut.push(
        one(`${name}: wall time`, "s", r.sec, detail),
        one(`${name}: peak RSS`, "MB", r.rssMb, detail),
      );
      const p = plain.get(c.name);
      if (!p) plain.set(c.name, r);
      else if (p.snapshots !== r.snapshots || p.rows !== r.rows || p.verdict !== r.verdict)
        throw new Error(
          `bench fleet: ${name} differs from the uncompacted tree (${r.snapshots}/${p.snapshots} snapshots, ${r.rows}/${p.rows} rows, ${r.verdict}/${p.verdict})`,
        );
    }
  };
  measure(tree, "");
  // Compacted: a hard-linked copy (no space, the generated tree untouched), its originals removed as an operator
  // syncing to an object store would.
  const packed = join(tree, "..", `${basename(tree)}-compacted`);
  rmSync(packed, { recursive: true, force: true });
  const cp = spawnSync("cp", ["-al", tree, packed], { encoding: "utf8" });
  if (cp.status !== 0) throw new Error(`cp -al ${tree} ${packed}: ${cp.stderr}`);
  log(`bench fleet: compacting ${files} files`);
  const comp = timed(["compact", packed, "--remove-sources"]);
  const packedFiles = countParquet(packed);
  const note = `${files} files -> ${packedFiles} (${comp.stdout.trim()})`;
  log(`bench fleet: compact: ${comp.sec} s, ${comp.rssMb.toFixed(0)} MB; ${note}`);
  rowsOut.push(
    one("compact: wall time", "s", comp.sec, note),
    one("compact: peak RSS", "MB", comp.rssMb, note),
  );
  measure(packed, "compacted: ");
  rmSync(packed, { recursive: true, force: true });
  rmSync(out, { recursive: true, force: true });
  return rowsOut;
}

/** Parquet files under `dir`. */
function countParquet(dir: string): number {
  let n = 0;
  for (const e of readdirSync(dir, { recursive: true, withFileTypes: true }))
    if (e.isFile() && e.name.endsWith(".parquet")) n++;
  return n;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const rows = await runFleetBench({ quick: process.argv.includes("--quick") });
  for (const r of rows) console.log(`${r.name}: ${r.median} ${r.unit} (${r.note})`);
}
