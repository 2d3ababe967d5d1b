// Map overflow with a small --map-size: the LRU evicts, collection goes on, and the loss is visible:
// the heartbeat shows fill, inserts and estimated evictions, and the eviction loss it reports is exactly
// the kernel's global count minus the per-key deltas on disk.
import assert from "node:assert/strict";
import { test } from "node:test";
import { duckdbRows, snapshotsOf, spoofedV4, startCollector, withPair } from "../../lab/netns.js";
import { requireLive } from "../harness/live.js";

const PORT = 7000;
const MAP_SIZE = 256;

test("map overflow: collection goes on; fill, inserts and eviction loss are visible and consistent", async (t) => {
  if (!requireLive(t)) return;
  await withPair("overflow", async (pair, out) => {
    const c = startCollector(pair, out, [
      "-p",
      String(PORT),
      "--snapshot-interval-sec",
      "0.3",
      "--map-size",
      String(MAP_SIZE),
    ]);
    await c.waitForHeartbeats(1);
    const flood = spoofedV4(3000);
    await pair.sendRawSegments({ sources: flood, port: PORT, perSource: 1 });
    await c.waitForHeartbeats(c.heartbeats().length + 2);
    // After the overflow, new sources are still counted exactly.
    const late = spoofedV4(10, 5000);
    await pair.sendRawSegments({ sources: late, port: PORT, perSource: 2 });
    await c.waitForHeartbeats(c.heartbeats().length + 2);
    const stop = await c.stop("SIGTERM");
    assert.equal(stop.code, 0, stop.stderr);

    const hbs = c.heartbeats();
    const last = hbs.at(-1)!;
    assert.ok(Number(last.liveEntries) <= MAP_SIZE, `live ${last.liveEntries} <= capacity`);
    assert.ok(Number(last.fill) > 0.5, `fill visible: ${last.fill}`);
    assert.equal(Number(last.inserts), 3000 + 10, "every new key was inserted (the LRU evicting)");
    assert.equal(Number(last.estimatedEvictions), 3010 - Number(last.liveEntries));
    // Per snapshot never negative (the drain/read race is carried); the run total exact.
    const written = hbs.filter((h) => h.writeOk);
    for (const h of written) assert.ok(Number(h.evictionLossPackets) >= 0, JSON.stringify(h));
    const lossReported = Number(last.evictionLossTotalPackets);
    assert.ok(lossReported > 2000, `eviction loss visible: ${lossReported}`);
    const perSnapshot = written.reduce((s, h) => s + Number(h.evictionLossPackets), 0);
    assert.ok(
      perSnapshot >= lossReported,
      `${perSnapshot} >= ${lossReported} (equal unless a race is carried)`,
    );

    const src = snapshotsOf(out);
    const sums = await duckdbRows(`SELECT sum(packets_delta)::BIGINT AS p FROM ${src}`);
    const onDisk = Number(sums[0]?.p);
    assert.equal(Number(last.matchedPackets), 3000 + 20);
    assert.equal(onDisk + lossReported, 3020, "global = per-key deltas on disk + reported eviction loss");

    const lateRows = await duckdbRows(
      `SELECT hex(src) AS s, sum(syn_delta)::INT AS syn FROM ${src} GROUP BY ALL`,
    );
    const syn = new Map(lateRows.map((r) => [String(r.s).slice(0, 8), Number(r.syn)]));
    for (const a of late) {
      const h = a
        .split(".")
        .map((o) => Number(o).toString(16).padStart(2, "0"))
        .join("")
        .toUpperCase();
      assert.equal(syn.get(h), 2, `late source ${a} counted exactly`);
    }
  });
});
