// Issue 11 item 8: one snapshot with as many keys as --map-size allows. The reporter's JS memory must not grow
// with the key count (every key's figures stay in DuckDB; only candidates come to JS), and evidence.parquet
// holds every key in key order.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { after, test } from "node:test";
import { fileURLToPath } from "node:url";
import { DuckDBInstance } from "@duckdb/node-api";
import { generateParquetLarge } from "@ibsr/report/testing";

const here = dirname(fileURLToPath(import.meta.url));
const cli = join(here, "../packages/report/src/cli.ts");
const root = mkdtempSync(join(tmpdir(), "ibsr-report-scale-"));
after(() => rmSync(root, { recursive: true, force: true }));

/** Keys in the big snapshot: one object per key in JS took about 2.5 KB each (1.4 GB RSS at 250 000). */
const KEYS = 200_000;
/** V8 old-space limit for the CLI: ample for the candidates (1 %), far below one JS object per key. */
const HEAP_MB = 192;

test(`one snapshot of ${KEYS} keys: reported under a ${HEAP_MB} MB JS heap, evidence.parquet complete and in key order`, async () => {
  const data = join(root, "snaps");
  const out = join(root, "out");
  generateParquetLarge(data, KEYS);
  const r = spawnSync(
    process.execPath,
    [
      `--max-old-space-size=${HEAP_MB}`,
      "--import",
      import.meta.resolve("tsx"),
      cli,
      data,
      "-o",
      out,
      "-q",
      "--format",
      "json,csv",
      "--threads",
      "2",
    ],
    { encoding: "utf8", timeout: 300_000 },
  );
  assert.equal(r.status, 0, `exit ${r.status}: ${r.stderr.slice(-1500)}`);
  const summary = JSON.parse(readFileSync(join(out, "summary.json"), "utf8")) as {
    sources: unknown[];
  };
  // 1 % of the keys flood: every one is a hot source.
  assert.equal(summary.sources.length, KEYS / 100);

  const db = await DuckDBInstance.create(":memory:");
  const c = await db.connect();
  try {
    const file = join(out, "evidence.parquet").replaceAll("'", "''");
    // The file's own row order against key order (here: IPv4 /32 keys on one port, so address order).
    const res = await c.runAndReadAll(`WITH s AS (
  SELECT file_row_number AS pos, string_split(src, '.') AS b FROM read_parquet('${file}', file_row_number = true)
), o AS (
  SELECT pos, row_number() OVER (ORDER BY b[1]::INTEGER, b[2]::INTEGER, b[3]::INTEGER, b[4]::INTEGER) - 1 AS want FROM s
)
SELECT count(*) AS n, count(*) FILTER (WHERE pos <> want) AS misplaced FROM o`);
    const [row] = res.getRowObjectsJS() as { n: bigint; misplaced: bigint }[];
    // The snapshots around the big one hold 1 000 of its addresses: KEYS keys in all.
    assert.equal(Number(row!.n), KEYS);
    assert.equal(Number(row!.misplaced), 0);
  } finally {
    c.closeSync();
    db.closeSync();
  }
  const csvLines = readFileSync(join(out, "evidence.csv"), "utf8").trimEnd().split("\n");
  assert.equal(csvLines.length, 1 + 10_000);
});
