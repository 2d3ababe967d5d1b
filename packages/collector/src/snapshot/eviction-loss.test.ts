import assert from "node:assert/strict";
import { test } from "node:test";
import { EvictionLossTracker } from "./eviction-loss.js";

test("the drain/read race (+n now, -n next snapshot) shows as n then 0, never negative", () => {
  const t = new EvictionLossTracker();
  const shown = [0n, 40n, -40n, 0n, 25n, -25n].map((raw) => t.next(raw, true));
  // The second race is absorbed by the carry the first left.
  assert.deepEqual(shown, [0n, 40n, 0n, 0n, 0n, 0n]);
  // The carry is outstanding: the exact total is what the raw figures add up to.
  assert.equal(t.exact, 0n);
});

test("a carried negative is paid back by later real loss; the total is then exact", () => {
  const t = new EvictionLossTracker();
  const raws = [10n, -4n, 3n, 100n, -7n, -1n, 50n];
  const shown = raws.map((raw) => t.next(raw, true));
  for (const s of shown) assert.ok(s >= 0n, String(s));
  assert.deepEqual(shown, [10n, 0n, 0n, 99n, 0n, 0n, 42n]);
  const sum = raws.reduce((a, b) => a + b, 0n);
  assert.equal(t.total, sum, "nothing carried at the end: the shown figures add up to the exact total");
  assert.equal(t.exact, sum);
});

test("random sequences: every figure >= 0, the exact total is the sum of the raw figures", () => {
  let seed = 7;
  const rnd = () => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed / 2 ** 31;
  };
  for (let run = 0; run < 200; run++) {
    const t = new EvictionLossTracker();
    let sum = 0n;
    let shownSum = 0n;
    let prevRace = 0n;
    for (let i = 0; i < 50; i++) {
      // Real loss >= 0 plus a race term that the next snapshot takes back.
      const race = BigInt(Math.floor(rnd() * 30));
      const raw = BigInt(Math.floor(rnd() * 20)) + race - prevRace;
      prevRace = race;
      const s = t.next(raw, true);
      assert.ok(s >= 0n);
      sum += raw;
      shownSum += s;
      assert.equal(t.exact, sum > 0n ? sum : 0n);
      assert.ok(shownSum >= sum);
    }
  }
});

test("a snapshot that was not written changes nothing (its loss is counted again with the next one)", () => {
  const t = new EvictionLossTracker();
  assert.equal(t.next(-5n, true), 0n);
  assert.equal(t.next(12n, false), 7n, "shown net of the carry");
  assert.equal(t.total, 0n);
  assert.equal(t.next(15n, true), 10n);
  assert.equal(t.total, 10n);
  assert.equal(t.exact, 10n);
});
