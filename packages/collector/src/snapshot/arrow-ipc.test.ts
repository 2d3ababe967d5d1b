import assert from "node:assert/strict";
import { test } from "node:test";
import { VALUE_COUNTERS } from "@ibsr/contract";
import { type IpcMeta, SnapshotIpcEncoder } from "./arrow-ipc.js";
import { allocSnapshotRows, type SnapshotRows } from "./parquet.js";

const meta: IpcMeta = {
  runId: "run-1",
  host: "edge-1",
  iface: "veth-ibsr",
  seq: 3,
  tsUs: 1_795_670_000_123_456n,
  baseTsUs: 1_795_669_580_000_000n,
};

/** Rows whose every byte is `fill`-derived, so a stale byte from another chunk shows. */
function rows(n: number, fill: number): SnapshotRows {
  const r = allocSnapshotRows(n);
  r.length = n;
  r.family.fill(4);
  r.prefixLen.fill(32);
  r.dstPort.fill(443);
  r.src.fill(fill);
  r.newEntry.fill(fill & 1);
  for (const c of VALUE_COUNTERS) {
    r[c].fill(BigInt(fill));
    r.deltas[c].fill(BigInt(fill));
  }
  r.spanUs.fill(60_000_000n);
  r.firstSeen.fill(BigInt(fill));
  return r;
}

// The encoder reuses its buffer and its batch layout from chunk to chunk: a short chunk after a full one
// must come out byte for byte as from a fresh encoder (no bits of the last chunk's booleans, dictionary
// indexes or padding left behind).
test("a chunk encodes the same after a larger one as from a fresh encoder", () => {
  const reused = new SnapshotIpcEncoder(meta);
  reused.encode(rows(1024, 0xff), 0, 1024);
  for (const n of [13, 1, 1024, 7]) {
    const got = [...reused.encode(rows(n, 2), 0, n)];
    const fresh = [...new SnapshotIpcEncoder(meta).encode(rows(n, 2), 0, n)];
    assert.deepEqual(got, fresh, `${n} rows`);
    reused.encode(rows(1024, 0xff), 0, 1024);
  }
});
