import assert from "node:assert/strict";
import { test } from "node:test";
import { VALUE_COUNTERS } from "@ibsr/contract";
import { DeltaEngine } from "../snapshot/deltas.js";
import { ENCODE_CHUNK_ROWS } from "../snapshot/parquet.js";
import { allocFlowColumns, encodeFlowRows, type FlowColumns } from "./flow-rows.js";
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
    // One chunk's worth, read in one call.
    const n = ENCODE_CHUNK_ROWS;
    const cols = randomColumns(n, seed);
    const engine = new DeltaEngine(n, 0n);
    const rows = encodeFlowRows(cols, n);
    const d = engine.compute(rows, n, 1_000_000n);
    const source = new SnapshotBuilder(n).build(rows, n, d, true);
    assert.equal(source.length, n);
    const out = source.chunk(0, n);
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
  engine.compute(encodeFlowRows(cols, n), n, 10n);
  engine.commit();
  // Second drain: rows 0..9 moved by one SYN, the rest unchanged.
  for (let i = 0; i < 10; i++) cols.syn[i]! += 1n;
  const rows = encodeFlowRows(cols, n);
  const d = engine.compute(rows, n, 20n);
  const source = builder.build(rows, n, d);
  // compute() moved the rows into snapshot order: drainRow finds where drained row i went.
  const unchanged = [...Array(10).keys()].filter((i) => d.changed[d.drainRow.indexOf(i)] === 0);
  assert.equal(source.length, 10 - unchanged.length);
  const out = source.chunk(0, source.length);
  for (let j = 0; j < out.length; j++) {
    assert.equal(out.deltas.syn[j], 1n);
    assert.equal(out.deltas.packets[j], 0n);
    assert.equal(out.newEntry[j], 0);
    assert.equal(out.spanUs[j], 10n);
  }
  const all = builder.build(rows, n, d, true);
  assert.equal(all.length, n);
  // The deltas must be of the same drain (they carry its sorted order).
  assert.throws(() => builder.build(rows, 0, d), /the deltas cover 500 rows, not 0/);
  const empty = builder.build(rows, 0, engine.compute(rows, 0, 30n));
  assert.equal(empty.length, 0);
});

test("a snapshot larger than one chunk comes out in chunks equal to the sorted rows", () => {
  const n = ENCODE_CHUNK_ROWS * 2 + 123;
  const cols = randomColumns(n, 11);
  // Distinct keys (bytes 1..3 of the address = the row number), so the expected order has no ties.
  for (let i = 0; i < n; i++) cols.src.set([i >> 16, (i >> 8) & 255, i & 255], i * 16 + 1);
  const engine = new DeltaEngine(n, 0n);
  engine.compute(encodeFlowRows(cols, n), n, 5n);
  engine.commit();
  for (let i = 0; i < n; i += 2) cols.packets[i]! += BigInt(i);
  const rows = encodeFlowRows(cols, n);
  const d = engine.compute(rows, n, 9n);
  const builder = new SnapshotBuilder(n);
  const source = builder.build(rows, n, d, true);
  const expected = Array.from({ length: n }, (_, i) => i).sort((a, b) => compareRows(cols, a, b));
  let seen = 0;
  for (let at = 0; at < n; at += ENCODE_CHUNK_ROWS) {
    const len = Math.min(ENCODE_CHUNK_ROWS, n - at);
    const chunk = source.chunk(at, len);
    assert.equal(chunk.length, len);
    for (let r = 0; r < len; r++) {
      const i = expected[at + r]!;
      assert.equal(chunk.firstSeen[r], cols.firstSeen[i], `row ${at + r} first_seen`);
      assert.equal(chunk.deltas.packets[r], i % 2 === 0 ? BigInt(i) : 0n, `row ${at + r} packets delta`);
      assert.equal(chunk.bytes[r], cols.bytes[i]);
      seen++;
    }
  }
  assert.equal(seen, n);
  assert.throws(() => source.chunk(n - 1, 2), /outside 0\.\./);
  assert.throws(
    () => source.chunk(0, ENCODE_CHUNK_ROWS + 1),
    new RegExp(`chunk capacity ${ENCODE_CHUNK_ROWS}\\)`),
  );
  assert.throws(() => new SnapshotBuilder(4).chunk(0, 0), /before build/);
});

test("release() frees the row index between snapshots; build() allocates it again", () => {
  const n = 300;
  const cols = randomColumns(n, 9);
  const engine = new DeltaEngine(n, 0n);
  const builder = new SnapshotBuilder(n);
  const rows = encodeFlowRows(cols, n);
  builder.build(rows, n, engine.compute(rows, n, 1n), true);
  const first = builder.chunk(0, 10);
  const port = first.dstPort[0];
  builder.release();
  assert.equal(builder.length, 0);
  assert.throws(() => builder.chunk(0, 1), /before build\(\)/);
  engine.commit();
  engine.release();
  const again = builder.build(rows, n, engine.compute(rows, n, 2n), true);
  assert.equal(again.length, n);
  assert.equal(again.chunk(0, 10).dstPort[0], port);
});
