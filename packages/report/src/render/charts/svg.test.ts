import assert from "node:assert/strict";
import { test } from "node:test";
import { downsampleMinMax, escapeXml, niceTicks, num } from "./svg.js";

test("escapeXml escapes the five XML specials", () => {
  assert.equal(escapeXml(`<a href="x">'&'</a>`), "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;");
});

test("num rounds to one decimal without -0", () => {
  assert.equal(num(1.26), "1.3");
  assert.equal(num(-0.01), "0");
  assert.equal(num(Number.NaN), "0");
});

test("niceTicks covers the maximum with 1-2-5 steps", () => {
  assert.deepEqual(niceTicks(100), [0, 20, 40, 60, 80, 100]);
  const t = niceTicks(937);
  assert.ok(t[t.length - 1]! >= 937);
  assert.deepEqual(t, [0, 200, 400, 600, 800, 1000]);
  assert.deepEqual(niceTicks(0), [0, 1]);
  assert.deepEqual(niceTicks(0.3), [0, 0.1, 0.2, 0.3]);
  assert.deepEqual(niceTicks(1, 4, true), [0, 1]);
  assert.deepEqual(niceTicks(3, 4, true), [0, 1, 2, 3]);
});

test("downsampleMinMax keeps extremes in order and bounds the output", () => {
  const values = Array.from({ length: 10_000 }, (_, i) => (i === 4242 ? 99 : i === 4243 ? -99 : 0));
  const kept = downsampleMinMax(values, 100);
  assert.ok(kept.length <= 200);
  const vals = kept.map((p) => p.value);
  assert.ok(vals.includes(99) && vals.includes(-99));
  for (let i = 1; i < kept.length; i++) assert.ok(kept[i]!.index > kept[i - 1]!.index);
  assert.equal(downsampleMinMax([1, 2, 3], 100).length, 3, "short input unchanged");
  const gaps = downsampleMinMax(
    Array.from({ length: 1000 }, () => Number.NaN),
    10,
  );
  assert.equal(gaps.length, 10);
  assert.ok(gaps.every((p) => Number.isNaN(p.value)));
});
