import assert from "node:assert/strict";
import { test } from "node:test";
import { isoUtc } from "./utc-time.js";

const DAY = 86_400_000;

test("isoUtc spells exactly what Date.prototype.toISOString spells", () => {
  const edges = [
    0,
    -1,
    1,
    999,
    -999,
    DAY - 1,
    -DAY,
    951_782_400_000 /* 2000-02-29 */,
    951_868_800_000,
    4_107_542_400_000,
    /* 2100-03-01 */ 253_402_300_799_999 /* 9999-12-31T23:59:59.999 */,
    253_402_300_800_000 /* +010000 */,
    -62_167_219_200_000 /* 0000-01-01 */,
    -62_167_219_200_001 /* -000001-12-31 */,
    8.64e15,
    -8.64e15,
    1.5,
    -1.5,
    1_796_469_830_487.9,
    -0,
  ];
  for (const ms of edges) assert.equal(isoUtc(ms), new Date(ms).toISOString(), `at ${ms}`);
  // Every day boundary around leap years and centuries, and random instants over the whole range.
  for (let d = -800_000; d <= 800_000; d += 97) {
    assert.equal(isoUtc(d * DAY), new Date(d * DAY).toISOString());
    assert.equal(isoUtc(d * DAY - 1), new Date(d * DAY - 1).toISOString());
  }
  let seed = 12345;
  const rnd = () => {
    seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
    return seed / 2_147_483_648;
  };
  for (let i = 0; i < 20_000; i++) {
    const ms = Math.floor((rnd() * 2 - 1) * (i % 2 ? 8.64e15 : 4e12));
    assert.equal(isoUtc(ms), new Date(ms).toISOString(), `at ${ms}`);
  }
});

test("isoUtc throws toISOString's RangeError outside the time value range", () => {
  for (const ms of [Number.NaN, 8.64e15 + 1, -8.64e15 - 1, Number.POSITIVE_INFINITY]) {
    assert.throws(() => new Date(ms).toISOString(), RangeError);
    assert.throws(() => isoUtc(ms), RangeError);
  }
});
