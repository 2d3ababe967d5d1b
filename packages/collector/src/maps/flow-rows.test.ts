import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { GLOBAL_FIELDS, KEY_SIZE, VALUE_COUNTERS, VALUE_OFFSETS, VALUE_SIZE } from "@ibsr/contract";
import {
  allocFlowColumns,
  allocFlowRows,
  decodeGlobal,
  encodeFlowRows,
  encodeKey,
  encodeValue,
  gatherFlowRows,
  HI,
  KEY_WORDS,
  LO,
  permuteRows,
  VALUE_WORD,
  VALUE_WORDS,
} from "./flow-rows.js";

// Golden bytes are written out byte by byte below (little-endian, as the kernel on x86-64 and
// arm64 stores them), not produced by the code under test.
const KEY_A = [
  // family 4, prefix_len 32, dst_port 443 = 0x01bb little-endian
  4, 32, 0xbb, 0x01,
  // addr 198.18.0.1, then zeros
  198, 18, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
  // pad
  0, 0, 0, 0,
];
const KEY_B = [
  // family 6, prefix_len 64, dst_port 8080 = 0x1f90 little-endian
  6, 64, 0x90, 0x1f,
  // addr 2001:2:0:7:: (a /64)
  0x20, 0x01, 0x00, 0x02, 0x00, 0x00, 0x00, 0x07, 0, 0, 0, 0, 0, 0, 0, 0,
  // pad
  0, 0, 0, 0,
];
const ADDR_B = KEY_B.slice(4, 20);
// u64 little-endian
const le64 = (lo: number, hi = 0) => [
  lo & 0xff,
  (lo >>> 8) & 0xff,
  (lo >>> 16) & 0xff,
  lo >>> 24,
  hi & 0xff,
  (hi >>> 8) & 0xff,
  (hi >>> 16) & 0xff,
  hi >>> 24,
];
const VALUE_A = [
  ...le64(1), // syn
  ...le64(2), // synack
  ...le64(3), // ack
  ...le64(4), // handshake_ack
  ...le64(5), // rst
  ...le64(6), // fin
  ...le64(0xffffffff), // packets: 2^32 - 1, the low word alone
  ...le64(0, 1), // bytes: 2^32, the high word alone
  ...le64(0x89abcdef, 0x01234567), // first_seen
];
const VALUE_B = [
  ...le64(10),
  ...le64(0),
  ...le64(0),
  ...le64(0),
  ...le64(0),
  ...le64(0),
  ...le64(10),
  ...le64(600),
  ...le64(0xfffffffe, 0x7fffffff), // first_seen: 2^63 - 2
];

describe("FlowRows", () => {
  test("gatherFlowRows decodes golden keys and values, in the order asked", () => {
    const rows = allocFlowRows(3);
    rows.keys.set([...KEY_A, ...KEY_B]);
    rows.values.pushRows(new Uint32Array(Uint8Array.from([...VALUE_A, ...VALUE_B]).buffer), 2);
    const out = allocFlowColumns(4);
    gatherFlowRows(rows, Uint32Array.from([0, 1, 0]), 1, 2, out);
    // out row 0 = rows row 1 (KEY_B), out row 1 = rows row 0 (KEY_A)
    assert.deepEqual([...out.family], [6, 4, 0, 0]);
    assert.deepEqual([...out.prefixLen], [64, 32, 0, 0]);
    assert.deepEqual([...out.dstPort], [8080, 443, 0, 0]);
    assert.deepEqual([...out.src.subarray(0, 16)], ADDR_B);
    assert.deepEqual([...out.src.subarray(16, 20)], [198, 18, 0, 1]);
    assert.deepEqual(
      VALUE_COUNTERS.map((c) => out[c][1]),
      [1n, 2n, 3n, 4n, 5n, 6n, 4294967295n, 4294967296n],
    );
    assert.deepEqual(
      VALUE_COUNTERS.map((c) => out[c][0]),
      [10n, 0n, 0n, 0n, 0n, 0n, 10n, 600n],
    );
    assert.equal(out.firstSeen[1], 0x0123456789abcdefn);
    assert.equal(out.firstSeen[0], 2n ** 63n - 2n);
    // Rows past len are untouched.
    assert.equal(out.syn[2], 0n);
  });

  test("word offsets agree with the byte offsets; encodeValue writes the golden value", () => {
    assert.equal(KEY_WORDS * 4, KEY_SIZE);
    assert.equal(VALUE_WORDS * 4, VALUE_SIZE);
    for (const [f, off] of Object.entries(VALUE_OFFSETS)) assert.equal(VALUE_WORD[f as "syn"] * 4, off);
    const golden = Uint8Array.from(VALUE_A);
    const dv = new DataView(golden.buffer);
    const fields = Object.fromEntries(
      Object.entries(VALUE_OFFSETS).map(([f, off]) => [f, dv.getBigUint64(off, true)]),
    );
    assert.deepEqual([...encodeValue(fields)], VALUE_A);
    // The drained words as the compact values keep them: first_seen's two words as they are.
    const rows = allocFlowRows(1);
    rows.values.pushRows(new Uint32Array(golden.buffer), 1);
    assert.equal(rows.values.firstSeen[LO], 0x89abcdef);
    assert.equal(rows.values.firstSeen[HI], 0x01234567);
    assert.equal(rows.values.lo[VALUE_COUNTERS.indexOf("bytes")], 0);
    assert.equal(rows.values.hiWord(0, VALUE_COUNTERS.indexOf("bytes")), 1, "bytes = 2^32");
  });

  test("encodeFlowRows and gatherFlowRows are inverses", () => {
    const cols = allocFlowColumns(3);
    [4, 6, 6].forEach((f, i) => {
      cols.family[i] = f;
      cols.prefixLen[i] = f === 4 ? 32 : 48 + i;
      cols.dstPort[i] = 65535 - i;
      cols.src.set([0x20 + i, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 255], i * 16);
      VALUE_COUNTERS.forEach((c, k) => {
        cols[c][i] = 2n ** BigInt(8 * k + i) - 1n;
      });
      cols.firstSeen[i] = 2n ** 62n + BigInt(i);
    });
    const back = allocFlowColumns(3);
    gatherFlowRows(encodeFlowRows(cols, 3), Uint32Array.from([0, 1, 2]), 0, 3, back);
    assert.deepEqual(back, cols);
  });

  test("rejects rows and ranges that do not fit", () => {
    const rows = allocFlowRows(2);
    assert.throws(
      () => gatherFlowRows(rows, Uint32Array.from([0, 1]), 1, 2, allocFlowColumns(4)),
      /rows 1\.\.3 of 2/,
    );
    assert.throws(
      () => gatherFlowRows(rows, Uint32Array.from([5]), 0, 1, allocFlowColumns(1)),
      /row 5 is outside 0\.\.1/,
    );
    assert.throws(() => allocFlowRows(-1), /non-negative integer/);
  });

  test("encodeKey produces the golden key", () => {
    const addr = Uint8Array.from(ADDR_B);
    assert.deepEqual([...encodeKey(6, 64, 8080, addr)], KEY_B);
  });
});

describe("decodeGlobal", () => {
  test("sums per-CPU slots as bigint and derives packets_seen and tcp_seen from the exit counters", () => {
    const cpu0 = [...le64(1), ...le64(2), ...le64(3), ...le64(4), ...le64(5), ...le64(6)];
    const cpu1 = [
      ...le64(100),
      ...le64(0xffffffff, 0xffff), // 2^48 - 1
      ...le64(0),
      ...le64(0, 0x10), // 2^36
      ...le64(1),
      ...le64(0),
    ];
    const totals = decodeGlobal(Uint8Array.from([...cpu0, ...cpu1]), 2);
    // Struct sums: not_tcp 101, tcp_unmonitored 2^48 + 1, matched_packets 3 (bpf/ibsr.h).
    assert.deepEqual(totals, {
      packets_seen: 101n + 2n ** 48n + 1n + 3n,
      tcp_seen: 2n ** 48n + 1n + 3n,
      matched_packets: 3n,
      matched_bytes: 4n + 2n ** 36n,
      matched_syn: 6n,
      inserts: 6n,
    });
    assert.deepEqual(Object.keys(totals), [...GLOBAL_FIELDS]);
    // Summing beyond 2^64 is kept exact (bigint), not wrapped.
    const max = Uint8Array.from([...le64(0xffffffff, 0xffffffff), ...new Array(40).fill(0)]);
    const two = new Uint8Array(96);
    two.set(max, 0);
    two.set(max, 48);
    assert.equal(decodeGlobal(two, 2).packets_seen, 2n * (2n ** 64n - 1n));
  });

  test("rejects a short buffer with sizes in the message", () => {
    assert.throws(() => decodeGlobal(new Uint8Array(48), 2), /2 CPUs need 96 bytes \(48 per CPU\), got 48/);
  });
});

test("permuteRows moves keys, values and escaped high words to their new places, and leaves the order as given", () => {
  const n = 150;
  const cols = allocFlowColumns(n);
  for (let i = 0; i < n; i++) {
    cols.family[i] = i % 2 === 0 ? 4 : 6;
    cols.prefixLen[i] = i % 2 === 0 ? 32 : 64;
    cols.dstPort[i] = 1000 + i;
    cols.src.set([198, 18, i >> 8, i & 255, i], i * 16);
    cols.firstSeen[i] = BigInt(i) * 2n ** 34n + 3n;
    VALUE_COUNTERS.forEach((c, k) => {
      cols[c][i] = i % 4 === 1 ? 2n ** 40n * BigInt(k + 1) + BigInt(i) : BigInt(i * 10 + k);
    });
  }
  // A permutation with fixed points, a 2-cycle and long cycles: new row p = old row order[p].
  let x = 17;
  const order = Uint32Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 20; i--) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    const j = 20 + ((x >>> 8) % (i - 19));
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  [order[3], order[4]] = [4, 3];
  const given = order.slice();
  const rows = encodeFlowRows(cols, n);
  permuteRows(rows, order, n);
  assert.deepEqual([...order], [...given], "the order is as given");
  const got = allocFlowColumns(n);
  gatherFlowRows(
    rows,
    Uint32Array.from({ length: n }, (_, i) => i),
    0,
    n,
    got,
  );
  for (let p = 0; p < n; p++) {
    const i = given[p]!;
    assert.equal(got.dstPort[p], cols.dstPort[i], `row ${p} port`);
    assert.equal(got.family[p], cols.family[i]);
    assert.deepEqual([...got.src.subarray(p * 16, p * 16 + 16)], [...cols.src.subarray(i * 16, i * 16 + 16)]);
    assert.equal(got.firstSeen[p], cols.firstSeen[i]);
    for (const c of VALUE_COUNTERS) assert.equal(got[c][p], cols[c][i], `row ${p} ${c}`);
  }
  assert.throws(() => permuteRows(encodeFlowRows(cols, 3), Uint32Array.of(0, 2, 2), 3), /not a permutation/);
});
