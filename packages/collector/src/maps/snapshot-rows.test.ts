import assert from "node:assert/strict";
import { test } from "node:test";
import { allocFlowColumns, type FlowColumns, VALUE_COUNTERS } from "@ibsr/schema";
import { DeltaEngine } from "../snapshot/deltas.js";
import { SnapshotBuilder } from "./snapshot-rows.js";

/** A small deterministic PRNG, so a failure reproduces. */
function rng(seed: number): () => number {
  let x = seed >>> 0;
  return () => {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    return x / 2 ** 32;
  };
}

function randomColumns(n: number, seed: number): FlowColumns {
  const r = rng(seed);
  const cols = allocFlowColumns(n);
  for (let i = 0; i < n; i++) {
    const v6 = r() < 0.4;
    cols.family[i] = v6 ? 6 : 4;
    cols.prefixLen[i] = v6 ? [48, 64, 128][Math.floor(r() * 3)]! : 32;
    cols.dstPort[i] = [22, 443, 8080, 65535][Math.floor(r() * 4)]!;
    const len = v6 ? 16 : 4;
    for (let b = 0; b < len; b++) cols.src[i * 16 + b] = r() < 0.3 ? 0 : Math.floor(r() * 256);
    for (const c of VALUE_COUNTERS) cols[c][i] = BigInt(Math.floor(r() * 1000));
    cols.firstSeen[i] = BigInt(i + 1);
  }
  return cols;
}

function compareRows(cols: FlowColumns, a: number, b: number): number {
  if (cols.dstPort[a] !== cols.dstPort[b]) return cols.dstPort[a]! - cols.dstPort[b]!;
  if (cols.family[a] !== cols.family[b]) return cols.family[a]! - cols.family[b]!;
  for (let k = 0; k < 16; k++) {
    const x = cols.src[a * 16 + k]!;
    const y = cols.src[b * 16 + k]!;
    if (x !== y) return x - y;
  }
  return cols.prefixLen[a]! - cols.prefixLen[b]!;
}

test("rows come out sorted by (dst_port, family, src, prefix_len), with their counters and deltas", () => {
  for (const seed of [1, 2, 3]) {
    const n = 3000;
    const cols = randomColumns(n, seed);
    const engine = new DeltaEngine(n, 0n);
    const d = engine.compute(cols, n, 1_000_000n);
    const out = new SnapshotBuilder(n).build(cols, n, d, true);
    assert.equal(out.length, n);
    const expected = Array.from({ length: n }, (_, i) => i).sort((a, b) => compareRows(cols, a, b));
    for (let j = 0; j < n; j++) {
      const i = expected[j]!;
      assert.equal(out.dstPort[j], cols.dstPort[i], `row ${j} port`);
      assert.equal(out.family[j], cols.family[i], `row ${j} family`);
      assert.deepEqual(
        out.src.subarray(j * 16, j * 16 + 16),
        cols.src.subarray(i * 16, i * 16 + 16),
        `row ${j} src`,
      );
      assert.equal(out.prefixLen[j], cols.prefixLen[i]);
      assert.equal(out.syn[j], cols.syn[i]);
      assert.equal(out.deltas.bytes[j], cols.bytes[i], "a new entry's delta is its whole count");
      assert.equal(out.newEntry[j], 1);
      assert.equal(out.spanUs[j], 1_000_000n);
    }
  }
});

test("only changed rows are kept unless asked otherwise; the builder is reusable", () => {
  const n = 500;
  const cols = randomColumns(n, 7);
  const engine = new DeltaEngine(n, 0n);
  const builder = new SnapshotBuilder(n);
  engine.compute(cols, n, 10n);
  engine.commit();
  // Second drain: rows 0..9 moved by one SYN, the rest unchanged.
  for (let i = 0; i < 10; i++) cols.syn[i]! += 1n;
  const d = engine.compute(cols, n, 20n);
  const out = builder.build(cols, n, d);
  assert.equal(out.length, 10 - [...Array(10).keys()].filter((i) => d.changed[i] === 0).length);
  for (let j = 0; j < out.length; j++) {
    assert.equal(out.deltas.syn[j], 1n);
    assert.equal(out.deltas.packets[j], 0n);
    assert.equal(out.newEntry[j], 0);
    assert.equal(out.spanUs[j], 10n);
  }
  const all = builder.build(cols, n, d, true);
  assert.equal(all.length, n);
  const empty = builder.build(cols, 0, d);
  assert.equal(empty.length, 0);
});
