// The heavy pass printed as SQL: run by DuckDB and by ClickHouse (chdb, the embedded engine) over the same
// snapshot files, the candidate rows agree row for row, and `--candidates` from either output gives the same
// summary.json as the in-process run. Trino cannot run here: its text is checked for the features it uses.
import assert from "node:assert/strict";
import { copyFileSync, mkdtempSync, readdirSync, rmSync, truncateSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { DEFAULT_CONFIG } from "../config.js";
import { discoverSnapshots } from "../engine.js";
import { queryRows, withDuckDB } from "../ingest/duckdb.js";
import { quoteLiteral } from "../ingest/sql.js";
import { renderSummaryJson } from "../render/json.js";
import { rewriteParquet } from "../testing/mutate-parquet.js";
import { reportOn, writeSidecar } from "../testing/run-report.js";
import { steady, writeJsonlRun, writeParquetRun } from "../testing/snapshots.js";
import { quietBackground, starvedSynFlood } from "../testing/traffic.js";
import { trinoProblems } from "../testing/trino-check.js";
import { parseTimeSpec } from "../timespec.js";
import { DIALECTS, type EngineName } from "./dialects.js";
import { CANDIDATE_COLUMNS, type HeavySqlOptions, heavySql } from "./heavy-sql.js";

const BASE = 1_700_000_000;
const root = mkdtempSync(join(tmpdir(), "ibsr-heavy-sql-"));
after(() => rmSync(root, { recursive: true, force: true }));
const snaps = join(root, "snaps");
const catalog = join(root, "catalog.parquet");

/** Two hosts; a SYN flood on one, a volumetric source on the other, a short merged interval (the invalid row: before()). */
function writeScenario(): void {
  const volumetric = {
    src: "2001:2:0:5::/64",
    port: 80,
    syn: 20_000,
    handshake_ack: 19_000,
    ack: 500_000,
    packets: 900_000,
    bytes: 900_000_000,
  };
  writeParquetRun(join(snaps, "host=a"), {
    host: "a",
    baseTs: BASE,
    intervalSec: 60,
    snapshots: steady(BASE, 60, 30, (i) => [
      ...quietBackground(),
      ...(i >= 10 && i < 14 ? [starvedSynFlood("198.18.7.7", 443)] : []),
    ]),
  });
  const bSnaps = steady(BASE + 7, 60, 30, (i) => [
    ...quietBackground(),
    ...(i >= 20 && i < 22 ? [volumetric] : []),
  ]);
  // A snapshot 4 s after another: a short interval merged with the next (rows summed per key before judging).
  bSnaps.splice(21, 0, { ts: bSnaps[20]!.ts + 4, traffic: [...quietBackground(), volumetric] });
  writeParquetRun(join(snaps, "host=b"), {
    host: "b",
    baseTs: BASE + 7,
    intervalSec: 60,
    snapshots: bSnaps,
  });
}

const ENGINE_OPTS = { memoryLimit: "1GB", threads: 1 };

function sqlFor(engine: EngineName, extra: Partial<HeavySqlOptions> = {}): string {
  const d = DIALECTS[engine];
  return heavySql(d, {
    rows: d.rowsFrom(snaps),
    catalog: d.catalogFrom(catalog),
    cfg: DEFAULT_CONFIG,
    since: null,
    until: null,
    now: null,
    host: null,
    ports: null,
    ...extra,
  });
}

async function runDuckDb(sql: string, out: string): Promise<void> {
  await withDuckDB(ENGINE_OPTS, async (c) => {
    await c.run(
      `COPY (${sql}) TO ${quoteLiteral(out)} (FORMAT ${out.endsWith(".csv") ? "csv, HEADER" : "parquet"})`,
    );
  });
}

async function runChdb(sql: string, out: string): Promise<void> {
  const { query } = await import("chdb");
  const body = query(sql, "CSVWithNames");
  writeFileSync(out, body);
}

/** The rows of a candidates file as sorted text lines (doubles to 12 significant digits for the comparison). */
async function linesOf(file: string): Promise<string[]> {
  return withDuckDB(ENGINE_OPTS, async (c) => {
    const src = file.endsWith(".csv")
      ? `read_csv(${quoteLiteral(file)}, header = true, all_varchar = true, nullstr = ['', '\\N'])`
      : `read_parquet(${quoteLiteral(file)})`;
    const rows = await queryRows<Record<string, unknown>>(
      c,
      `SELECT ${CANDIDATE_COLUMNS.map(([n, t]) => `CAST(CAST(${n} AS ${t}) AS VARCHAR) AS ${n}`).join(", ")} FROM ${src}`,
    );
    return rows.map((r) => JSON.stringify(r)).sort();
  });
}

const summaryOf = async (opts: Parameters<typeof reportOn>[1] = {}) =>
  renderSummaryJson((await reportOn(snaps, { now: null, ...opts })).model);

describe("the heavy pass as SQL", () => {
  before(async () => {
    writeScenario();
    // One invalid row (a negative delta) in a quiet snapshot of host a: counted per snapshot, not summed.
    const files = readdirSync(join(snaps, "host=a"), { recursive: true })
      .map(String)
      .filter((f) => f.endsWith(".parquet"))
      .sort();
    await rewriteParquet(
      join(snaps, "host=a", files[5]!),
      "* REPLACE (CASE WHEN syn_delta = (SELECT max(syn_delta) FROM t) THEN -1 ELSE syn_delta END AS syn_delta)",
    );
    // A flood snapshot of host b copied under another name beside itself: the reader keeps one of the two, and
    // the query must read the same one (rows join the sidecar by file name).
    const bFiles = readdirSync(join(snaps, "host=b"), { recursive: true })
      .map(String)
      .filter((f) => f.endsWith(".parquet"))
      .sort();
    const hot = join(snaps, "host=b", bFiles[22]!);
    copyFileSync(hot, hot.replace(/\.parquet$/, "-copy.parquet"));
    await writeSidecar(snaps, catalog);
  });

  test("DuckDB's output through --candidates gives the in-process summary.json byte for byte", async () => {
    const out = join(root, "duck.parquet");
    await runDuckDb(sqlFor("duckdb"), out);
    const inProcess = await summaryOf();
    assert.match(inProcess, /198\.18\.7\.7/, "the scenario has a blocked source");
    assert.equal(await summaryOf({ candidates: out }), inProcess);
  });

  test("with a window, a host and ports: still the same summary.json", async () => {
    const opts = {
      since: parseTimeSpec("-20m", "--since"),
      until: parseTimeSpec(String(BASE + 29 * 60 + 10), "--until"),
      host: "a",
      ports: [443, 80],
    };
    const out = join(root, "duck-window.csv");
    await runDuckDb(sqlFor("duckdb", opts), out);
    assert.equal(await summaryOf({ ...opts, candidates: out }), await summaryOf(opts));
  });

  test("ClickHouse (chdb) over the same files: the same rows as DuckDB, and the same summary.json", async () => {
    const duck = join(root, "duck-cmp.csv");
    const ch = join(root, "ch.csv");
    await runDuckDb(sqlFor("duckdb"), duck);
    await runChdb(sqlFor("clickhouse"), ch);
    const [a, b] = [await linesOf(duck), await linesOf(ch)];
    assert.ok(
      a.some((l) => l.includes('"kind":"row"')),
      "there are candidate rows",
    );
    assert.ok(
      a.some((l) => l.includes('"kind":"host_key"')),
      "two hosts: each host's keys (its own FP sample size)",
    );
    assert.ok(
      a.some((l) => l.includes('"kind":"invalid"')),
      "invalid rows counted per snapshot",
    );
    const merged = await withDuckDB(ENGINE_OPTS, (c) =>
      queryRows<{ n: bigint }>(
        c,
        `SELECT count(*) AS n FROM (SELECT 1 FROM read_parquet(${quoteLiteral(catalog)}) WHERE iv_seq IS NOT NULL GROUP BY host, iface, run_id, iv_seq HAVING count(*) > 1)`,
      ),
    );
    assert.ok(Number(merged[0]!.n) > 0, "an interval of several snapshots (summed per key before judging)");
    assert.deepEqual(b, a);
    assert.equal(await summaryOf({ candidates: ch }), await summaryOf());
  });

  // Last: it empties the snapshot files.
  test("--candidates with --catalog opens no snapshot file: the same summary.json, footers_read 0", async () => {
    const out = join(root, "duck-sidecar.parquet");
    await runDuckDb(sqlFor("duckdb"), out);
    const inProcess = await summaryOf();
    const opened = (j: string) => (JSON.parse(j) as { input: { footers_read: number } }).input.footers_read;
    assert.ok(opened(inProcess) > 0);
    const win = {
      since: parseTimeSpec("-20m", "--since"),
      host: "a",
      ports: [443, 80],
    };
    const outWin = join(root, "duck-sidecar-window.csv");
    await runDuckDb(sqlFor("duckdb", win), outWin);
    const inProcessWin = await summaryOf(win);
    // Every snapshot file emptied: a report that opened one would skip it and differ.
    for (const f of discoverSnapshots([snaps]).hiveDays.flatMap((d) =>
      readdirSync(d.dir).map((n) => join(d.dir, n)),
    ))
      truncateSync(f, 0);
    const fromSidecar = await summaryOf({ candidates: out, catalog });
    assert.equal(opened(fromSidecar), 0);
    const footersRead = /"footers_read": \d+/;
    assert.equal(fromSidecar.replace(footersRead, ""), inProcess.replace(footersRead, ""));
    assert.equal(
      (await summaryOf({ ...win, candidates: outWin, catalog })).replace(footersRead, ""),
      inProcessWin.replace(footersRead, ""),
    );
    await assert.rejects(summaryOf(), /no usable snapshot|not a readable Parquet/);
  });

  test("the Trino text uses only the features Trino has", () => {
    const sql = heavySql(DIALECTS.trino, {
      rows: "hive.ibsr.snapshots",
      catalog: "hive.ibsr.snapshot_catalog",
      cfg: DEFAULT_CONFIG,
      since: parseTimeSpec("-2h", "--since"),
      until: null,
      now: null,
      host: "edge-1",
      ports: [443],
    });
    assert.deepEqual(trinoProblems(sql), []);
    // The check can fail: DuckDB's text has DuckDB-only spellings.
    assert.notDeepEqual(trinoProblems(sqlFor("duckdb")), []);
  });
});

describe("--candidates on reference-collector JSONL", () => {
  test("is refused naming the file and saying what to do, with or without --catalog", async () => {
    const d = join(root, "jsonl");
    writeJsonlRun(d, {
      host: "j",
      baseTs: BASE,
      intervalSec: 60,
      snapshots: steady(BASE, 60, 5, () => quietBackground()),
    });
    const missing = join(root, "never-read.parquet");
    for (const extra of [{}, { catalog: missing }])
      await assert.rejects(
        reportOn(d, { now: null, candidates: missing, ...extra }),
        (e: Error) =>
          /reference-collector JSONL \(.*\.jsonl\)/.test(e.message) && /without --candidates/.test(e.message),
      );
  });
});
