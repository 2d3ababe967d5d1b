// The scan in file batches (many small files: a fleet's day) gives exactly the report of the one direct scan:
// plain and merged intervals, invalid rows, pass 2 over the candidates' intervals, a --dst-ports filter.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { DuckDBInstance } from "@duckdb/node-api";
import { renderSummaryJson } from "../render/json.js";
import { rewriteParquet } from "../testing/mutate-parquet.js";
import { reportOn, type TestReportOptions } from "../testing/run-report.js";
import { steady, writeParquetRun } from "../testing/snapshots.js";
import { quietBackground, starvedSynFlood } from "../testing/traffic.js";
import { quoteLiteral } from "./sql.js";

const BASE = 1_700_000_000;
const root = mkdtempSync(join(tmpdir(), "ibsr-scan-batches-"));
after(() => rmSync(root, { recursive: true, force: true }));

const flood = starvedSynFlood("198.18.7.7", 443);

async function writeScenario(): Promise<void> {
  const a = steady(BASE, 60, 30, (i) => [...quietBackground(), ...(i >= 10 && i < 14 ? [flood] : [])]);
  // A short final snapshot: merged into the last interval (the merged-file path of the scan).
  a.push({ ts: BASE + 30 * 60 + 5, traffic: [...quietBackground(), flood] });
  const files = writeParquetRun(join(root, "host=a"), {
    host: "a",
    baseTs: BASE,
    intervalSec: 60,
    snapshots: a,
  });
  await rewriteParquet(
    files[files.length - 1]!,
    `SELECT * FROM t UNION ALL (SELECT * REPLACE (-5::BIGINT AS packets_delta) FROM t LIMIT 1)`,
  );
  writeParquetRun(join(root, "host=b"), {
    host: "b",
    baseTs: BASE + 7,
    intervalSec: 60,
    snapshots: steady(BASE + 7, 60, 30, (i) => [
      ...quietBackground(),
      ...(i >= 20 && i < 23 ? [{ ...flood, src: "198.18.9.9", port: 80 }] : []),
    ]),
  });
}

type Totals = { packets: bigint; bytes: bigint; syn: bigint; ports: bigint };

/** Straight from the files: the deltas of every valid row (the one invalid row is the negative one). */
async function validDeltaTotals(): Promise<Totals> {
  const inst = await DuckDBInstance.create(":memory:");
  const c = await inst.connect();
  try {
    const rows = (
      await c.runAndReadAll(
        `SELECT sum(packets_delta)::BIGINT AS packets, sum(bytes_delta)::BIGINT AS bytes, sum(syn_delta)::BIGINT AS syn,
          count(DISTINCT dst_port) AS ports
        FROM read_parquet(${quoteLiteral(join(root, "**", "*.parquet"))}) WHERE packets_delta >= 0`,
      )
    ).getRowObjects() as Totals[];
    return rows[0]!;
  } finally {
    c.closeSync();
    inst.closeSync();
  }
}

const summary = async (opts: TestReportOptions) =>
  renderSummaryJson((await reportOn(root, { now: null, ...opts })).model);

describe("the scan in file batches", () => {
  before(writeScenario);

  for (const batch of [1, 7]) {
    test(`${batch} file(s) a batch: the same summary.json as one scan`, async () => {
      const direct = await summary({});
      assert.match(direct, /198\.18\.7\.7/, "the scenario has a blocked source");
      assert.match(direct, /negative/, "the scenario has an invalid row");
      assert.equal(await summary({ scanBatchFiles: batch }), direct);
    });
  }

  // Pass 1 sums each interval's totals from its per-port groups: every port's rows must count, exactly once.
  test("the observed totals are every valid row's deltas, over all ports", async () => {
    const want = await validDeltaTotals();
    assert.ok(want.ports > 1n, "the scenario has several ports");
    for (const batch of [undefined, 7]) {
      const { total } = (await reportOn(root, { now: null, scanBatchFiles: batch })).model.impact;
      assert.deepEqual(total, { packets: want.packets, bytes: want.bytes, syn: want.syn });
    }
  });

  test("with --dst-ports and --host: the same summary.json", async () => {
    const opts: TestReportOptions = { ports: [443], host: "a" };
    assert.equal(await summary({ ...opts, scanBatchFiles: 4 }), await summary(opts));
  });
});
