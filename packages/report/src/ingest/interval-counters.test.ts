import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { reportOn } from "../testing/run-report.js";
import { steady, type Traffic, writeParquetRun } from "../testing/snapshots.js";
import { withDuckDB } from "./duckdb.js";
import { addCounters3, intervalCountersOf, readIntervalCounters } from "./interval-counters.js";
import { COUNTER_COLS } from "./queries/scan.js";

const MAX = 2n ** 53n - 1n;

test("sums past 2^53 - 1 in one interval stay exact; doubles are what Number() of the exact value gives", async () => {
  // Three rows of one interval at the row maximum: their sum is no double; the next interval is ordinary.
  const rows = `SELECT 7 AS iv, ${MAX}::BIGINT AS v UNION ALL SELECT 7, ${MAX} UNION ALL SELECT 7, ${MAX} UNION ALL SELECT 8, 5`;
  const sql = `SELECT iv, ${COUNTER_COLS.map((c) => `sum(v) AS ${c}`).join(", ")}, count(*) AS n
FROM (${rows}) GROUP BY iv ORDER BY iv`;
  const t = await withDuckDB({}, (c) => readIntervalCounters(c, sql, false));
  assert.equal(t.length, 2);
  assert.deepEqual([t.iv(0), t.keys(0), t.iv(1), t.keys(1)], [7, 3, 8, 1]);
  for (const c of COUNTER_COLS) {
    assert.equal(t.exact(0, c), 3n * MAX);
    assert.equal(t.num(0, c), Number(3n * MAX));
    assert.equal(t.exact(1, c), 5n);
  }
  const total = { packets: 0n, bytes: 0n, syn: 0n };
  for (let i = 0; i < t.length; i++) addCounters3(total, t, i);
  assert.deepEqual(total, { packets: 3n * MAX + 5n, bytes: 3n * MAX + 5n, syn: 3n * MAX + 5n });
});

test("more rows than the first allocation, per port, read chunk by chunk in the query's order", async () => {
  const n = 5000; // above DuckDB's 2 048-row chunk and the columns' first capacity
  const sql = `SELECT i // 3 AS iv, 1000 + i % 3 AS dst_port, ${COUNTER_COLS.map((c, k) => `i * ${k + 1} AS ${c}`).join(", ")}, i % 7 AS n
FROM range(${n}) t(i) ORDER BY iv, dst_port`;
  const t = await withDuckDB({}, (c) => readIntervalCounters(c, sql, true));
  assert.equal(t.length, n);
  for (const i of [0, 2047, 2048, 4999]) {
    assert.deepEqual([t.iv(i), t.dstPort(i), t.keys(i)], [Math.floor(i / 3), 1000 + (i % 3), i % 7]);
    for (const [k, c] of COUNTER_COLS.entries()) assert.equal(t.exact(i, c), BigInt(i * (k + 1)));
  }
});

test("rows given out of order are sorted by interval, then port", () => {
  const v = (x: number) => Object.fromEntries(COUNTER_COLS.map((c) => [c, BigInt(x)])) as never;
  const t = intervalCountersOf([
    { iv: 2, dstPort: 80, keys: 1, values: v(3) },
    { iv: 1, dstPort: 443, keys: 1, values: v(2) },
    { iv: 1, dstPort: 22, keys: 1, values: v(1) },
  ]);
  assert.deepEqual(
    [...t.rows()].map((i) => [t.iv(i), t.dstPort(i), t.exact(i, "syn")]),
    [
      [1, 22, 1n],
      [1, 443, 2n],
      [2, 80, 3n],
    ],
  );
});

test("a report's totals stay exact when one interval of a host sums past 2^53 - 1 (fleet and host totals)", async () => {
  const dir = mkdtempSync(join(tmpdir(), "ibsr-wide-"));
  try {
    const max = Number(MAX); // a safe integer: each row may carry it
    const huge = (src: string): Traffic => ({ src, port: 443, packets: max, bytes: max, ack: 1 });
    const base = 1_700_000_000;
    // Host a: three keys at the row maximum in interval 3; host b: one. Each key appears once, so its
    // cumulative counters equal its delta (within the row rule).
    for (const [host, srcs] of [
      ["a", ["198.18.0.1", "198.18.0.2", "198.18.0.3"]],
      ["b", ["198.18.0.4"]],
    ] as const)
      writeParquetRun(dir, {
        host,
        runId: `${host}-run`,
        baseTs: base,
        intervalSec: 60,
        snapshots: steady(base, 60, 5, (i) => (i === 3 ? srcs.map(huge) : [])),
      });
    const r = await reportOn(dir);
    const m = r.model;
    assert.equal(m.impact.total.packets, 4n * MAX);
    assert.equal(m.impact.total.bytes, 4n * MAX);
    assert.deepEqual(
      m.fleet!.hosts.map((h) => [h.host, h.total.packets]),
      [
        ["a", 3n * MAX],
        ["b", MAX],
      ],
    );
    // The traffic series sums the same intervals.
    assert.equal(
      m.series.points.reduce((a, p) => a + p.total.packets, 0n),
      4n * MAX,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
