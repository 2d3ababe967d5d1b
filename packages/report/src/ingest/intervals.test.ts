import assert from "node:assert/strict";
import { test } from "node:test";
import { snapshotInfo } from "../testing/snapshot-info.js";
import { buildRuns } from "./intervals.js";

const snap = snapshotInfo;

test("the run start gives deltas; a later first snapshot is a baseline", () => {
  const start = buildRuns([snap({ ts: 1060 }), snap({ ts: 1120 })], { since: null, until: null });
  assert.equal(start.runs[0]!.firstIsBaseline, false);
  assert.deepEqual(
    start.intervals.map((i) => [i.t0, i.t1]),
    [
      [1000, 1060],
      [1060, 1120],
    ],
  );
  const cut = buildRuns([snap({ ts: 1600 }), snap({ ts: 1660 })], { since: null, until: null });
  assert.equal(cut.runs[0]!.firstIsBaseline, true);
  assert.equal(cut.intervals.length, 1);
  const v3 = buildRuns(
    [
      snap({ ts: 1060, baseTs: null, intervalSec: null }),
      snap({ ts: 1120, baseTs: null, intervalSec: null }),
    ],
    {
      since: null,
      until: null,
    },
  );
  assert.equal(v3.runs[0]!.firstIsBaseline, true, "legacy without base_ts");
  assert.equal(v3.runs[0]!.intervalSec, 60, "median gap");
});

test("order by seq, not wall time; a short final interval merges; gaps are found", () => {
  const r = buildRuns(
    [
      snap({ format: "parquet", seq: 2, ts: 1120, spanSec: 60 }),
      snap({ format: "parquet", seq: 0, ts: 1060, spanSec: 60 }),
      snap({ format: "parquet", seq: 3, ts: 1300, spanSec: 180 }),
      snap({ format: "parquet", seq: 4, ts: 1300.3, spanSec: 0.3 }),
    ],
    { since: null, until: null },
  );
  const run = r.runs[0]!;
  assert.equal(run.merged, 1);
  assert.equal(run.gaps.length, 1);
  assert.deepEqual(
    r.intervals.map((i) => [i.t0, i.t1, i.sids.length]),
    [
      [1000, 1060, 1],
      [1060, 1120, 1],
      [1120, 1300.3, 2],
    ],
  );
});

test("the window weights straddling intervals pro rata", () => {
  const r = buildRuns([snap({ ts: 1060 }), snap({ ts: 1120 }), snap({ ts: 1180 })], {
    since: 1090,
    until: 1150,
  });
  assert.deepEqual(
    r.intervals.map((i) => i.w),
    [0, 0.5, 0.5],
  );
  assert.equal(r.runs[0]!.sinceBaseline?.ts, 1060);
});

test("runs are (host, iface, run_id), sorted; duplicates are dropped", () => {
  const r = buildRuns(
    [
      snap({ ts: 1060, runId: "10" }),
      snap({ ts: 1060, runId: "9" }),
      snap({ ts: 1060, runId: "9", file: "g" }),
    ],
    { since: null, until: null },
  );
  assert.deepEqual(
    r.runs.map((x) => x.runId),
    ["9", "10"],
  );
  assert.equal(r.runs[0]!.duplicates.length, 1);
});

test("a short first interval joins its successor; a run's only short interval gets the minimum span", () => {
  // Legacy snapshot taken at base_ts (zero span), then a regular one: one interval of 60 s with both.
  const atStart = [snap({ ts: 1000 }), snap({ ts: 1060 })];
  const r = buildRuns(atStart, { since: null, until: null });
  assert.deepEqual(
    r.intervals.map((i) => [i.t0, i.t1, i.span, i.sids]),
    [[1000, 1060, 60, atStart.map((s) => s.sid)]],
  );
  assert.equal(r.runs[0]!.merged, 1);
  // The collector's seq 0, written 5 ms after attach, then seq 1 a full interval later.
  const seq0 = [
    snap({ format: "parquet", seq: 0, ts: 1000.005, spanSec: 0.005 }),
    snap({ format: "parquet", seq: 1, ts: 1060.005, spanSec: 60 }),
  ];
  const c = buildRuns(seq0, { since: null, until: null });
  assert.equal(c.intervals.length, 1);
  assert.ok(Math.abs(c.intervals[0]!.span - 60.005) < 1e-9);
  // Only one snapshot, at base_ts: judged over max(0.5 s, interval / 2), never over a microsecond.
  const only = buildRuns([snap({ ts: 1000 })], { since: null, until: null });
  assert.deepEqual(
    only.intervals.map((i) => [i.t0, i.t1, i.span]),
    [[970, 1000, 30]],
  );
});

test("at a 1 s interval, spacings of 0.995 s are normal intervals; a final snapshot 0.3 s later merges", () => {
  // The collector's timer jitters a few ms either side of the nominal second: none of that is "short".
  const list = Array.from({ length: 10 }, (_, i) =>
    snap({ format: "parquet", seq: i, ts: 1000 + (i + 1) * 0.995, spanSec: 0.995, intervalSec: 1 }),
  );
  const r = buildRuns(list, { since: null, until: null });
  assert.equal(r.runs[0]!.merged, 0);
  assert.equal(r.intervals.length, 10);
  const withFinal = buildRuns(
    [
      ...list,
      snap({ format: "parquet", seq: 10, ts: 1000 + 10 * 0.995 + 0.3, spanSec: 0.3, intervalSec: 1 }),
    ],
    { since: null, until: null },
  );
  assert.equal(withFinal.runs[0]!.merged, 1);
  assert.equal(withFinal.intervals.length, 10);
  assert.deepEqual(withFinal.intervals.at(-1)!.sids, [list[9]!.sid, list[9]!.sid + 1]);
});
