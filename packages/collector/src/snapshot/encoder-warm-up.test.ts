import assert from "node:assert/strict";
import { test } from "node:test";
import { FAMILY_IPV4, FAMILY_IPV6 } from "@ibsr/contract";
import { decodeSnapshotParquet } from "../testing/parquet-read.js";
import { encodeWarmUpSnapshot } from "./encoder-warm-up.js";
import { ENCODE_CHUNK_ROWS, snapshotRowOrder } from "./parquet.js";

test("the warm-up file is a whole, sorted, synthetic snapshot of both families, chunks and all", async () => {
  // More than one chunk and not a multiple of it: every path a real snapshot's encode takes.
  const n = 2 * ENCODE_CHUNK_ROWS + 37;
  const file = decodeSnapshotParquet(await encodeWarmUpSnapshot(n));
  const { rows, meta } = file;
  assert.equal(rows.length, n);
  assert.match(meta.synthetic ?? "", /warm-up/, "marked synthetic, should it ever be read");
  const v4 = rows.family.subarray(0, n).filter((f) => f === FAMILY_IPV4).length;
  const v6 = rows.family.subarray(0, n).filter((f) => f === FAMILY_IPV6).length;
  assert.ok(v4 > 0 && v6 > 0 && v4 + v6 === n, `${v4} IPv4 and ${v6} IPv6 rows`);
  assert.deepEqual(
    [...snapshotRowOrder(rows, n)],
    Array.from({ length: n }, (_, i) => i),
    "rows in snapshot order",
  );
  // Counters that vary (the dictionary and delta encodings see real work), deltas as written.
  assert.ok(new Set(rows.bytes.subarray(0, n)).size > 100);
  assert.deepEqual([...rows.deltas.packets.subarray(0, n)], [...rows.packets.subarray(0, n)]);
});
