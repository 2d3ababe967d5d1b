import assert from "node:assert/strict";
import { test } from "node:test";
import { snapshotInfo } from "../testing/snapshot-info.js";
import type { SnapshotInfo } from "./intervals.js";
import { rejectImpossibleTimes } from "./snapshot-times.js";

let n = 0;
// Parquet snapshots of unknown base and schema, each in its own file.
const snap = (p: Partial<SnapshotInfo> & { ts: number }): SnapshotInfo =>
  snapshotInfo({ format: "parquet", file: `f${n++}`, baseTs: null, schemaVersion: null, ...p });

const NOW = 1_800_000_000;

test("the wall clock only rejects: the future is later than both the clock and --now, plus a day", () => {
  const soon = snap({ ts: NOW + 3600 });
  const late = snap({ ts: NOW + 2 * 86_400 });
  const r = rejectImpossibleTimes([soon, late], { now: null, wallClockSec: NOW });
  assert.deepEqual(
    r.kept.map((s) => s.sid),
    [soon.sid],
  );
  assert.match(r.skipped[0]!.reason, /future/);
  // --now later than the clock (a report dated ahead) accepts what the clock alone would reject.
  assert.equal(rejectImpossibleTimes([late], { now: NOW + 3 * 86_400, wallClockSec: NOW }).kept.length, 1);
});

test("times that are not times are rejected", () => {
  const bad = [
    snap({ ts: Number.NaN }),
    snap({ ts: -5 }),
    snap({ ts: 9.2e12 }),
    snap({ ts: 1000, baseTs: Number.POSITIVE_INFINITY }),
    snap({ ts: 1000, baseTs: 5000 }),
  ];
  const r = rejectImpossibleTimes(bad, { now: null, wallClockSec: NOW });
  assert.equal(r.kept.length, 0);
  assert.equal(r.skipped.length, 5);
  // The reference's fixtures are dated 1970 (ts = base_ts = 1000): early is not impossible.
  assert.equal(
    rejectImpossibleTimes([snap({ ts: 1000, baseTs: 1000 })], { now: null, wallClockSec: NOW }).kept.length,
    1,
  );
});

test("a clock step moves every later snapshot and is not an outlier; a lone jump is", () => {
  const step = [0, 1, 2, 3, 4].map((i) => snap({ seq: i, ts: 1_700_000_000 + i * 60 + (i >= 2 ? 7200 : 0) }));
  assert.equal(rejectImpossibleTimes(step, { now: null, wallClockSec: NOW }).kept.length, 5);
  const lone = [0, 1, 2, 3, 4].map((i) =>
    snap({ seq: i, ts: 1_700_000_000 + i * 60 + (i === 2 ? 7200 : 0) }),
  );
  const r = rejectImpossibleTimes(lone, { now: null, wallClockSec: NOW });
  assert.deepEqual(
    r.skipped.map((s) => s.file),
    [lone[2]!.file],
  );
});
