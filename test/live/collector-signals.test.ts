// Signals and the run's end: SIGHUP writes a snapshot at once (the cadence is unchanged); --duration-sec
// ends the run like SIGTERM (final snapshot, detach, exit 0); a second stop signal during shutdown exits
// at once, and the link is gone either way, but the same signal repeated at once (timeout(1)) is one request.
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { signalExitCode } from "@ibsr/contract";
import {
  delay,
  parquetFilesIn as parquetFiles,
  startCollector,
  waitFor,
  withPair,
  xdpOnServer,
} from "../../lab/netns.js";
import { REPEATED_SIGNAL_MS } from "../../packages/collector/src/signals.js";
import { requireLive } from "../harness/live.js";

const PORT = 9000;

test("SIGHUP writes a snapshot now; SIGTERM then writes the final one and exits 0", async (t) => {
  if (!requireLive(t)) return;
  await withPair("hup", async (pair, out) => {
    const c = startCollector(pair, out, [
      "-p",
      String(PORT),
      "--snapshot-interval-sec",
      "60",
      "--map-size",
      "1024",
    ]);
    await c.waitForHeartbeats(1);
    const sent = Date.now();
    c.proc.kill("SIGHUP");
    await c.waitForHeartbeats(2, 5000);
    assert.ok(Date.now() - sent < 5000, "long before the 60 s interval");
    assert.equal(c.heartbeats()[1]?.seq, 1);
    assert.ok(c.logs().some((l) => l.event === "run.sighup"));
    const r = await c.stop("SIGTERM");
    assert.equal(r.code, 0, r.stderr);
    const hbs = c.heartbeats();
    assert.equal(hbs.length, 3);
    assert.equal(hbs[2]?.final, true);
    assert.equal(parquetFiles(out).length, 3, "seq 0, the SIGHUP snapshot, the final one");
    assert.deepEqual(await xdpOnServer(pair), []);
  });
});

test("--duration-sec ends the run like SIGTERM: final snapshot, link gone, exit 0", async (t) => {
  if (!requireLive(t)) return;
  await withPair("duration", async (pair, out) => {
    const c = startCollector(pair, out, ["-p", String(PORT), "--duration-sec", "1", "--map-size", "1024"]);
    const r = await c.proc.exited;
    assert.equal(r.code, 0, r.stderr);
    const end = c.logs().find((l) => l.event === "run.end");
    assert.equal(end?.reason, "duration");
    const hbs = c.heartbeats();
    assert.deepEqual(
      hbs.map((h) => [h.seq, h.final ?? false]),
      [
        [0, false],
        [1, true],
      ],
      "seq 0 at start, the final snapshot at the end (the 60 s interval never came)",
    );
    assert.equal(parquetFiles(out).length, 2);
    assert.deepEqual(await xdpOnServer(pair), []);
  });
});

test("a second stop signal during shutdown exits at once; the link is gone either way", async (t) => {
  if (!requireLive(t)) return;
  await withPair("sig2", async (pair, out) => {
    const c = startCollector(pair, out, [
      "-p",
      String(PORT),
      "--snapshot-interval-sec",
      "0.5",
      "--map-size",
      "1024",
    ]);
    await c.waitForHeartbeats(1);
    // Another signal than the first: never taken as a repeat of it.
    c.proc.kill("SIGINT");
    c.proc.kill("SIGTERM");
    const r = await c.proc.exited;
    // 0 when the second signal arrived after the final snapshot was done; before it, 128 + the number of the
    // signal that arrived second (two different signals sent back to back may be delivered in either order).
    const second = /"event":"run\.second_signal","signal":"(SIG[A-Z]+)"/.exec(r.stderr)?.[1];
    const expected = second === "SIGINT" || second === "SIGTERM" ? signalExitCode(second) : 0;
    assert.equal(r.code, expected, `exit ${r.code}: ${r.stderr}`);
    await waitFor(
      async () => (await xdpOnServer(pair)).length === 0,
      5000,
      () => "XDP still attached",
    );
  });
});

test(`the same signal twice within ${REPEATED_SIGNAL_MS} ms is one stop request`, async (t) => {
  if (!requireLive(t)) return;
  await withPair("sigrep", async (pair, out) => {
    const c = startCollector(pair, out, ["-p", String(PORT), "--map-size", "1024"]);
    await c.waitForHeartbeats(1);
    // 5 ms apart: the collector has taken the first (so the kernel does not merge them into one pending
    // signal) and is still writing its final snapshot (so the second is not ignored as after the end).
    c.proc.kill("SIGTERM");
    await delay(5);
    c.proc.kill("SIGTERM");
    const r = await c.proc.exited;
    assert.equal(r.code, 0, r.stderr);
    assert.ok(!c.logs().some((l) => l.event === "run.second_signal"), c.proc.stderr());
    assert.equal(c.heartbeats().at(-1)?.final, true, "the final snapshot was written");
  });
});

test("timeout(1), which sends its signal twice, still gets the final snapshot and exit 0", async (t) => {
  if (!requireLive(t)) return;
  await withPair("timeout", async (pair, out) => {
    // timeout signals the collector, then its whole process group (the collector again). 8 s covers
    // starting under tsx on a loaded machine; --preserve-status passes the collector's exit code on.
    const c = startCollector(pair, out, ["-p", String(PORT), "--map-size", "1024"], {
      wrapper: ["timeout", "--preserve-status", "-s", "TERM", "8"],
    });
    await c.waitForHeartbeats(1);
    const r = await c.proc.exited;
    assert.equal(r.code, 0, r.stderr);
    // The kernel merges the two when the first is still pending, so the repeat is seen only sometimes.
    const repeated = c.logs().filter((l) => l.event === "run.signal_repeated");
    t.diagnostic(`SIGTERM seen ${1 + repeated.length} time(s)`);
    assert.ok(!c.logs().some((l) => l.event === "run.second_signal"), c.proc.stderr());
    assert.equal(c.heartbeats().at(-1)?.final, true, "the final snapshot was written");
    assert.deepEqual(await xdpOnServer(pair), []);
  });
});

/** Whether process `pid` has a handler for signal number `sig` (SigCgt in /proc/<pid>/status). */
function catches(pid: number, sig: number): boolean {
  try {
    const m = /^SigCgt:\s*([0-9a-f]+)$/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return m !== null && ((BigInt(`0x${m[1]}`) >> BigInt(sig - 1)) & 1n) === 1n;
  } catch {
    return false;
  }
}

const SIGHUP_NUMBER = 1;

test("a SIGHUP during start-up (before the slow imports, long before attach) is handled, not fatal", async (t) => {
  if (!requireLive(t)) return;
  await withPair("early-hup", async (pair, out) => {
    const c = startCollector(pair, out, [
      "-p",
      String(PORT),
      "--snapshot-interval-sec",
      "60",
      "--map-size",
      "1024",
    ]);
    // The first moment the process handles SIGHUP; Node's default for it is to die (exit 129).
    await waitFor(() => catches(c.proc.pid, SIGHUP_NUMBER) || c.proc.child.exitCode !== null, 20_000);
    c.proc.kill("SIGHUP");
    assert.deepEqual(await xdpOnServer(pair), [], "the handler was in place before anything was attached");
    await c.waitForHeartbeats(1);
    const r = await c.stop("SIGTERM");
    assert.equal(r.signal, null, r.stderr);
    assert.equal(r.code, 0, r.stderr);
    // Logged exactly once; marked early when it arrived before the logger existed (start-up is fast now that
    // the collector parses with node:util, so the signal may also land just after: both are handled).
    const hups = c.logs().filter((l) => l.event === "run.sighup");
    assert.equal(hups.length, 1, c.proc.stderr());
    t.diagnostic(`SIGHUP arrived ${hups[0]!.early === true ? "before" : "after"} the logger existed`);
    assert.ok(hups[0]!.early === undefined || hups[0]!.early === true);
    assert.deepEqual(
      c.heartbeats().map((h) => h.seq),
      [0, 1],
      "the seq-0 snapshot answers the early SIGHUP; then the final one",
    );
    assert.deepEqual(await xdpOnServer(pair), []);
  });
});

test("a SIGTERM during start-up: nothing attached, exit 0", async (t) => {
  if (!requireLive(t)) return;
  await withPair("early-term", async (pair, out) => {
    const c = startCollector(pair, out, ["-p", String(PORT), "--map-size", "1024"]);
    await waitFor(() => catches(c.proc.pid, SIGHUP_NUMBER) || c.proc.child.exitCode !== null, 20_000);
    c.proc.kill("SIGTERM");
    const r = await c.proc.exited;
    assert.equal(r.signal, null, r.stderr);
    assert.equal(r.code, 0, r.stderr);
    assert.ok(!c.logs().some((l) => l.event === "run.attached"), r.stderr);
    assert.match(String(c.logs().find((l) => l.event === "run.end")?.note), /before attaching/);
    assert.deepEqual(parquetFiles(out), []);
    assert.ok(!existsSync(join(out, "host=test")), "the folder made by the start-up check is removed");
    assert.deepEqual(await xdpOnServer(pair), []);
  });
});

test("a paused process (SIGSTOP) logs cycle.late, not cycle.overrun with its hint", async (t) => {
  if (!requireLive(t)) return;
  await withPair("paused", async (pair, out) => {
    const c = startCollector(pair, out, [
      "-p",
      String(PORT),
      "--snapshot-interval-sec",
      "1",
      "--map-size",
      "1024",
    ]);
    await c.waitForHeartbeats(2);
    // Judged from the pause on: a loaded machine may make an early cycle (first Parquet write) really overrun.
    const pausedAt = Date.now();
    c.proc.kill("SIGSTOP");
    await delay(3500);
    c.proc.kill("SIGCONT");
    const n = c.heartbeats().length;
    await c.waitForHeartbeats(n + 2, 10_000);
    const r = await c.stop("SIGTERM");
    assert.equal(r.code, 0, r.stderr);
    const logs = c.logs();
    const overruns = logs.filter((l) => l.event === "cycle.overrun");
    assert.ok(!overruns.some((l) => Date.parse(l.time) >= pausedAt), r.stderr);
    const late = logs.find((l) => l.event === "cycle.late" && Date.parse(l.time) >= pausedAt);
    assert.ok(late, r.stderr);
    // The pause may land in the sleep (woke late) or inside a cycle: either way the slot stood still.
    assert.ok(Number(late.stalled_sec) >= 2, JSON.stringify(late));
    assert.ok(Number(late.work_ms) < 1000, JSON.stringify(late));
    const end = logs.find((l) => l.event === "run.end");
    assert.equal(end?.overruns, overruns.length);
    assert.ok(Number(end?.late_wakeups) >= 1);
  });
});
