// Signals and the run's end: SIGHUP writes a snapshot at once (the cadence is unchanged); --duration-sec
// ends the run like SIGTERM (final snapshot, detach, exit 0); a second SIGINT during shutdown exits at
// once, and the link is gone either way.
import assert from "node:assert/strict";
import { test } from "node:test";
import { requireLive } from "../harness/live.js";
import {
  parquetFilesIn as parquetFiles,
  startCollector,
  waitFor,
  withPair,
  xdpOnServer,
} from "../harness/netns.js";

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

test("a second SIGINT during shutdown exits at once; the link is gone either way", async (t) => {
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
    c.proc.kill("SIGINT");
    c.proc.kill("SIGINT");
    const r = await c.proc.exited;
    // 130 when the second signal arrived before the final snapshot was done, 0 when after.
    assert.ok(r.code === 0 || r.code === 130, `exit ${r.code}: ${r.stderr}`);
    await waitFor(
      async () => (await xdpOnServer(pair)).length === 0,
      5000,
      () => "XDP still attached",
    );
  });
});
