import assert from "node:assert/strict";
import { test } from "node:test";
import { VALUE_COUNTERS, VALUE_SIZE } from "@ibsr/contract";
import { COUNTERS, CompactValues } from "./compact-values.js";
import { encodeValue, VALUE_WORDS } from "./flow-rows.js";

/** A small deterministic PRNG, so a failure reproduces. */
function rng(seed: number): () => number {
  let x = seed >>> 0;
  return () => {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    return x / 2 ** 32;
  };
}

/** Row j's counter k as stored: its low word and, when escaped, its high word. */
function stored(b: CompactValues, j: number, k: number): bigint {
  return (BigInt(b.hiWord(j, k)) << 32n) | BigInt(b.lo[j * COUNTERS + k]!);
}

/** n drained values; `wide(i)` says whether row i gets counters with a high word. */
function drained(
  n: number,
  seed: number,
  wide: (i: number) => boolean,
): { vw: Uint32Array; values: bigint[][] } {
  const r = rng(seed);
  const bytes = new Uint8Array(n * VALUE_SIZE);
  const values: bigint[][] = [];
  for (let i = 0; i < n; i++) {
    const v = VALUE_COUNTERS.map(() => {
      const lo = BigInt(Math.floor(r() * 2 ** 32));
      return wide(i) && r() < 0.5 ? (BigInt(Math.floor(r() * 2 ** 32)) << 32n) | lo : lo;
    });
    values.push(v);
    const fields = Object.fromEntries(VALUE_COUNTERS.map((c, k) => [c, v[k]!]));
    bytes.set(encodeValue({ ...fields, first_seen: BigInt(i) * 2n ** 33n + 7n }), i * VALUE_SIZE);
  }
  return { vw: new Uint32Array(bytes.buffer), values };
}

test("every 64-bit value comes back exactly, escaped or not, across bitmap words", () => {
  const n = 1000;
  const { vw, values } = drained(n, 1, (i) => i % 7 === 3 || (i >= 500 && i < 700));
  const b = new CompactValues(n);
  b.begin();
  for (let i = 0; i < n; i++) b.push(vw, i * VALUE_WORDS);
  b.end();
  let escaped = 0;
  for (let j = 0; j < n; j++) {
    const wide = values[j]!.some((v) => v >= 2n ** 32n);
    assert.equal(b.hiAt(j) >= 0, wide, `row ${j} escaped`);
    escaped += wide ? 1 : 0;
    for (let k = 0; k < COUNTERS; k++) assert.equal(stored(b, j, k), values[j]![k], `row ${j} counter ${k}`);
    const fs = (BigInt(b.firstSeen[2 * j + 1]!) << 32n) | BigInt(b.firstSeen[2 * j]!);
    assert.equal(fs, BigInt(j) * 2n ** 33n + 7n, `row ${j} first_seen`);
  }
  assert.equal(b.wideRows, escaped);
  assert.ok(escaped > 256, "the side table grew past its first size");
});

test("a new set overwrites the old one, and a mostly unused side table shrinks", () => {
  const n = 4000;
  const b = new CompactValues(n);
  const all = drained(n, 2, () => true);
  b.begin();
  for (let i = 0; i < n; i++) b.push(all.vw, i * VALUE_WORDS);
  b.end();
  const big = b.hi.length;
  assert.ok(big >= b.wideRows * COUNTERS && b.wideRows > 3000);
  const few = drained(n, 3, (i) => i === 3999);
  b.begin();
  for (let i = 0; i < n; i++) b.push(few.vw, i * VALUE_WORDS);
  b.end();
  assert.ok(b.hi.length < big / 4, `side table ${b.hi.length} words after ${big}`);
  for (let j = 0; j < n; j += 37)
    for (let k = 0; k < COUNTERS; k++) assert.equal(stored(b, j, k), few.values[j]![k]);
  for (let k = 0; k < COUNTERS; k++) assert.equal(stored(b, 3999, k), few.values[3999]![k]);
  // 40 B per row (eight low words, first_seen) and the bitmaps, instead of the kernel's 72.
  assert.ok(b.byteLength < n * 41 + b.hi.byteLength, `${b.byteLength} bytes`);
});

test("rows past the capacity are refused", () => {
  const b = new CompactValues(1);
  const { vw } = drained(2, 4, () => false);
  b.begin();
  b.push(vw, 0);
  assert.throws(() => b.push(vw, VALUE_WORDS), /row 1 exceeds capacity 1/);
});

test("copyFrom copies the first n rows exactly, escaped or not, and drops the rest", () => {
  const n = 300;
  const { vw, values } = drained(n, 5, (i) => i % 5 === 1 || i === 299);
  const src = new CompactValues(n);
  src.begin();
  for (let i = 0; i < n; i++) src.push(vw, i * VALUE_WORDS);
  src.end();
  for (const m of [n, 70, 64, 0]) {
    const b = new CompactValues(n);
    b.copyFrom(src, m);
    assert.equal(b.length, m);
    let escaped = 0;
    for (let j = 0; j < m; j++) {
      escaped += values[j]!.some((v) => v >= 2n ** 32n) ? 1 : 0;
      for (let k = 0; k < COUNTERS; k++) assert.equal(stored(b, j, k), values[j]![k], `${m}: row ${j}`);
      assert.equal(b.firstSeen[2 * j + 1], src.firstSeen[2 * j + 1]);
    }
    assert.equal(b.wideRows, escaped, `${m}: escaped rows`);
    // Rows m.. of the last bitmap word are not escaped in the copy.
    for (let j = m; j < Math.ceil(m / 32) * 32; j++) assert.equal(b.hiAt(j), -1, `${m}: row ${j}`);
  }
  assert.throws(() => new CompactValues(10).copyFrom(src, 11), /11 rows of 300 into a capacity of 10/);
});

test("permuteEscapes moves each row's high words with the row, for all rows or a prefix", () => {
  const n = 200;
  const { vw, values } = drained(n, 6, (i) => i % 3 === 0);
  const r = rng(7);
  for (const m of [n, 77]) {
    const b = new CompactValues(n);
    b.begin();
    for (let i = 0; i < n; i++) b.push(vw, i * VALUE_WORDS);
    b.end();
    const order = Uint32Array.from({ length: m }, (_, i) => i);
    for (let i = m - 1; i > 0; i--) {
      const j = Math.floor(r() * (i + 1));
      [order[i], order[j]] = [order[j]!, order[i]!];
    }
    const wide = b.wideRows;
    b.permuteEscapes(order, m);
    assert.equal(b.wideRows, wide);
    for (let p = 0; p < n; p++) {
      const from = p < m ? order[p]! : p;
      const want = values[from]!;
      assert.equal(
        b.hiAt(p) >= 0,
        want.some((v) => v >= 2n ** 32n),
        `${m}: row ${p} escaped`,
      );
      // The low words are the caller's to move: compare the high words only.
      for (let k = 0; k < COUNTERS; k++)
        assert.equal(b.hiWord(p, k), Number(want[k]! >> 32n), `${m}: row ${p}`);
    }
  }
});
