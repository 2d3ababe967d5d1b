import assert from "node:assert/strict";
import { test } from "node:test";
import {
  GLOBAL_SIZE,
  GLOBAL_STRUCT_FIELDS,
  KEY_SIZE,
  KEY_SIZE_SHORT,
  KEY_SIZE_V4,
  perCpuSlotSize,
  VALUE_SIZE,
} from "@ibsr/contract";
import type { BatchCursor } from "../libbpf/index.js";
import { type BatchMap, chunkFor, FlowDrainer, GlobalReader, type LookupMap, slackFor } from "./drain.js";
import { allocFlowColumns, encodeKey, type FlowColumns, gatherFlowRows } from "./flow-rows.js";

const LE = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

interface Entry {
  key: Uint8Array;
  value: Uint8Array;
}

function entry(i: number): Entry {
  const addr = new Uint8Array(16);
  addr.set([198, 19, (i >> 8) & 255, i & 255]);
  const key = encodeKey(4, 32, 8000 + (i % 3), addr);
  const value = new Uint8Array(VALUE_SIZE);
  const dv = new DataView(value.buffer);
  for (let c = 0; c < 8; c++) dv.setBigUint64(c * 8, BigInt(i * 10 + c), LE);
  dv.setBigUint64(64, 1_000_000_000n + BigInt(i), LE);
  return { key, value };
}

/** The first n drained rows as columns, through the schema's decoder. */
function decoded(d: FlowDrainer, n: number): FlowColumns {
  const cols = allocFlowColumns(n);
  gatherFlowRows(
    d.rows,
    Uint32Array.from({ length: n }, (_, i) => i),
    0,
    n,
    cols,
  );
  return cols;
}

/** Mimics bpf_map_lookup_batch on a hash map: chunks of whole buckets, the last one ends the pass. */
class FakeMap implements BatchMap {
  readonly name = "ibsr_flows4";
  calls: number[] = [];
  /** keySize: a short key is written as the kernel does, cut after its first keySize bytes, back to back. */
  constructor(
    private readonly entries: Entry[],
    readonly keySize: number = KEY_SIZE,
  ) {}
  lookupBatch(cursor: BatchCursor, keys: Uint8Array, values: Uint8Array, maxCount: number): number {
    const start = cursor.started ? cursor.inBatch.readUInt32LE(0) : 0;
    const n = Math.min(maxCount, this.entries.length - start);
    for (let i = 0; i < n; i++) {
      const e = this.entries[start + i]!;
      keys.set(e.key.subarray(0, this.keySize), i * this.keySize);
      values.set(e.value, i * VALUE_SIZE);
    }
    this.calls.push(maxCount);
    if (start + n >= this.entries.length) cursor.done = true;
    else {
      cursor.outBatch.writeUInt32LE(start + n, 0);
      cursor.outBatch.copy(cursor.inBatch);
      cursor.started = true;
    }
    return n;
  }
}

test("chunk size is at least 1024 and at most 4096; the churn slack about 1.5 %, at least 1024", () => {
  assert.equal(chunkFor(10), 1024);
  assert.equal(chunkFor(3000), 3000);
  assert.equal(chunkFor(2_000_000), 4096);
  assert.equal(slackFor(10), 1024);
  assert.equal(slackFor(100_000), 1563);
  assert.equal(slackFor(2_000_000), 31_250);
});

test("a drain reads every entry in chunks and decodes keys, counters and first_seen", () => {
  const entries = Array.from({ length: 2500 }, (_, i) => entry(i));
  const map = new FakeMap(entries);
  const d = new FlowDrainer(map, 2500);
  const r = d.drain();
  assert.equal(r.rows, 2500);
  assert.equal(r.truncated, false);
  assert.equal(r.calls, 1);
  assert.equal(d.limit, 2500 + 1024);
  assert.equal(d.rows.capacity, 2500 + 1024 + d.chunk, "room for one more batch past the limit");
  const cols = decoded(d, r.rows);
  for (const i of [0, 1, 1234, 2499]) {
    assert.equal(cols.family[i], 4);
    assert.equal(cols.prefixLen[i], 32);
    assert.equal(cols.dstPort[i], 8000 + (i % 3));
    assert.deepEqual([...cols.src.subarray(i * 16, i * 16 + 4)], [198, 19, (i >> 8) & 255, i & 255]);
    assert.equal(cols.syn[i], BigInt(i * 10));
    assert.equal(cols.bytes[i], BigInt(i * 10 + 7));
    assert.equal(cols.firstSeen[i], 1_000_000_000n + BigInt(i));
  }
});

test("short kernel keys (a /64-or-shorter setup) come out at the full key stride, tails zero", () => {
  const v6 = (i: number): Entry => {
    const addr = new Uint8Array(16);
    addr.set([0x20, 0x01, 0, 2, 0, i & 255, 0, 1]); // a /64: bytes 8..15 zero
    return { key: encodeKey(6, 64, 443, addr), value: entry(i).value };
  };
  const entries = Array.from({ length: 2200 }, (_, i) => (i % 2 ? v6(i) : entry(i)));
  const map = new FakeMap(entries, KEY_SIZE_SHORT);
  const d = new FlowDrainer(map, 1024);
  // Garbage where the widened keys land: the tails must be written, not assumed zero.
  d.rows.keys.fill(0xee);
  const r = d.drain();
  assert.equal(r.rows, 2048);
  assert.equal(r.calls, 3, "1024-row chunks, the second ending past the limit");
  for (let i = 0; i < r.rows; i++)
    assert.deepEqual(d.rows.keys.subarray(i * KEY_SIZE, (i + 1) * KEY_SIZE), entries[i]!.key, `row ${i}`);
  const cols = decoded(d, r.rows);
  assert.equal(cols.family[1], 6);
  assert.equal(cols.prefixLen[1], 64);
  assert.equal(cols.dstPort[1], 443);
  assert.deepEqual([...cols.src.subarray(16, 32)], [0x20, 1, 0, 2, 0, 1, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0]);
  assert.equal(cols.syn[2047], BigInt(2047 * 10));
});

test("the two flow maps (8-byte IPv4 keys, 12-byte IPv6 keys) drain into one set of rows at the full key stride", () => {
  const v6 = (i: number): Entry => {
    const addr = new Uint8Array(16);
    addr.set([0x20, 0x01, 0, 2, 0, i & 255, 0, 1]);
    return { key: encodeKey(6, 64, 443, addr), value: entry(i).value };
  };
  const four = Array.from({ length: 1500 }, (_, i) => entry(i));
  const six = Array.from({ length: 700 }, (_, i) => v6(i));
  const d = new FlowDrainer([new FakeMap(four, KEY_SIZE_V4), new FakeMap(six, KEY_SIZE_SHORT)], 2200);
  d.rows.keys.fill(0xee);
  const r = d.drain();
  assert.deepEqual([r.rows, r.calls, r.truncated, [...r.perMap]], [2200, 2, false, [1500, 700]]);
  const all = [...four, ...six];
  for (let i = 0; i < r.rows; i++)
    assert.deepEqual(d.rows.keys.subarray(i * KEY_SIZE, (i + 1) * KEY_SIZE), all[i]!.key, `row ${i}`);
  const cols = decoded(d, r.rows);
  assert.deepEqual([cols.family[1499], cols.family[1500]], [4, 6]);
  assert.deepEqual([...cols.src.subarray(1499 * 16, 1499 * 16 + 4)], [198, 19, 5, 219]);
  assert.equal(cols.syn[1500], 0n);
  assert.equal(cols.syn[2199], BigInt(699 * 10));
  // The limit (total + slack) holds across both maps: the second map is cut where the rows run out.
  const small = new FlowDrainer([new FakeMap(four, KEY_SIZE_V4), new FakeMap(six, KEY_SIZE_SHORT)], 1024);
  const r2 = small.drain();
  assert.deepEqual([r2.rows, r2.truncated, [...r2.perMap]], [2048, true, [1500, 548]]);
});

test("a map bigger than one chunk takes several calls, and a second drain reuses the same rows", () => {
  const entries = Array.from({ length: 3000 }, (_, i) => entry(i));
  const map = new FakeMap(entries);
  const d = new FlowDrainer(map, 1024);
  assert.equal(d.chunk, 1024);
  // The limit is the map size plus the churn slack (1024 at least): 2048 rows.
  const r = d.drain();
  assert.equal(r.truncated, true);
  assert.equal(r.rows, 2048);
  assert.equal(r.calls, 3);
  const rows = d.rows;
  const r2 = d.drain();
  assert.equal(r2.rows, 2048);
  assert.equal(d.rows, rows);
  assert.equal(decoded(d, 2048).syn[2047], BigInt(2047 * 10));
});

test("the last chunk's rows count even though it ends the pass", () => {
  const entries = Array.from({ length: 1030 }, (_, i) => entry(i));
  const map = new FakeMap(entries);
  const d = new FlowDrainer(map, 1030);
  const r = d.drain();
  assert.equal(r.rows, 1030);
  assert.equal(r.calls, 1);
  const small = new FakeMap(Array.from({ length: 2049 }, (_, i) => entry(i)));
  const d2 = new FlowDrainer(small, 1024);
  // 2049 entries > the 2048-row limit: truncated at the limit, not an exception.
  assert.equal(d2.drain().rows, 2048);
});

test("an empty map drains to zero rows in one call", () => {
  const d = new FlowDrainer(new FakeMap([]), 100);
  const r = d.drain();
  assert.deepEqual([r.rows, r.calls, r.truncated], [0, 1, false]);
});

test("the global reader sums every CPU's slot", () => {
  const cpus = 3;
  const slot = perCpuSlotSize(GLOBAL_SIZE);
  const map: LookupMap = {
    name: "ibsr_global",
    lookup(key, out) {
      assert.equal(key.byteLength, 4);
      const dv = new DataView(out.buffer, out.byteOffset, out.byteLength);
      for (let c = 0; c < cpus; c++) {
        GLOBAL_STRUCT_FIELDS.forEach((_, f) => {
          dv.setBigUint64(c * slot + f * 8, BigInt((c + 1) * 100 + f), LE);
        });
      }
      return true;
    },
  };
  const g = new GlobalReader(map, cpus).read();
  // Struct field f sums to 600 + 3f over the CPUs; packets_seen and tcp_seen are sums of exit counters.
  const sum = (f: number) => BigInt(100 + f + 200 + f + 300 + f);
  assert.deepEqual(g, {
    packets_seen: sum(0) + sum(1) + sum(2),
    tcp_seen: sum(1) + sum(2),
    matched_packets: sum(2),
    matched_bytes: sum(3),
    matched_syn: sum(4),
    inserts: sum(5),
  });
  const missing: LookupMap = { name: "ibsr_global", lookup: () => false };
  assert.throws(() => new GlobalReader(missing, 1).read(), /ibsr_global: entry 0 missing/);
});

test("release() frees the rows at once; the next drain allocates them again", () => {
  const entries = Array.from({ length: 1500 }, (_, i) => entry(i));
  const d = new FlowDrainer(new FakeMap(entries), 2000);
  assert.equal(d.drain().rows, 1500);
  const old = d.rows;
  d.release();
  assert.equal(old.keys.buffer.byteLength, 0, "the keys' buffer is detached (its memory freed)");
  assert.equal(old.values.lo.length, 0, "the values are freed too");
  const r = d.drain();
  assert.equal(r.rows, 1500);
  assert.notEqual(d.rows, old);
  assert.equal(decoded(d, 1500).syn[1499], BigInt(1499 * 10));
});
