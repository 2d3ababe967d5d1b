// A fleet's day has more intervals than a spread argument list can hold (Math.max(...xs) throws RangeError past
// roughly 120 000): the window bounds come from a loop.
import assert from "node:assert/strict";
import { test } from "node:test";
import type { Interval } from "../ingest/intervals.js";
import { windowBounds } from "./build-intervals.js";

test("window bounds over 300 000 live intervals (200 hosts x 1 500) are computed, not a RangeError", () => {
  const n = 300_000;
  const live: Interval[] = new Array(n);
  for (let i = 0; i < n; i++) {
    const t1 = 1_700_000_060 + (i % 1500) * 60;
    live[i] = { iv: i, run: Math.floor(i / 1500), t0: t1 - 60, t1, span: 60, w: 1, sids: [i] };
  }
  assert.deepEqual(windowBounds({ live, since: null, until: null }), {
    start: 1_700_000_000,
    end: 1_700_000_060 + 1499 * 60,
  });
  assert.deepEqual(windowBounds({ live, since: 1_700_000_030, until: 1_700_000_100 }), {
    start: 1_700_000_030,
    end: 1_700_000_100,
  });
});
