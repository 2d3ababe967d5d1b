import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { DuckDBInstance } from "@duckdb/node-api";
import { COMPACTED_FILE_NAME, COMPACTED_META_KEY, META_KEYS, parseCompactedMembers } from "@ibsr/contract";
import { DEFAULT_CONFIG } from "../config.js";
import { renderExplainJson } from "../explain/render-json.js";
import { DIALECTS } from "../heavy/dialects.js";
import { heavySql } from "../heavy/heavy-sql.js";
import { withDuckDB } from "../ingest/duckdb.js";
import { quoteLiteral } from "../ingest/sql.js";
import { renderSummaryJson } from "../render/json.js";
import {
  DEFAULT_RUN_OPTIONS,
  explainOn,
  generateFleetTree,
  reportOn,
  rewriteParquet,
  steady,
  writeParquetRun,
  writeSidecar,
} from "../testing/index.js";
import { compactTree } from "./compact-tree.js";

/** Each run starts one interval before 2026-12-03T00:00Z: every snapshot is on that day. */
const START = Date.UTC(2026, 11, 2, 23, 59) / 1000;
const DAY = "date=2026-12-03";
/** A wall clock after the tree's day, so it is not "today". */
const LATER = Date.UTC(2026, 11, 5);
const quiet = { host: null, includeToday: false, removeSources: false, log: () => {}, nowMs: LATER };

let root: string;
let pristine: string;
before(() => {
  root = mkdtempSync(join(tmpdir(), "ibsr-compact-"));
  pristine = join(root, "pristine");
  // Host 0 has a flooding source (fleet-tree.ts), so the reports have rules, blocks and episodes to compare.
  generateFleetTree(pristine, { hosts: 3, snapshots: 40, start: START });
});
after(() => rmSync(root, { recursive: true, force: true }));

/** A fresh copy of the generated tree under `name` (glob characters allowed). */
function copyTree(name: string): string {
  const d = join(root, name);
  cpSync(pristine, d, { recursive: true });
  return d;
}

/**
 * summary.json without what counts files (a compacted tree has fewer files, by design) and the input path
 * (each test's copy has its own), as an object.
 */
async function summaryOf(tree: string, opts: Parameters<typeof reportOn>[1] = {}) {
  const doc = JSON.parse(renderSummaryJson((await reportOn(tree, opts)).model)) as {
    input: Record<string, unknown>;
    sources: unknown[];
  };
  for (const k of ["paths", "files", "parquet_files", "files_listed", "footers_read"]) delete doc.input[k];
  return doc;
}

/** The heavy pass's SQL for `engine` over `tree` with its sidecar. */
function heavySqlOver(engine: "duckdb" | "clickhouse", tree: string, catalog: string): string {
  const d = DIALECTS[engine];
  return heavySql(d, {
    ...DEFAULT_RUN_OPTIONS,
    rows: d.rowsFrom(tree),
    catalog: d.catalogFrom(catalog),
    cfg: DEFAULT_CONFIG,
  });
}

const snapshotFiles = (dir: string) => readdirSync(dir).filter((n) => n.startsWith("ibsr-eth0-"));

describe("ibsr-report compact", () => {
  test("a compacted tree reports the same as the original, also with --host and --since", async () => {
    const plain = copyTree("plain");
    const packed = copyTree("packed");
    const res = await compactTree([packed], quiet);
    assert.equal(res.compacted, 3);
    assert.equal(res.merged, 120);
    const dayDir = join(packed, "host=fleet-000", DAY);
    assert.ok(existsSync(join(dayDir, COMPACTED_FILE_NAME)));
    assert.equal(snapshotFiles(dayDir).length, 40, "originals stay by default");
    const a = await summaryOf(plain);
    assert.ok(a.sources.length > 0, "the tree has something to compare");
    assert.deepEqual(await summaryOf(packed), a);
    const w = { host: "fleet-000,fleet-002", since: { kind: "rel", offsetSec: -600 } } as const;
    assert.deepEqual(await summaryOf(packed, w), await summaryOf(plain, w));
    // Pruned by folder: only the two hosts' compacted footers are opened (each lists its snapshots' times).
    const d = (await reportOn(packed, w)).model.scope.discovery;
    assert.deepEqual([d.listed, d.opened], [2, 2]);
    // explain reads the same rows from a compacted file.
    const explain = async (tree: string) =>
      renderExplainJson(await explainOn("10.0.0.1", tree, { host: "fleet-000" }));
    const ea = await explain(plain);
    assert.match(ea, /"decision":\s*"block"/);
    assert.equal(await explain(packed), ea);
    // With the originals removed, the compacted files alone give the same report too.
    const bare = copyTree("bare");
    const r2 = await compactTree([bare], { ...quiet, removeSources: true });
    assert.equal(r2.removed, 120);
    assert.deepEqual(snapshotFiles(join(bare, "host=fleet-001", DAY)), []);
    assert.deepEqual(await summaryOf(bare), a);
  });

  test("a mixed tree (one host compacted, files added after compaction) counts every snapshot once", async () => {
    const plain = copyTree("plain-mixed");
    const mixed = copyTree("mixed");
    // Compacted from the first 30 snapshots only; the last 10 arrive afterwards.
    const dayDir = join(mixed, "host=fleet-000", DAY);
    const late = snapshotFiles(dayDir).slice(30);
    const aside = join(root, "aside");
    mkdirSync(aside);
    for (const n of late) cpSync(join(dayDir, n), join(aside, n));
    for (const n of late) rmSync(join(dayDir, n));
    await compactTree([mixed], { ...quiet, host: "fleet-000" });
    for (const n of late) cpSync(join(aside, n), join(dayDir, n));
    const s = await summaryOf(mixed);
    assert.deepEqual(s, await summaryOf(plain));
    // The next run merges the late files into the compacted file, and then has nothing left to do.
    const again = await compactTree([mixed], { ...quiet, host: "fleet-000" });
    assert.equal(again.merged, 10);
    const mtime = statSync(join(dayDir, COMPACTED_FILE_NAME)).mtimeMs;
    const third = await compactTree([mixed], { ...quiet, host: "fleet-000" });
    assert.deepEqual([third.compacted, third.upToDate, third.merged], [0, 1, 0]);
    assert.equal(
      statSync(join(dayDir, COMPACTED_FILE_NAME)).mtimeMs,
      mtime,
      "an up-to-date folder is not rewritten",
    );
    assert.deepEqual(await summaryOf(mixed), s);
  });

  test("merged short intervals, a failed write, a gap, bursts and partial window edges report the same", async () => {
    const t = join(root, "irregular");
    const base = START;
    // A source bursting every fifth minute (hot there, quiet between: pass 2 reads its quiet intervals inside
    // a block), steady clients, and an IPv6 prefix; one short (merged) interval, one failed write, one gap.
    const traffic = (i: number) => [
      {
        src: "198.18.0.7",
        port: 443,
        syn: i % 5 === 0 ? 9000 : 3,
        packets: i % 5 === 0 ? 9000 : 3,
        bytes: 180 * (i % 5 === 0 ? 9000 : 3),
      },
      { src: "198.18.1.1", port: 443, syn: 4, ack: 40, handshake_ack: 4, packets: 44, bytes: 40_000 },
      {
        src: "2001:2:0:9::/64",
        port: 443,
        syn: 2 + (i % 3),
        ack: 20,
        handshake_ack: 2,
        packets: 24,
        bytes: 9_000,
      },
    ];
    const snaps = steady(base, 60, 40, traffic);
    snaps.splice(12, 0, { ts: snaps[11]!.ts + 4, traffic: traffic(100) });
    snaps[20]!.writeFailed = true;
    snaps[30]!.missing = true;
    writeParquetRun(t, {
      host: "irr",
      iface: "eth0",
      runId: "20261202T235900Z00aa",
      baseTs: base,
      intervalSec: 60,
      snapshots: snaps,
    });
    writeParquetRun(t, {
      host: "irr",
      iface: "eth1",
      runId: "20261202T235900Z00bb",
      baseTs: base,
      intervalSec: 60,
      snapshots: steady(base, 60, 40, (i) => traffic(i + 2)),
    });
    const plain = join(root, "irregular-plain");
    cpSync(t, plain, { recursive: true });
    const r = await compactTree([t], quiet);
    assert.deepEqual([r.compacted, r.refused, r.skipped], [1, 0, 0]);
    const a = await summaryOf(plain);
    assert.ok(a.sources.length > 0);
    assert.deepEqual(await summaryOf(t), a);
    const w = {
      since: { kind: "abs", t: base + 60 * 7 + 17 },
      until: { kind: "abs", t: base + 60 * 33 + 41 },
    } as const;
    assert.deepEqual(await summaryOf(t, w), await summaryOf(plain, w));
  });

  test("a date folder given directly (outside the layout) reads its compacted file once too", async () => {
    const t = copyTree("flat");
    const dayDir = join(t, "host=fleet-000", DAY);
    const before = await summaryOf(dayDir);
    await compactTree([t], { ...quiet, host: "fleet-000" });
    assert.ok(existsSync(join(dayDir, COMPACTED_FILE_NAME)));
    assert.deepEqual(await summaryOf(dayDir), before);
  });

  test("the heavy pass as SQL over a compacted tree (catalog sidecar, --candidates) gives the same report", async () => {
    const plain = copyTree("sql-plain");
    const t = copyTree("sql-packed");
    await compactTree([t], { ...quiet, removeSources: true });
    const catalog = join(root, "sql-catalog.parquet");
    const candidates = join(root, "sql-candidates.parquet");
    assert.equal(await writeSidecar(t, catalog), 120, "one sidecar row per snapshot");
    await withDuckDB({ threads: 1 }, (c) =>
      c.run(`COPY (${heavySqlOver("duckdb", t, catalog)}) TO ${quoteLiteral(candidates)} (FORMAT parquet)`),
    );
    const a = await summaryOf(plain);
    assert.deepEqual(await summaryOf(t, { candidates }), a);
    // The footer facts of every member from the sidecar instead (no compacted footer opened): the same report.
    assert.deepEqual(await summaryOf(t, { candidates, catalog }), a);
  });

  test("the heavy pass as SQL with the originals kept beside a compacted file: DuckDB and ClickHouse count each snapshot once", async () => {
    const plain = copyTree("sql-both-plain");
    const t = copyTree("sql-both");
    // One host compacted with its originals kept, the others not compacted: both kinds of folder in one tree.
    await compactTree([t], { ...quiet, host: "fleet-000" });
    const day0 = join(t, "host=fleet-000", DAY);
    assert.ok(existsSync(join(day0, COMPACTED_FILE_NAME)));
    assert.equal(snapshotFiles(day0).length, 40, "the originals are still there");
    const catalog = join(root, "sql-both-catalog.parquet");
    assert.equal(await writeSidecar(t, catalog), 120, "each snapshot once in the sidecar");
    const duck = join(root, "sql-both-duckdb.parquet");
    await withDuckDB({ threads: 1 }, (c) =>
      c.run(`COPY (${heavySqlOver("duckdb", t, catalog)}) TO ${quoteLiteral(duck)} (FORMAT parquet)`),
    );
    const ch = join(root, "sql-both-clickhouse.csv");
    const { query } = await import("chdb");
    writeFileSync(ch, query(heavySqlOver("clickhouse", t, catalog), "CSVWithNames"));
    const a = await summaryOf(plain);
    assert.ok(a.sources.length > 0);
    assert.deepEqual(await summaryOf(t, { candidates: duck }), a);
    assert.deepEqual(await summaryOf(t, { candidates: ch }), a);
  });

  test("a folder mixing schema versions is refused as a whole, naming both", async () => {
    const t = copyTree("versions");
    const d = join(t, "host=fleet-002", DAY);
    const f = join(d, snapshotFiles(d)[3]!);
    const inst = await DuckDBInstance.create(":memory:");
    const c = await inst.connect();
    try {
      const kv = (
        await c.runAndReadAll(`SELECT decode(key) AS k, decode(value) AS v FROM parquet_kv_metadata('${f}')`)
      ).getRowObjectsJS() as { k: string; v: string }[];
      const meta = kv
        .filter((r) => r.k.startsWith("ibsr."))
        .map((r) => `'${r.k}': '${r.k === META_KEYS.schemaVersion ? "2" : r.v}'`)
        .join(", ");
      await c.run(`COPY (SELECT * FROM '${f}') TO '${f}.v2' (FORMAT parquet, KV_METADATA {${meta}})`);
    } finally {
      c.closeSync();
      inst.closeSync();
    }
    renameSync(`${f}.v2`, f);
    const logs: string[] = [];
    const r = await compactTree([t], {
      ...quiet,
      host: "fleet-002",
      removeSources: true,
      log: (l) => logs.push(l),
    });
    assert.equal(r.refused, 1);
    assert.ok(
      logs.some(
        (l) => l.includes("different schema versions") && l.includes(`2 in ${f}`) && l.includes("1 in "),
      ),
      logs.join("\n"),
    );
    assert.equal(snapshotFiles(d).length, 40);
    assert.ok(!existsSync(join(d, COMPACTED_FILE_NAME)));
  });

  test("a folder another compact holds is left alone; a lock of a process that is gone is taken over", async () => {
    const t = copyTree("locked");
    const d0 = join(t, "host=fleet-000", DAY);
    const d1 = join(t, "host=fleet-001", DAY);
    writeFileSync(join(d0, ".ibsr-compact.lock"), `${process.pid}\n`);
    const gone = spawnSync("true").pid;
    writeFileSync(join(d1, ".ibsr-compact.lock"), `${gone}\n`);
    const logs: string[] = [];
    const r = await compactTree([t], { ...quiet, log: (l) => logs.push(l) });
    assert.deepEqual([r.refused, r.compacted], [1, 2]);
    assert.ok(
      logs.some((l) => l.startsWith(`${d0}: refused`) && l.includes(`pid ${process.pid}`)),
      logs.join("\n"),
    );
    assert.ok(!existsSync(join(d0, COMPACTED_FILE_NAME)));
    assert.ok(existsSync(join(d1, COMPACTED_FILE_NAME)));
    assert.ok(!existsSync(join(d1, ".ibsr-compact.lock")), "the lock is released");
  });

  test("the compacted footer keeps every snapshot's facts, and its rows equal the inputs'", async () => {
    const t = copyTree("facts");
    await compactTree([t], { ...quiet, host: "fleet-001" });
    const dayDir = join(t, "host=fleet-001", DAY);
    const inst = await DuckDBInstance.create(":memory:");
    const c = await inst.connect();
    try {
      const kv = (
        await c.runAndReadAll(
          `SELECT decode(value) AS v FROM parquet_kv_metadata('${dayDir}/${COMPACTED_FILE_NAME}') WHERE decode(key) = '${COMPACTED_META_KEY}'`,
        )
      ).getRowObjectsJS() as { v: string }[];
      const members = parseCompactedMembers(kv[0]!.v);
      assert.equal(members.length, 40);
      const orig = (
        await c.runAndReadAll(
          `SELECT file_name AS f, decode(key) AS k, decode(value) AS v FROM parquet_kv_metadata('${dayDir}/ibsr-eth0-*.parquet') WHERE decode(key) LIKE 'ibsr.%'`,
        )
      ).getRowObjectsJS() as { f: string; k: string; v: string }[];
      for (const r of orig) {
        const m = members.find((x) => r.f.endsWith(`/${x.source}`));
        assert.equal(m?.kv[r.k], r.v, `${r.f} ${r.k}`);
      }
      const diff = (
        await c.runAndReadAll(
          `SELECT count(*) AS n FROM (
             (SELECT * FROM read_parquet('${dayDir}/ibsr-eth0-*.parquet') EXCEPT ALL SELECT * FROM read_parquet('${dayDir}/${COMPACTED_FILE_NAME}'))
             UNION ALL
             (SELECT * FROM read_parquet('${dayDir}/${COMPACTED_FILE_NAME}') EXCEPT ALL SELECT * FROM read_parquet('${dayDir}/ibsr-eth0-*.parquet')))`,
        )
      ).getRowObjectsJS() as { n: bigint }[];
      assert.equal(diff[0]!.n, 0n);
    } finally {
      c.closeSync();
      inst.closeSync();
    }
  });

  test("today is left alone unless asked; an unreadable file is named and kept; mixed columns are refused", async () => {
    const t = copyTree("hostile [a]*");
    const today = await compactTree([t], { ...quiet, nowMs: Date.UTC(2026, 11, 3, 12) });
    assert.deepEqual([today.today, today.compacted], [3, 0]);
    const d0 = join(t, "host=fleet-000", DAY);
    const bad = join(d0, snapshotFiles(d0)[5]!);
    writeFileSync(bad, "not parquet");
    const d1 = join(t, "host=fleet-001", DAY);
    await rewriteParquet(join(d1, snapshotFiles(d1)[7]!), "* EXCLUDE (first_seen_mono_ns)");
    const logs: string[] = [];
    const r = await compactTree([t], { ...quiet, removeSources: true, log: (l) => logs.push(l) });
    assert.equal(r.skipped, 1);
    assert.ok(
      logs.some((l) => l.startsWith(`${bad}: left out`)),
      logs.join("\n"),
    );
    assert.ok(existsSync(bad), "an unreadable file is not removed");
    assert.deepEqual(snapshotFiles(d0), [bad.slice(d0.length + 1)]);
    assert.equal(r.refused, 1);
    assert.ok(
      logs.some((l) => l.startsWith(`${d1}: refused`) && l.includes("different columns")),
      logs.join("\n"),
    );
    assert.equal(snapshotFiles(d1).length, 40, "a refused folder keeps every file");
    assert.ok(!existsSync(join(d1, COMPACTED_FILE_NAME)));
    assert.ok(existsSync(join(t, "host=fleet-002", DAY, COMPACTED_FILE_NAME)));
    assert.ok(!readdirSync(d0).some((n) => n.startsWith(".")), "no temp file is left behind");
  });
});
