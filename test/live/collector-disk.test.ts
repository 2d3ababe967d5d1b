// A full disk and a read-only filesystem never stop collection: the collector logs each failed write with
// its path and errno, keeps running, counts the errors in the heartbeat, and resumes writing when the
// filesystem recovers. The deltas stay exact across the gap: a snapshot after the gap is diffed against the
// last one that reached the disk, so summing the deltas on disk still gives every packet sent.
import assert from "node:assert/strict";
import { closeSync, mkdirSync, openSync, rmdirSync, rmSync, writeSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import {
  delay,
  duckdbRows,
  NetnsPair,
  runHost,
  snapshotsOf,
  spoofedV4,
  startCollector,
  waitFor,
  withPair,
  xdpOnServer,
} from "../../lab/netns.js";
import { requireLive } from "../harness/live.js";

const PORT = 8443;

/** Writes zeros into `path` until the filesystem says ENOSPC. */
function fillDisk(path: string): void {
  const fd = openSync(path, "w");
  const chunk = Buffer.alloc(64 * 1024);
  try {
    for (let i = 0; i < 10_000; i++) writeSync(fd, chunk);
    throw new Error("the tmpfs never filled up");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ENOSPC") throw err;
  } finally {
    closeSync(fd);
  }
}

test("disk full and read-only remount: logged, counted, collection goes on, deltas exact across the gap", async (t) => {
  if (!requireLive(t)) return;
  const mnt = `/tmp/ibsr-${process.pid}-disk`;
  mkdirSync(mnt, { recursive: true });
  const mounted = await runHost(["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", mnt]);
  assert.equal(mounted.code, 0, mounted.stderr);
  const pair = await NetnsPair.create();
  try {
    const out = join(mnt, "snapshots");
    const c = startCollector(pair, out, [
      "-p",
      String(PORT),
      "--snapshot-interval-sec",
      "0.3",
      "--map-size",
      "4096",
    ]);
    await c.waitForHeartbeats(2);
    const failures = (code: string) =>
      c.logs().filter((l) => l.event === "snapshot.write_failed" && l.errno === code);
    const recoveries = () => c.logs().filter((l) => l.event === "snapshot.write_recovered");

    const setA = spoofedV4(20, 100);
    const setB = spoofedV4(10, 200);
    const setC = spoofedV4(5, 300);
    await pair.sendRawSegments({ sources: setA, port: PORT, perSource: 2 });
    await c.waitForHeartbeats(c.heartbeats().length + 2);

    // Disk full.
    fillDisk(join(mnt, "filler"));
    await pair.sendRawSegments({ sources: setA, port: PORT, perSource: 1 });
    await pair.sendRawSegments({ sources: setB, port: PORT, perSource: 3 });
    await waitFor(
      () => failures("ENOSPC").length > 0,
      10_000,
      () => c.proc.stderr().slice(-2000),
    );
    await delay(1000); // a few more failed cycles
    const full = failures("ENOSPC")[0]!;
    assert.match(String(full.path), new RegExp(`^${out}/host=test/date=`), "the failed path is logged");
    assert.match(String(full.hint), /full/);
    rmSync(join(mnt, "filler"));
    await waitFor(
      () => recoveries().length >= 1,
      10_000,
      () => c.proc.stderr().slice(-2000),
    );

    await pair.sendRawSegments({ sources: setB, port: PORT, perSource: 1 });
    await pair.sendRawSegments({ sources: setC, port: PORT, perSource: 1 });
    await c.waitForHeartbeats(c.heartbeats().length + 2);

    // Read-only remount (root ignores file modes, not a read-only superblock).
    assert.equal((await runHost(["mount", "-o", "remount,ro", mnt])).code, 0);
    try {
      await waitFor(
        () => failures("EROFS").length > 0,
        10_000,
        () => c.proc.stderr().slice(-2000),
      );
      await pair.sendRawSegments({ sources: setC, port: PORT, perSource: 2 });
      await delay(1000);
    } finally {
      assert.equal((await runHost(["mount", "-o", "remount,rw", mnt])).code, 0);
    }
    await waitFor(
      () => recoveries().length >= 2,
      10_000,
      () => c.proc.stderr().slice(-2000),
    );
    await c.waitForHeartbeats(c.heartbeats().length + 1);

    assert.equal(c.proc.child.exitCode, null, "still running after both failures");
    const stop = await c.stop("SIGTERM");
    assert.equal(stop.code, 0, stop.stderr);

    // The heartbeat counted the failures (it may itself miss lines while the disk is full or read-only).
    const last = c.heartbeats().at(-1)!;
    assert.ok(Number(last.writeErrorsTotal) >= 2, `write errors counted: ${JSON.stringify(last)}`);
    assert.equal(last.lastErrno, "EROFS");
    assert.equal(last.writeErrorsConsecutive, 0, "recovered");
    assert.equal(last.writeOk, true);

    // Every packet is in the deltas on disk, across both gaps.
    const src = snapshotsOf(out);
    const rows = await duckdbRows(
      `SELECT hex(src) AS src, sum(syn_delta)::INT AS syn FROM ${src} WHERE family = 4 GROUP BY ALL`,
    );
    const syn = new Map(rows.map((r) => [String(r.src).slice(0, 8), Number(r.syn)]));
    const hex = (a: string) =>
      a
        .split(".")
        .map((o) => Number(o).toString(16).padStart(2, "0"))
        .join("")
        .toUpperCase();
    for (const a of setA) assert.equal(syn.get(hex(a)), 3, a);
    for (const a of setB) assert.equal(syn.get(hex(a)), 4, a);
    for (const a of setC) assert.equal(syn.get(hex(a)), 3, a);
    const total = 20 * 3 + 10 * 4 + 5 * 3;
    assert.equal(
      [...syn.values()].reduce((x, y) => x + y, 0),
      total,
    );

    // Each file's base is the previous file on disk: failed snapshots leave seq gaps, never lost deltas.
    const kv = await duckdbRows(`
      SELECT file_name AS f, decode(key) AS k, decode(value) AS v
      FROM parquet_kv_metadata('${out}/host=*/date=*/*.parquet')
      WHERE decode(key) IN ('ibsr.seq', 'ibsr.ts_us', 'ibsr.base_ts_us', 'ibsr.global.matched_syn')`);
    const files = new Map<string, Record<string, string>>();
    for (const r of kv) {
      const m = files.get(String(r.f)) ?? {};
      m[String(r.k)] = String(r.v);
      files.set(String(r.f), m);
    }
    const chain = [...files.values()].sort((a, b) => Number(a["ibsr.seq"]) - Number(b["ibsr.seq"]));
    let gaps = 0;
    for (let i = 1; i < chain.length; i++) {
      assert.equal(
        chain[i]!["ibsr.base_ts_us"],
        chain[i - 1]!["ibsr.ts_us"],
        `file seq ${chain[i]!["ibsr.seq"]}`,
      );
      if (Number(chain[i]!["ibsr.seq"]) !== Number(chain[i - 1]!["ibsr.seq"]) + 1) gaps++;
    }
    assert.ok(gaps >= 2, `seq gaps where writes failed: ${gaps}`);
    assert.equal(Number(chain.at(-1)!["ibsr.global.matched_syn"]), total, "global total matches");
  } finally {
    await pair.close();
    await runHost(["umount", mnt]);
    try {
      rmdirSync(mnt);
    } catch {
      // still mounted if umount failed: leave the empty directory rather than hide the error
    }
  }
});

test("a heartbeat write that never returns (a FIFO in its place) does not hold the collector past a stop", async (t) => {
  if (!requireLive(t)) return;
  await withPair("stuck", async (pair, out) => {
    const host = join(out, "host=test");
    mkdirSync(host, { recursive: true });
    // Opening a FIFO for writing blocks until a reader comes: the heartbeat append never returns.
    await runHost(["mkfifo", join(host, `status-${pair.serverIf}.jsonl`)]);
    const c = startCollector(pair, out, [
      "-p",
      String(PORT),
      "--snapshot-interval-sec",
      "1",
      "--map-size",
      "1024",
    ]);
    await waitFor(
      () => c.logs().some((l) => l.event === "run.start"),
      20_000,
      () => c.proc.stderr(),
    );
    await delay(1500);
    const stopped = Date.now();
    c.proc.kill("SIGTERM");
    const r = await Promise.race([c.proc.exited, delay(40_000).then(() => null)]);
    assert.ok(r, `still running 40 s after SIGTERM: ${c.proc.stderr().slice(-1500)}`);
    assert.equal(r.code, 1, r.stderr);
    assert.ok(Date.now() - stopped < 20_000, `${Date.now() - stopped} ms after SIGTERM`);
    const stuck = c.logs().find((l) => l.event === "cycle.stuck");
    assert.equal(stuck?.step, "append heartbeat", r.stderr);
    assert.ok(
      c.logs().some((l) => l.event === "run.detached"),
      r.stderr,
    );
    assert.deepEqual(await xdpOnServer(pair), []);
  });
});
