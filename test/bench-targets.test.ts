import assert from "node:assert/strict";
import { test } from "node:test";
import type { BenchRow } from "../bench/lib/stats.js";
import { targetsTable, targetVerdict } from "../bench/lib/targets.js";

const row = (unit: string, median: number, target?: string, extra: Partial<BenchRow> = {}): BenchRow => ({
  suite: "collector",
  name: "m",
  unit,
  median,
  min: median,
  max: median,
  runs: 1,
  ...(target === undefined ? {} : { target }),
  ...extra,
});

test("a plain bound in the row's unit is judged on the median, strict or not as written", () => {
  assert.equal(targetVerdict(row("ms", 241, "< 250 ms")), "met");
  assert.equal(targetVerdict(row("ms", 250, "< 250 ms")), "NOT met");
  assert.equal(targetVerdict(row("B/row", 5, "<= 5 B/row")), "met");
  assert.equal(targetVerdict(row("B/row", 5.36, "<= 5 B/row")), "NOT met");
  assert.equal(targetVerdict(row("% core", 0.41, "< 1 %")), "met");
  assert.equal(targetVerdict(row("MB", 99.3, "<= 80 MB (issue 15)")), "NOT met");
  assert.equal(targetVerdict(row("MB", 37.3, "<= 50 MB (issue 15)")), "met");
});

test("a suite's own verdict wins; a flat slope is judged on its absolute value", () => {
  assert.equal(targetVerdict(row("ns/pkt", 73, "<= 1.0x baseline: NOT met (1.058x)")), "NOT met");
  assert.equal(targetVerdict(row("ns/pkt", 66, "<= 1.0x baseline: met (0.957x)")), "met");
  assert.equal(targetVerdict(row("MB/min", -0.04, "flat: within ±0.05 MB/min")), "met");
  assert.equal(targetVerdict(row("MB/min", 0.06, "flat: within ±0.05 MB/min")), "NOT met");
});

test("what cannot be judged from the row is left to its section", () => {
  assert.equal(targetVerdict(row("ms", 1, undefined)), null);
  assert.equal(targetVerdict(row("s", 5.2, "<= 0.5x the reference")), null);
  assert.equal(targetVerdict(row("s", 12, "linear in rows")), null);
  assert.equal(targetVerdict(row("B/entry", 156, "design estimate ~157 B")), null);
  // A bound in another unit than the row's is not compared.
  assert.equal(targetVerdict(row("s", 5, "<= 10 ms")), null);
});

test("the table lists only rows with a target, with the baseline ratio and the verdict", () => {
  const t = targetsTable(
    [
      {
        title: "Collector (drain, deltas, Parquet write)",
        date: "2026-12-05",
        rows: [
          row("ms", 241, "< 250 ms", { name: "whole snapshot" }),
          row("ms", 40, undefined, { name: "deltas" }),
          row("B/row", 5.36, "<= 5 B/row", {
            name: "bytes per row",
            baseline: { name: "before", median: 5.36 },
          }),
        ],
      },
    ],
    (n) => n.toFixed(2),
  );
  const lines = t.split("\n");
  assert.equal(lines.length, 4);
  assert.match(lines[2] as string, /^\| Collector \| whole snapshot \| 241\.00 ms \| < 250 ms \| met \|/);
  assert.match(lines[3] as string, /1\.00x before\) \| <= 5 B\/row \| \*\*NOT met\*\* \| 2026-12-05 \|$/);
  assert.ok(!t.includes("deltas"));
});
