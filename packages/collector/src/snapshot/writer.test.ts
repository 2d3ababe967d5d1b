import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, type TestContext, test } from "node:test";
import { decodeSnapshotParquet } from "../testing/parquet-read.js";
import { allocSnapshotRows, type SnapshotFile } from "./parquet.js";
import { mkdirp, writeFailureHint, writeFileAtomic, writeSnapshot } from "./writer.js";

function snapshot(seq: number, rows = 3): SnapshotFile {
  const r = allocSnapshotRows(rows);
  r.length = rows;
  for (let i = 0; i < rows; i++) {
    r.family[i] = 4;
    r.prefixLen[i] = 32;
    r.dstPort[i] = 443;
    r.src.set([198, 18, 0, i + 1], i * 16);
    r.syn[i] = BigInt(10 + i);
    r.deltas.syn[i] = BigInt(i);
    r.packets[i] = BigInt(100 + i);
    r.deltas.packets[i] = BigInt(2 * i);
    r.firstSeen[i] = BigInt(1_000_000 + i);
    r.newEntry[i] = i % 2;
    r.spanUs[i] = 60_000_000n;
  }
  return {
    meta: {
      collectorVersion: "0.1.0",
      host: "host-a",
      iface: "eth0",
      runId: "20261126T050000Z",
      seq,
      tsUs: 1_795_669_200_000_000n, // 2026-11-26T05:00:00Z
      baseTsUs: 1_795_669_140_000_000n,
      intervalSec: 60,
      xdpMode: "generic",
      mtu: 1500,
      offload: { gro: "on" },
      mapCapacity: 100,
      liveEntries: rows,
      kernelRelease: "6.18.0",
      ports: [443],
      ipv6PrefixLen: 64,
      globals: {
        packets_seen: 9n,
        tcp_seen: 8n,
        matched_packets: 7n,
        matched_bytes: 600n,
        matched_syn: 3n,
        inserts: 3n,
      },
      monoOffsetNs: 0n,
    },
    rows: r,
  };
}

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), "ibsr-writer-"));
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((d) => d.isFile())
    .map((d) => join(d.parentPath, d.name).slice(dir.length + 1))
    .sort();
}

describe("writeSnapshot", () => {
  test("writes the Hive path atomically and the file reads back", async () => {
    const dir = tempDir();
    try {
      const res = await writeSnapshot(dir, snapshot(3));
      assert.ok(res.ok, JSON.stringify(res));
      assert.equal(
        res.path,
        join(dir, "host=host-a/date=2026-11-26/ibsr-eth0-20261126T050000Z-00000003.parquet"),
      );
      assert.equal(statSync(res.path).size, res.bytes);
      assert.ok(res.ms >= 0);
      // Only the final file: no temp file left behind.
      assert.deepEqual(filesUnder(dir), [
        "host=host-a/date=2026-11-26/ibsr-eth0-20261126T050000Z-00000003.parquet",
      ]);
      const bytes = readFileSync(res.path);
      assert.equal(bytes.subarray(0, 4).toString(), "PAR1");
      const back = decodeSnapshotParquet(bytes);
      assert.equal(back.rows.length, 3);
      assert.equal(back.rows.syn[2], 12n);
      assert.equal(back.rows.deltas.packets[2], 4n);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("an unusable out dir is returned as a failure, not thrown", async () => {
    const dir = tempDir();
    try {
      const file = join(dir, "not-a-dir");
      writeFileSync(file, "x");
      const res = await writeSnapshot(file, snapshot(0));
      assert.equal(res.ok, false);
      if (res.ok) return;
      assert.equal(res.op, "mkdir");
      assert.ok(["ENOTDIR", "EEXIST"].includes(res.code), res.code);
      assert.ok(res.errno > 0);
      assert.match(res.path, /not-a-dir\/host=host-a/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("a folder that cannot be created (under /proc) fails at once; no retry loop", async () => {
    // Node's recursive mkdir spins forever here (the kernel says ENOENT although /proc exists).
    const target = join("/proc", `ibsr-test-${process.pid}`, "out");
    const started = performance.now();
    const res = await Promise.race([
      writeSnapshot(target, snapshot(0)),
      new Promise<"hung">((r) => setTimeout(() => r("hung"), 3000).unref()),
    ]);
    assert.notEqual(res, "hung", "writeSnapshot did not return within 3 s");
    if (res === "hung") return;
    assert.equal(res.ok, false);
    if (res.ok) return;
    assert.equal(res.op, "mkdir");
    assert.equal(res.code, "ENOENT");
    assert.ok(performance.now() - started < 1000, `${performance.now() - started} ms`);
    await assert.rejects(mkdirp(join("/proc", `ibsr-test-${process.pid}`)), { code: "ENOENT" });
  });

  test("mkdirp creates every missing level, accepts an existing one, refuses a file on the way", async () => {
    const dir = tempDir();
    try {
      await mkdirp(join(dir, "a", "b", "c"));
      assert.ok(statSync(join(dir, "a", "b", "c")).isDirectory());
      await mkdirp(join(dir, "a", "b", "c"));
      writeFileSync(join(dir, "f"), "x");
      await assert.rejects(mkdirp(join(dir, "f", "g")), { code: "ENOTDIR" });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("an encode failure is returned too", async () => {
    const s = snapshot(0);
    s.meta.seq = -1;
    const res = await writeSnapshot(tmpdir(), s);
    assert.equal(res.ok, false);
    if (!res.ok) assert.equal(res.op, "encode");
  });

  test("hints name the fix", () => {
    assert.match(writeFailureHint("ENOSPC"), /full/);
    assert.match(writeFailureHint("EROFS"), /read-only/);
    assert.match(writeFailureHint("EACCES"), /permission/);
  });
});

/** Root-only: mounts need CAP_SYS_ADMIN. Skips with the reason elsewhere; fails under CI (which is root). */
function requireRoot(t: TestContext): boolean {
  if (process.getuid?.() === 0) return true;
  if (process.env.CI) throw new Error("this test needs root (mount) and CI runs as root");
  t.skip("needs root to mount a tmpfs");
  return false;
}

async function withTmpfs(t: TestContext, sizeOpt: string, fn: (mnt: string) => Promise<void>): Promise<void> {
  const dir = tempDir();
  const mnt = join(dir, "mnt");
  mkdirSync(mnt);
  let mounted = false;
  try {
    try {
      execFileSync("mount", ["-t", "tmpfs", "-o", `size=${sizeOpt},mode=0755`, "ibsr-test", mnt], {
        stdio: "pipe",
      });
      mounted = true;
    } catch (err) {
      if (process.env.CI) throw err;
      t.skip(`cannot mount tmpfs: ${(err as Error).message}`);
      return;
    }
    await fn(mnt);
  } finally {
    if (mounted) execFileSync("umount", [mnt], { stdio: "pipe" });
    rmSync(dir, { recursive: true, force: true });
  }
}

describe("writeFileAtomic on real filesystems (root)", () => {
  test("ENOSPC on a full tmpfs: failure returned, temp removed, works again once space returns", async (t) => {
    if (!requireRoot(t)) return;
    await withTmpfs(t, "64k", async (mnt) => {
      const target = join(mnt, "host=h/date=2026-11-26/ibsr-eth0-r-00000001.parquet");
      const res = await writeFileAtomic(target, randomBytes(256 * 1024));
      assert.equal(res.ok, false, "a 256 KiB file cannot fit a 64 KiB tmpfs");
      if (res.ok) return;
      assert.equal(res.code, "ENOSPC");
      assert.ok(["write", "fsync"].includes(res.op), res.op);
      assert.equal(res.errno, 28);
      assert.equal(existsSync(target), false);
      assert.deepEqual(filesUnder(mnt), [], "the temp file was removed");
      // Space is available again (the failed temp was deleted): a small file goes through.
      const ok = await writeFileAtomic(target, randomBytes(4096));
      assert.ok(ok.ok, JSON.stringify(ok));
      assert.equal(statSync(target).size, 4096);
    });
  });

  test("EROFS on a read-only remount, then recovery after remounting read-write", async (t) => {
    if (!requireRoot(t)) return;
    await withTmpfs(t, "1m", async (mnt) => {
      mkdirSync(join(mnt, "host=h"), { recursive: true });
      execFileSync("mount", ["-o", "remount,ro", mnt], { stdio: "pipe" });
      const target = join(mnt, "host=h/date=2026-11-26/ibsr-eth0-r-00000002.parquet");
      const res = await writeFileAtomic(target, randomBytes(1024));
      assert.equal(res.ok, false);
      if (!res.ok) {
        assert.equal(res.code, "EROFS");
        assert.equal(res.op, "mkdir");
      }
      // Existing folder: the failure moves to open().
      const res2 = await writeFileAtomic(join(mnt, "host=h/ibsr-eth0-r-00000002.parquet"), randomBytes(1024));
      assert.equal(res2.ok, false);
      if (!res2.ok) assert.deepEqual([res2.code, res2.op], ["EROFS", "open"]);
      execFileSync("mount", ["-o", "remount,rw", mnt], { stdio: "pipe" });
      const ok = await writeFileAtomic(target, randomBytes(1024));
      assert.ok(ok.ok, JSON.stringify(ok));
    });
  });
});
