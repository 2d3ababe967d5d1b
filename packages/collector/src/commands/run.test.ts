import assert from "node:assert/strict";
import { test } from "node:test";
import { nextSlot, portBitmap } from "./run.js";

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

test("the port bitmap sets bit (port & 7) of byte (port >> 3), as the XDP program reads it", () => {
  const bits = portBitmap([1, 22, 443, 65535]);
  assert.equal(bits.length, 8192);
  const set: number[] = [];
  for (let p = 0; p < 65536; p++) if (bits[p >> 3]! & (1 << (p & 7))) set.push(p);
  assert.deepEqual(set, [1, 22, 443, 65535]);
  assert.equal(bits[443 >> 3], 1 << (443 & 7));
});
