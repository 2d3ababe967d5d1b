import assert from "node:assert/strict";
import { test } from "node:test";
import { mulberry32 } from "./prng.js";

test("mulberry32: same seed, same sequence; values in [0, 1); seeds differ", () => {
  const a = mulberry32(42);
  const b = mulberry32(42);
  const xs = Array.from({ length: 1000 }, () => a());
  assert.deepEqual(
    xs,
    Array.from({ length: 1000 }, () => b()),
  );
  assert.ok(xs.every((x) => x >= 0 && x < 1));
  assert.notEqual(mulberry32(43)(), mulberry32(42)());
  // Roughly uniform: each tenth of [0, 1) gets 70-130 of 1000 draws.
  const bins = new Array(10).fill(0);
  for (const x of xs) bins[Math.floor(x * 10)]++;
  assert.ok(
    bins.every((n) => n > 70 && n < 130),
    String(bins),
  );
});
