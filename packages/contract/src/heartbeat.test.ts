import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  HEARTBEAT_FILE_RE,
  HEARTBEAT_ROTATED_SUFFIX,
  heartbeatFileName,
  heartbeatRelativePath,
  parseHeartbeatFileName,
} from "./heartbeat.js";
import { parseSnapshotFileName } from "./hive.js";

describe("heartbeat file names", () => {
  test("host=<host>/status-<iface>.jsonl, both components sanitised", () => {
    assert.equal(heartbeatRelativePath("edge-1", "eth0"), "host=edge-1/status-eth0.jsonl");
    assert.equal(heartbeatRelativePath("../x", "a/b"), "host=_._x/status-a_b.jsonl");
  });

  test("the writer's names parse back; the rotated copy is recognised as such", () => {
    for (const iface of ["eth0", "veth-ibsr.1", "x.jsonl"]) {
      const name = heartbeatFileName(iface);
      assert.deepEqual(parseHeartbeatFileName(name), { iface, rotated: false });
      assert.deepEqual(parseHeartbeatFileName(`${name}${HEARTBEAT_ROTATED_SUFFIX}`), {
        iface,
        rotated: true,
      });
    }
  });

  test("other files are not heartbeats, and a heartbeat is never a snapshot", () => {
    for (const name of [
      "status.jsonl",
      "status-.jsonl",
      "status-eth0.jsonl.gz",
      "ibsr-eth0-r-00000001.parquet",
    ])
      assert.equal(parseHeartbeatFileName(name), null, name);
    assert.equal(parseSnapshotFileName(heartbeatFileName("eth0")), null);
    assert.ok(HEARTBEAT_FILE_RE.test("status-eth0.jsonl.1"));
  });
});
