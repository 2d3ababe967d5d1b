import assert from "node:assert/strict";
import { test } from "node:test";
import { classifySkip, nextSlot } from "./run.js";

test("slots are fixed offsets from the start: a late wake-up does not shift later slots", () => {
  assert.deepEqual(nextSlot(1000, 500, 1, 1200), { slot: 1, dueMs: 1500, skipped: 0 });
  // Woken 30 ms late for slot 1, the cycle ends at 1560: slot 2 is still due at 2000, not 2060.
  assert.deepEqual(nextSlot(1000, 500, 2, 1560), { slot: 2, dueMs: 2000, skipped: 0 });
  // Exactly on time counts as not yet passed.
  assert.deepEqual(nextSlot(1000, 500, 2, 2000), { slot: 2, dueMs: 2000, skipped: 0 });
});

test("a cycle overrunning the interval skips the slots it missed instead of stacking them", () => {
  // Slot 2 was due at 2000; the cycle ended at 2740: slot 2 is skipped, slot 3 (2500) too, next is 4 (3000).
  assert.deepEqual(nextSlot(1000, 500, 2, 2740), { slot: 4, dueMs: 3000, skipped: 2 });
  assert.deepEqual(nextSlot(0, 100, 1, 100.5), { slot: 2, dueMs: 200, skipped: 1 });
});

test("skipped slots: an overrun when the work took longer than the loop was late, else a late loop", () => {
  // Paused 30 s (SIGSTOP) during the sleep, then 4 ms of drain and write: the loop was late.
  assert.equal(classifySkip(30_000, 4), "late");
  // Starved: woke 1.5 s late at a 1 s interval, the work took 20 ms.
  assert.equal(classifySkip(1500, 20), "late");
  // A 2 M-entry snapshot taking 5 s at a 1 s interval, the loop on time: an overrun.
  assert.equal(classifySkip(0, 5000), "overrun");
  assert.equal(classifySkip(3, 1200), "overrun");
  // Paused inside a cycle: woke on time, the cycle took 3.5 s of which 8 ms drain and write.
  assert.equal(classifySkip(0 + (3523 - 8), 8), "late");
});

test("a paused loop, replayed on an injected clock: the skip is classified late, with the figures", () => {
  // Interval 1 s from t=0; the slot-3 wake-up is due at 3000 but the process was stopped until 7400.
  const intervalMs = 1000;
  const woke = 7400;
  const due = 3000;
  const workMs = 6;
  const next = nextSlot(0, intervalMs, 4, woke + workMs);
  assert.equal(next.skipped, 4, "slots 4..7 passed while stopped");
  assert.equal(classifySkip(woke - due, workMs), "late");
});
