// Coverage sentences: what needs the operator's attention is a problem; what every run has is a note.
import assert from "node:assert/strict";
import { test } from "node:test";
import { IntervalCounters } from "../ingest/interval-counters.js";
import { buildRuns, type SnapshotInfo } from "../ingest/intervals.js";
import { snapshotInfo } from "../testing/snapshot-info.js";
import { coverage } from "./coverage.js";

const snap = (p: Parameters<typeof snapshotInfo>[0]) => snapshotInfo({ format: "parquet", ...p });

function coverageOf(snaps: SnapshotInfo[]) {
  const t = buildRuns(snaps, { since: null, until: null });
  return coverage({
    runs: t.runs,
    snapsById: new Map(snaps.map((s) => [s.sid, s])),
    ivTotals: new IntervalCounters(),
    writeErrors: new Map(),
    portsFiltered: false,
    skippedCount: 0,
  });
}

test("the collector's short first snapshot merged into the next interval is a note, not a coverage problem", () => {
  // seq 0 written 5 ms after attach, then regular snapshots: what every healthy run looks like.
  const c = coverageOf([
    snap({ seq: 0, ts: 1000.005, spanSec: 0.005 }),
    snap({ seq: 1, ts: 1060.005, spanSec: 60 }),
    snap({ seq: 2, ts: 1120.005, spanSec: 60 }),
  ]);
  assert.deepEqual(
    c.problems.filter((p) => /merged/.test(p)),
    [],
    "an expected merge is not a warning",
  );
  assert.equal(c.notes.length, 1);
  assert.match(c.notes[0]!, /short first interval of 1 run .* merged into the next interval, as expected/);
  assert.equal(c.runInfos[0]!.mergedFirstIntervals, 1);
});

test("a short interval inside a run is still a problem", () => {
  const c = coverageOf([
    snap({ seq: 0, ts: 1000, spanSec: 60 }),
    snap({ seq: 1, ts: 1060, spanSec: 60 }),
    snap({ seq: 2, ts: 1065, spanSec: 5 }),
    snap({ seq: 3, ts: 1125, spanSec: 60 }),
  ]);
  assert.deepEqual(
    c.problems.filter((p) => /merged/.test(p)),
    [
      "1 short interval inside a run was merged into the preceding interval before judging rates: snapshots came irregularly.",
    ],
  );
  assert.deepEqual(c.notes, []);
});
