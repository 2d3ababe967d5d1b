// Heavy-pass benchmark: the scan + GROUP BY that `ibsr-report sql` prints, run over the same Parquet day by
// DuckDB (@duckdb/node-api, the reporter's engine settings) and by ClickHouse (chdb, the embedded engine),
// each in its own child process under GNU time (wall time, peak RSS). The candidate rows of both must be
// equal (row count and an order-independent checksum of every row as text), so each engine is shown to do
// the work it is timed on.
//   node --import tsx bench/heavy.ts [--tier SNAPSHOTSxSOURCES]     default 1440x100000 (the 144 M-row day)
// The day is generated once under bench/data/ (the 1440x100000 day is the report bench's busy day, shared).
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { loadavg } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { quoteLiteral } from "../packages/report/src/ingest/sql.js";
import { type BenchRow, singleRun } from "./lib/stats.js";
import { generateParquetDay } from "./report.js";

const HERE = dirname(fileURLToPath(import.meta.url));
const CLI = join(HERE, "..", "packages/report/src/cli.ts");
const RUNNER = join(HERE, "heavy-run.ts");
const DATA = join(HERE, "data");
const ENGINES = ["duckdb", "clickhouse"] as const;
/**
 * chdb has no server profile: the bench adds these to the printed query's SETTINGS so ClickHouse spills its
 * GROUP BY and ORDER BY above 1 GB, as a server's profile would (docs/operate.md). Since the query groups per key
 * and not per key and interval, 60 x 100 000 rows peak at about 600 MB and do not reach them (the query of
 * before: 6.1 GB without, 1.4 GB with).
 */
const CHDB_SPILL =
  "max_bytes_before_external_group_by = 1000000000, max_bytes_before_external_sort = 1000000000";
type Engine = (typeof ENGINES)[number];

export interface HeavyTier {
  snapshots: number;
  sources: number;
}

export const HEAVY_DAY: HeavyTier = { snapshots: 1440, sources: 100_000 };

/** "60x100000" -> { snapshots: 60, sources: 100000 }. */
export function parseHeavyTier(text: string): HeavyTier {
  const m = /^(\d+)x(\d+)$/.exec(text.trim());
  if (!m || Number(m[1]) < 2 || Number(m[2]) < 1)
    throw new Error(`--tier ${text}: give SNAPSHOTSxSOURCES, e.g. 60x100000 (at least 2 snapshots)`);
  return { snapshots: Number(m[1]), sources: Number(m[2]) };
}

function dataDir(t: HeavyTier): string {
  return t.snapshots === HEAVY_DAY.snapshots && t.sources === HEAVY_DAY.sources
    ? join(DATA, "report-day-parquet")
    : join(DATA, `heavy-${t.snapshots}x${t.sources}-parquet`);
}

function cli(args: string[]): string {
  return execFileSync(process.execPath, ["--import", "tsx", CLI, ...args], {
    encoding: "utf8",
    maxBuffer: 64 * 2 ** 20,
  });
}

function timed(engine: Engine, sqlFile: string, out: string): { sec: number; rssMb: number } {
  const r = spawnSync(
    "/usr/bin/time",
    ["-f", "IBSR_TIME %e %M", process.execPath, "--import", "tsx", RUNNER, engine, sqlFile, out],
    { encoding: "utf8", maxBuffer: 64 * 2 ** 20 },
  );
  const m = /IBSR_TIME ([\d.]+) (\d+)/.exec(r.stderr ?? "");
  if (r.status !== 0 || !m)
    throw new Error(`${engine} failed (exit ${r.status}): ${(r.stderr ?? "").slice(-2000)}`);
  return { sec: Number(m[1]), rssMb: Number(m[2]) / 1024 };
}

/** Row count and an order-independent checksum of the candidates file (every column as text, as --candidates reads it). */
async function digest(file: string): Promise<{ rows: number; sum: string; kinds: string }> {
  const { withDuckDB, queryRows } = await import("../packages/report/src/ingest/duckdb.js");
  const { CANDIDATE_COLUMNS } = await import("../packages/report/src/heavy/heavy-sql.js");
  return withDuckDB({}, async (c) => {
    const src = `read_csv(${quoteLiteral(file)}, header = true, all_varchar = true, nullstr = ['', '\\N'])`;
    const text = CANDIDATE_COLUMNS.map(([n, t]) => `coalesce(CAST(CAST(${n} AS ${t}) AS VARCHAR), '')`).join(
      " || '|' || ",
    );
    const [r] = await queryRows<{ n: bigint; s: bigint | null }>(
      c,
      `SELECT count(*) AS n, sum(hash(${text})::HUGEINT) % 18446744073709551557 AS s FROM ${src}`,
    );
    const kinds = await queryRows<{ kind: string; n: bigint }>(
      c,
      `SELECT kind, count(*) AS n FROM ${src} GROUP BY kind ORDER BY kind`,
    );
    return {
      rows: Number(r!.n),
      sum: String(r!.s),
      kinds: kinds.map((k) => `${k.kind} ${k.n}`).join(", "),
    };
  });
}

export async function runHeavyBench(
  opts: { tier?: HeavyTier; log?: (l: string) => void } = {},
): Promise<BenchRow[]> {
  const log = opts.log ?? ((l: string) => process.stderr.write(`${l}\n`));
  const tier = opts.tier ?? HEAVY_DAY;
  const dir = dataDir(tier);
  if (!existsSync(join(dir, ".complete"))) {
    log(`bench heavy: generating ${tier.snapshots} x ${tier.sources} Parquet in ${dir} (once)`);
    generateParquetDay(dir, tier.sources, tier.snapshots, log);
  }
  const work = join(DATA, `heavy-work-${tier.snapshots}x${tier.sources}`);
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  const catalog = join(work, "catalog.parquet");
  cli(["catalog", dir, "-o", catalog]);
  const label = `${tier.snapshots} x ${tier.sources} (${(tier.snapshots * tier.sources).toLocaleString("en")} rows)`;
  const results = new Map<Engine, { sec: number; rssMb: number; rows: number; sum: string; kinds: string }>();
  for (const engine of ENGINES) {
    const printed = cli(["sql", "--engine", engine, "--catalog", catalog, dir]);
    const sql =
      engine === "clickhouse" ? printed.replace(/(\nSETTINGS [^\n]*)/, `$1, ${CHDB_SPILL}`) : printed;
    if (engine === "clickhouse" && !sql.includes(CHDB_SPILL))
      throw new Error("bench heavy: the ClickHouse query has no SETTINGS line to extend");
    const sqlFile = join(work, `${engine}.sql`);
    writeFileSync(sqlFile, sql);
    log(`bench heavy: ${engine}: ${sqlFile} (${sql.length} characters; ibsr-report sql --engine ${engine})`);
    const out = join(work, `${engine}.csv`);
    const load = loadavg()[0]!.toFixed(2);
    const t = timed(engine, sqlFile, out);
    const d = await digest(out);
    log(
      `bench heavy: ${engine} on ${label}: ${t.sec} s, ${t.rssMb.toFixed(0)} MB; ${d.rows} candidate rows (${d.kinds}); checksum ${d.sum}; load ${load}`,
    );
    results.set(engine, { ...t, ...d, load } as never);
  }
  const duck = results.get("duckdb")!;
  const ch = results.get("clickhouse")!;
  if (duck.rows !== ch.rows || duck.sum !== ch.sum)
    throw new Error(
      `the engines' candidate rows differ: DuckDB ${duck.rows} rows (checksum ${duck.sum}), ClickHouse ${ch.rows} rows (checksum ${ch.sum}); files in ${work}`,
    );
  rmSync(work, { recursive: true, force: true });
  const rows: BenchRow[] = [];
  for (const engine of ENGINES) {
    const r = results.get(engine)! as typeof duck & { load: string };
    const note = `${r.rows} candidate rows, equal in both engines (checksum); load average ${r.load} at start`;
    const engineName =
      engine === "duckdb" ? "DuckDB (@duckdb/node-api)" : "ClickHouse (chdb 3.4.0, spilling above 1 GB)";
    const one = (name: string, unit: string, v: number) =>
      singleRun("heavy", `${name}, ${engineName}, ${label}`, unit, v, note);
    rows.push(one("heavy pass: wall time", "s", r.sec), one("heavy pass: peak RSS", "MB", r.rssMb));
  }
  return rows;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const i = process.argv.indexOf("--tier");
  const tier = i > 0 ? parseHeavyTier(process.argv[i + 1] ?? "") : undefined;
  for (const r of await runHeavyBench({ tier })) console.log(`${r.name}: ${r.median} ${r.unit} (${r.note})`);
}
