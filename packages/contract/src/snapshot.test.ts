import assert from "node:assert/strict";
import { test } from "node:test";
import {
  COMPACTED_FILE_NAME,
  parseSnapshotFileName,
  runIdFileComponent,
  SNAPSHOT_FILE_RE,
  snapshotRelativePath,
} from "./hive.js";
import { GLOBAL_FIELDS, type GlobalTotals, MAP_FLOWS4, MAP_FLOWS6, mapSizes } from "./kernel.js";
import {
  COMPACTED_META_KEY,
  type CompactedMember,
  encodeCompactedMembers,
  META_KEYS,
  parseCompactedMembers,
  parseSnapshotKeyValue,
  SnapshotFormatError,
  type SnapshotMeta,
  snapshotKeyValue,
} from "./snapshot.js";

const members: CompactedMember[] = [
  {
    source: "ibsr-eth0-r1-00000000.parquet",
    kv: { [META_KEYS.host]: "a", [META_KEYS.seq]: "0" },
    rows: 3,
    spanUs: "60000000",
  },
  // Another key set (a synthetic label on one snapshot only) and no rows.
  {
    source: "ibsr-eth0-r1-00000001.parquet",
    kv: { [META_KEYS.host]: "a", [META_KEYS.synthetic]: "x" },
    rows: 0,
    spanUs: null,
  },
];

test("compacted members round-trip, each with exactly its own keys", () => {
  assert.deepEqual(parseCompactedMembers(encodeCompactedMembers(members)), members);
});

test("a malformed compacted entry is refused, naming the key", () => {
  const good = JSON.parse(encodeCompactedMembers(members)) as { members: unknown[][] };
  const bad = [
    "{",
    JSON.stringify({ ...good, version: 99 }),
    JSON.stringify({ ...good, members: [["f", -1, null, [null, null, null]]] }),
    JSON.stringify({ ...good, members: [["f", 1, "6e7", ["a", null, null]]] }),
    JSON.stringify({ ...good, members: [["f", 1, null, ["a"]]] }),
    "null",
  ];
  for (const text of bad)
    assert.throws(
      () => parseCompactedMembers(text),
      (e: unknown) => e instanceof SnapshotFormatError && e.message.includes(COMPACTED_META_KEY),
      text,
    );
});

test("the compacted file's name is never taken for a snapshot", () => {
  assert.equal(SNAPSHOT_FILE_RE.test(COMPACTED_FILE_NAME), false);
  assert.equal(parseSnapshotFileName(COMPACTED_FILE_NAME), null);
  // The run id component the reader derives for a member is the one the file name has.
  const p = snapshotRelativePath({ host: "h", iface: "e-0", runId: "r-1 x", seq: 4, ts: 0n });
  assert.equal(parseSnapshotFileName(p.split("/").pop()!)?.runId, runIdFileComponent("r-1 x"));
});

function meta(): SnapshotMeta {
  return {
    collectorVersion: "0.1.0-test",
    host: "edge-1",
    iface: "veth-ibsr",
    runId: "20261205T020000Z-1",
    seq: 3,
    tsUs: 1_796_000_000_000_000n,
    baseTsUs: 1_795_999_000_000_000n,
    intervalSec: 60,
    xdpMode: "native",
    mtu: 1500,
    offload: {},
    mapCapacity: 100_000,
    liveEntries: 1234,
    kernelRelease: "6.18.0-test",
    ports: [443],
    ipv6PrefixLen: 64,
    globals: Object.fromEntries(GLOBAL_FIELDS.map((f) => [f, 1n])) as GlobalTotals,
    monoOffsetNs: 0n,
  };
}

test("per-family capacity and live entries (two flow maps) round-trip through the footer and sum to the totals", () => {
  const sizes = mapSizes(100_000);
  const m: SnapshotMeta = {
    ...meta(),
    families: {
      ipv4: { capacity: sizes[MAP_FLOWS4], liveEntries: 1200 },
      ipv6: { capacity: sizes[MAP_FLOWS6], liveEntries: 34 },
    },
  };
  const kv = snapshotKeyValue(m);
  assert.equal(kv.get(META_KEYS.mapCapacityIpv4), "75000");
  assert.equal(kv.get(META_KEYS.mapCapacityIpv6), "25000");
  assert.equal(kv.get(META_KEYS.liveEntriesIpv4), "1200");
  assert.equal(kv.get(META_KEYS.liveEntriesIpv6), "34");
  const back = parseSnapshotKeyValue(kv);
  assert.deepEqual(back.families, m.families);
  assert.equal(back.families!.ipv4.capacity + back.families!.ipv6.capacity, back.mapCapacity);
  assert.equal(back.families!.ipv4.liveEntries + back.families!.ipv6.liveEntries, back.liveEntries);
});

test("a snapshot of a one-map collector (no per-family keys) still parses, without families", () => {
  const kv = snapshotKeyValue(meta());
  assert.equal(kv.has(META_KEYS.mapCapacityIpv4), false);
  assert.equal(parseSnapshotKeyValue(kv).families, undefined);
});
