import assert from "node:assert/strict";
import { test } from "node:test";
import {
  COMPACTED_FILE_NAME,
  parseSnapshotFileName,
  runIdFileComponent,
  SNAPSHOT_FILE_RE,
  snapshotRelativePath,
} from "./hive.js";
import {
  COMPACTED_META_KEY,
  type CompactedMember,
  encodeCompactedMembers,
  META_KEYS,
  parseCompactedMembers,
  SnapshotFormatError,
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
