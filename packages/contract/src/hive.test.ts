import assert from "node:assert/strict";
import { join, resolve } from "node:path";
import { describe, test } from "node:test";
import {
  hostDirName,
  parseHostDirName,
  parseSnapshotFileName,
  sanitizePathComponent,
  snapshotRelativePath,
} from "./hive.js";

describe("snapshotRelativePath", () => {
  test("Hive folders, UTC date, padded seq", () => {
    const p = snapshotRelativePath({
      host: "edge-1.example",
      iface: "eth0",
      runId: "20261126T053300Z",
      seq: 42,
      ts: new Date("2026-11-26T23:59:59.999Z"),
    });
    assert.equal(p, "host=edge-1.example/date=2026-11-26/ibsr-eth0-20261126T053300Z-00000042.parquet");
    // Microseconds since the epoch, just after UTC midnight.
    const q = snapshotRelativePath({
      host: "h",
      iface: "veth0",
      runId: "r",
      seq: 0,
      ts: 1_795_651_200_000_001n,
    });
    assert.equal(
      q,
      `host=h/date=${new Date(1_795_651_200_000).toISOString().slice(0, 10)}/ibsr-veth0-r-00000000.parquet`,
    );
    assert.equal(
      snapshotRelativePath({ host: "h", iface: "i", runId: "r", seq: 123456789, ts: new Date(0) }),
      "host=h/date=1970-01-01/ibsr-i-r-123456789.parquet",
    );
  });

  test("no host or iface can escape the output directory", () => {
    const nasty = ["..", ".", "../../etc", "a/b", "a\\b", "x=y", "", "\0", "host name", ".hidden", "é"];
    const root = resolve("/out");
    for (const host of nasty) {
      for (const iface of nasty) {
        const rel = snapshotRelativePath({ host, iface, runId: host, seq: 1, ts: new Date(0) });
        const parts = rel.split("/");
        assert.equal(parts.length, 3, rel);
        assert.ok(parts[0]!.startsWith("host="), rel);
        assert.ok(!parts.some((c) => c === ".." || c === "." || c === ""), rel);
        assert.ok(resolve(join(root, rel)).startsWith(`${root}/`), rel);
        assert.ok(!rel.includes("\0") && !rel.includes("\\"), rel);
        assert.equal((rel.match(/=/g) ?? []).length, 2, rel);
      }
    }
    assert.equal(sanitizePathComponent(".."), "_.");
    assert.equal(sanitizePathComponent(""), "unknown");
    assert.equal(sanitizePathComponent("a/b"), "a_b");
    assert.equal(sanitizePathComponent("x".repeat(500)).length, 128);
  });

  test("file names parse back, other names do not", () => {
    const rel = snapshotRelativePath({
      host: "h",
      iface: "eth0.100",
      runId: "run-1",
      seq: 7,
      ts: new Date(0),
    });
    const name = rel.split("/")[2]!;
    assert.deepEqual(parseSnapshotFileName(name), { iface: "eth0.100", runId: "run_1", seq: 7 });
    assert.equal(parseSnapshotFileName("status.jsonl"), null);
    assert.equal(parseSnapshotFileName(".ibsr-eth0-r-00000001.parquet.tmp"), null);
  });

  test("the host folder names back its (sanitised) host; other folders and host= alone do not", () => {
    const rel = snapshotRelativePath({ host: "edge 1", iface: "i", runId: "r", seq: 0, ts: new Date(0) });
    assert.equal(rel.split("/")[0], hostDirName("edge 1"));
    assert.equal(parseHostDirName(hostDirName("edge 1")), "edge_1");
    for (const name of ["host=", "date=2026-01-01", "hostx", "Host=a"])
      assert.equal(parseHostDirName(name), null, name);
  });

  test("rejects a bad seq or date", () => {
    assert.throws(
      () => snapshotRelativePath({ host: "h", iface: "i", runId: "r", seq: -1, ts: new Date(0) }),
      /seq/,
    );
    assert.throws(
      () => snapshotRelativePath({ host: "h", iface: "i", runId: "r", seq: 1, ts: new Date(Number.NaN) }),
      /date/,
    );
  });
});
