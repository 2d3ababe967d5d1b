import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, test } from "node:test";
import { type Heartbeat, HeartbeatWriter, heartbeatPath, rssBytes } from "./heartbeat.js";

function sampleHeartbeat(over: Partial<Heartbeat> = {}): Heartbeat {
  return {
    time: "2026-11-26T05:00:00.000Z",
    host: "host-a",
    iface: "eth0",
    runId: "r1",
    cycle: 1,
    seq: 1,
    intervalSec: 60,
    capacity: 100_000,
    liveEntries: 1000,
    fill: 0.01,
    inserts: 1200,
    estimatedEvictions: 200,
    matchedPackets: 50_000,
    matchedBytes: 3_000_000,
    matchedSyn: 900,
    drainMs: 3.2,
    writeMs: 12.5,
    rssBytes: 80_000_000,
    peakRssBytes: 90_000_000,
    writeOk: true,
    writeErrorsTotal: 0,
    writeErrorsConsecutive: 0,
    lastErrno: null,
    lastError: null,
    lastSnapshotPath: "/x/host=host-a/date=2026-11-26/ibsr-eth0-r1-00000001.parquet",
    ...over,
  };
}

describe("HeartbeatWriter", () => {
  test("one JSON line per append, per (host, iface) file", async () => {
    const dir = mkdtempSync(join(tmpdir(), "ibsr-hb-"));
    try {
      const w = new HeartbeatWriter(dir, "host-a", "eth0");
      assert.equal(w.path, join(dir, "host=host-a", "status-eth0.jsonl"));
      assert.equal(heartbeatPath(dir, "host-a", "eth1"), join(dir, "host=host-a", "status-eth1.jsonl"));
      for (let i = 0; i < 3; i++)
        assert.deepEqual(await w.append(sampleHeartbeat({ cycle: i })), { ok: true, rotated: false });
      const lines = readFileSync(w.path, "utf8").trimEnd().split("\n");
      assert.deepEqual(
        lines.map((l) => JSON.parse(l).cycle),
        [0, 1, 2],
      );
      assert.deepEqual(JSON.parse(lines[0]!), sampleHeartbeat({ cycle: 0 }));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("rotates by size to .1, keeping one generation", async () => {
    const dir = mkdtempSync(join(tmpdir(), "ibsr-hb-"));
    try {
      const lineLen = JSON.stringify(sampleHeartbeat({ cycle: 10 })).length + 1;
      const w = new HeartbeatWriter(dir, "host-a", "eth0", { maxBytes: lineLen * 3 + 1 });
      const results = [];
      for (let i = 10; i < 17; i++) results.push(await w.append(sampleHeartbeat({ cycle: i })));
      assert.deepEqual(
        results.map((r) => r.ok && r.rotated),
        [false, false, false, true, false, false, true],
      );
      const cur = readFileSync(w.path, "utf8")
        .trimEnd()
        .split("\n")
        .map((l) => JSON.parse(l).cycle);
      const old = readFileSync(`${w.path}.1`, "utf8")
        .trimEnd()
        .split("\n")
        .map((l) => JSON.parse(l).cycle);
      assert.deepEqual(cur, [16]);
      assert.deepEqual(old, [13, 14, 15]);
      assert.ok(statSync(w.path).size <= lineLen * 3 + 1);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("picks up an existing file's size after a restart", async () => {
    const dir = mkdtempSync(join(tmpdir(), "ibsr-hb-"));
    try {
      const path = heartbeatPath(dir, "host-a", "eth0");
      mkdirSync(join(dir, "host=host-a"));
      writeFileSync(path, "x".repeat(500));
      const w = new HeartbeatWriter(dir, "host-a", "eth0", { maxBytes: 600 });
      const r = await w.append(sampleHeartbeat());
      assert.deepEqual(r, { ok: true, rotated: true });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("a failed append is returned, not thrown", async () => {
    const dir = mkdtempSync(join(tmpdir(), "ibsr-hb-"));
    try {
      writeFileSync(join(dir, "host=host-a"), "a file where the folder should be");
      const w = new HeartbeatWriter(dir, "host-a", "eth0");
      const r = await w.append(sampleHeartbeat());
      assert.equal(r.ok, false);
      if (!r.ok) assert.ok(["ENOTDIR", "EEXIST"].includes(r.code), r.code);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("rss is the process's", () => {
    assert.ok(rssBytes() > 1_000_000);
  });

  // Root only (mount). An 8 KiB tmpfs: the line that crosses its second page is written in part before
  // ENOSPC; the writer must cut it off again.
  test("an append that runs out of space part way leaves no torn line", {
    skip: process.getuid?.() !== 0,
  }, async () => {
    const mnt = mkdtempSync(join(tmpdir(), "ibsr-hb-full-"));
    execFileSync("mount", ["-t", "tmpfs", "-o", "size=8k", "tmpfs", mnt]);
    try {
      const w = new HeartbeatWriter(mnt, "host-a", "eth0");
      let failed: Awaited<ReturnType<HeartbeatWriter["append"]>> | null = null;
      let written = 0;
      for (let cycle = 1; cycle <= 100 && !failed; cycle++) {
        const r = await w.append(sampleHeartbeat({ cycle }));
        if (r.ok) written++;
        else failed = r;
      }
      assert.equal(failed?.ok === false && failed.code, "ENOSPC");
      const text = readFileSync(w.path, "utf8");
      assert.ok(text.endsWith("\n"), "the file ends with a whole line");
      const lines = text.trimEnd().split("\n");
      assert.equal(lines.length, written);
      assert.deepEqual(
        lines.map((l) => (JSON.parse(l) as Heartbeat).cycle),
        Array.from({ length: written }, (_, i) => i + 1),
      );
      // The next append fails the same way, and still leaves the file whole.
      assert.equal((await w.append(sampleHeartbeat({ cycle: 999 }))).ok, false);
      assert.equal(readFileSync(w.path, "utf8"), text);
    } finally {
      execFileSync("umount", [mnt]);
      rmSync(mnt, { recursive: true, force: true });
    }
  });
});
