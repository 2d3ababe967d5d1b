// User-space memory stays flat: 200+ cycles at a 0.1 s interval with a full map whose every entry keeps
// changing (so every few cycles a full-size snapshot is built and written). The baseline is allocated once
// for --map-size and a snapshot's buffers are freed after it; RSS after warm-up must not grow beyond a small
// bound.
import assert from "node:assert/strict";
import { test } from "node:test";
import { type Heartbeat, MAP_FLOWS4, mapSizes } from "@ibsr/contract";
import { spoofedV4, startCollector, withPair } from "../../lab/netns.js";
import { requireLive } from "../harness/live.js";

const PORT = 6000;
const MAP_SIZE = 20_000;
const CYCLES = 200;
/** Allowed RSS growth between the warm-up window and the end of the run. */
const GROWTH_BOUND = 24 * 1024 * 1024;

test(`RSS stays flat over ${CYCLES} cycles with a full ${MAP_SIZE}-entry map`, async (t) => {
  if (!requireLive(t)) return;
  await withPair("rss", async (pair, out) => {
    const c = startCollector(pair, out, [
      "-p",
      String(PORT),
      "--snapshot-interval-sec",
      "0.1",
      "--map-size",
      String(MAP_SIZE),
      "--max-files",
      "50",
      "--quiet",
    ]);
    await c.waitForHeartbeats(1);
    const sources = spoofedV4(MAP_SIZE);
    // Bounded: one resend of every source per round, at most 12 rounds, until 200 cycles have passed.
    for (let round = 0; round < 12 && c.heartbeats().length < CYCLES; round++) {
      await pair.sendRawSegments({ sources, port: PORT, perSource: 1 });
      await new Promise((r) => setTimeout(r, 500));
    }
    await c.waitForHeartbeats(CYCLES, 120_000);
    const stop = await c.stop("SIGTERM");
    assert.equal(stop.code, 0, stop.stderr);

    const hbs = c.heartbeats();
    assert.ok(hbs.length >= CYCLES, `${hbs.length} cycles`);
    // The sources are IPv4: the map that fills is the IPv4 one (its share of --map-size).
    const v4Capacity = mapSizes(MAP_SIZE)[MAP_FLOWS4];
    const live = Math.max(...hbs.map((h) => (h as Partial<Heartbeat>).families?.ipv4.liveEntries ?? 0));
    assert.ok(live >= v4Capacity * 0.9, `the IPv4 map was full: ${live} of ${v4Capacity} entries`);
    const rss = hbs.map((h) => Number(h.rssBytes));
    const warm = Math.max(...rss.slice(20, 60));
    const end = Math.max(...rss.slice(-40));
    const mb = (b: number) => `${(b / 1048576).toFixed(1)} MiB`;
    t.diagnostic(`RSS warm-up max ${mb(warm)}, last-40 max ${mb(end)}, overall max ${mb(Math.max(...rss))}`);
    assert.ok(end - warm < GROWTH_BOUND, `RSS grew ${mb(end - warm)} (warm ${mb(warm)} -> end ${mb(end)})`);
    assert.equal(Number(hbs.at(-1)!.writeErrorsTotal), 0);
  });
});
