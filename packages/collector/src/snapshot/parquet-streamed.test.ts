import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { DELTA_COLUMNS, GLOBAL_FIELDS, type GlobalTotals, VALUE_COUNTERS } from "@ibsr/contract";
import { encodeSnapshotParquetWithApacheArrow } from "../testing/arrow-reference.js";
import { decodeSnapshotParquet } from "../testing/parquet-read.js";
import {
  allocSnapshotRows,
  ENCODE_CHUNK_ROWS,
  encodeSnapshotParquet,
  encodeSnapshotParquetStreamed,
  type SnapshotFile,
  type SnapshotRows,
} from "./parquet.js";

// The streamed encoder must write the file the whole-table encoder writes: same data pages byte for byte
// (columns, types, encodings, compression, row groups), same footer metadata. Only the ARROW:schema
// footer entry and the order of the footer pairs may differ between any two encodes (apache-arrow numbers
// dictionaries per process; parquet-wasm keeps the pairs in a hash map).

function snapshot(n: number, capacity = n + 5): SnapshotFile {
  const r: SnapshotRows = allocSnapshotRows(capacity);
  r.length = n;
  for (let i = 0; i < capacity; i++) {
    // Rows past `length` hold junk that must never reach the file.
    const junk = i >= n ? 99 : 0;
    const v6 = i % 7 === 3;
    r.family[i] = v6 ? 6 : 4;
    r.prefixLen[i] = v6 ? 64 : 32;
    r.dstPort[i] = [22, 443, 8080][i % 3]! + junk;
    r.src[i * 16] = v6 ? 0x20 : 198;
    r.src[i * 16 + 1] = v6 ? 0x01 : 18;
    r.src[i * 16 + 2] = (i >> 8) & 255;
    r.src[i * 16 + 3] = i & 255;
    VALUE_COUNTERS.forEach((c, k) => {
      r[c][i] = BigInt(Math.imul(i + 1, 2654435761 + k) >>> (k + 8)) + BigInt(junk);
      r.deltas[c][i] = BigInt((i * (k + 3)) % 17) - (k === 7 && i % 11 === 0 ? 20n : 0n);
    });
    r.newEntry[i] = i % 5 === 0 ? 1 : 0;
    r.spanUs[i] = 60_000_123n;
    r.firstSeen[i] = 1_000_000_000_000n + BigInt(i) * 997n;
  }
  return {
    meta: {
      collectorVersion: "0.1.0-test",
      host: "edge-1",
      iface: "veth-ibsr",
      runId: "run-1",
      seq: 3,
      tsUs: 1_795_670_000_123_456n,
      baseTsUs: 1_795_669_580_000_000n,
      intervalSec: 60,
      xdpMode: "generic",
      mtu: 1500,
      offload: {},
      mapCapacity: capacity,
      liveEntries: n,
      kernelRelease: "6.18.0-test",
      ports: [22, 443, 8080],
      ipv6PrefixLen: 64,
      globals: Object.fromEntries(GLOBAL_FIELDS.map((f, i) => [f, BigInt(i)])) as GlobalTotals,
      monoOffsetNs: 0n,
    },
    rows: r,
  };
}

/** Everything before the Thrift footer: the column chunks (pages) of every row group. */
function dataPart(bytes: Uint8Array): Uint8Array {
  const footerLen = new DataView(bytes.buffer, bytes.byteOffset + bytes.length - 8, 4).getUint32(0, true);
  return bytes.subarray(0, bytes.length - 8 - footerLen);
}

function columns(s: SnapshotRows): unknown[] {
  const n = s.length;
  const big = (a: BigInt64Array) => [...a.subarray(0, n)];
  return [
    [...s.family.subarray(0, n)],
    [...s.prefixLen.subarray(0, n)],
    [...s.dstPort.subarray(0, n)],
    [...s.src.subarray(0, n * 16)],
    [...s.newEntry.subarray(0, n)],
    big(s.spanUs),
    big(s.firstSeen),
    ...VALUE_COUNTERS.map((c) => big(s[c])),
    ...VALUE_COUNTERS.map((c) => big(s.deltas[c])),
  ];
}

describe("encodeSnapshotParquetStreamed", () => {
  for (const n of [0, 1, 6, ENCODE_CHUNK_ROWS, ENCODE_CHUNK_ROWS + 1, 2 * ENCODE_CHUNK_ROWS + 777]) {
    test(`${n} rows: the same pages and metadata as the whole-table encoder`, async () => {
      const s = snapshot(n);
      const whole = encodeSnapshotParquet(s);
      const streamed = await encodeSnapshotParquetStreamed(s);
      assert.equal(streamed.length, whole.length);
      assert.ok(Buffer.from(dataPart(streamed)).equals(Buffer.from(dataPart(whole))), "data pages differ");
      const a = decodeSnapshotParquet(streamed);
      const b = decodeSnapshotParquet(whole);
      assert.equal(a.rows.length, n);
      assert.deepEqual(columns(a.rows), columns(s.rows));
      assert.deepEqual(a.meta, b.meta);
      // Footer pairs compared as a set: parquet-wasm writes them in hash-map order.
      const kv = (m: Map<string, string>) => [...m].filter(([k]) => k !== "ARROW:schema").sort();
      assert.deepEqual(kv(a.keyValue), kv(b.keyValue));
    });
  }

  // The collector writes its Arrow IPC stream by hand (arrow-ipc.ts); apache-arrow's writer is the
  // independent reference. Same table for parquet-wasm means the same pages, metadata and types.
  for (const n of [1, 6, 2 * ENCODE_CHUNK_ROWS + 777]) {
    test(`${n} rows: the same file as through apache-arrow's IPC writer`, async () => {
      const s = snapshot(n);
      const ours = encodeSnapshotParquet(s);
      const theirs = encodeSnapshotParquetWithApacheArrow(s);
      assert.equal(ours.length, theirs.length);
      assert.ok(Buffer.from(dataPart(ours)).equals(Buffer.from(dataPart(theirs))), "data pages differ");
      const a = decodeSnapshotParquet(ours);
      const b = decodeSnapshotParquet(theirs);
      assert.deepEqual(columns(a.rows), columns(b.rows));
      assert.deepEqual([...a.keyValue].sort(), [...b.keyValue].sort());
      const streamed = await encodeSnapshotParquetStreamed(s);
      assert.ok(
        Buffer.from(dataPart(streamed)).equals(Buffer.from(dataPart(theirs))),
        "streamed pages differ",
      );
    });
  }

  test("the row group size option is honoured as by the whole-table encoder", async () => {
    const s = snapshot(ENCODE_CHUNK_ROWS + 100);
    const opts = { maxRowGroupSize: 10_000 };
    const streamed = await encodeSnapshotParquetStreamed(s, opts);
    const whole = encodeSnapshotParquet(s, opts);
    assert.ok(Buffer.from(dataPart(streamed)).equals(Buffer.from(dataPart(whole))), "data pages differ");
    assert.deepEqual(columns(decodeSnapshotParquet(streamed).rows), columns(s.rows));
  });

  test("a length outside the capacity is refused", async () => {
    const s = snapshot(3);
    s.rows.length = s.rows.capacity + 1;
    await assert.rejects(encodeSnapshotParquetStreamed(s), /length 9 is outside 0\.\.capacity 8/);
  });

  test("delta columns exist in the file", async () => {
    const d = decodeSnapshotParquet(await encodeSnapshotParquetStreamed(snapshot(2)));
    assert.equal(d.rows.deltas.bytes[0], 0n - 20n);
    assert.equal(DELTA_COLUMNS.length, VALUE_COUNTERS.length);
  });
});
