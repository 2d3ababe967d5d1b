import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { test } from "node:test";
import { setTimeout as delay } from "node:timers/promises";
import { monotonicMs } from "../system/clock.js";
import { WATCH_TICK_MS, WaitMeter, watchCycle } from "./cycle-watch.js";

/** Holds the event loop, as a drain or an encode does. */
function busy(ms: number): void {
  const end = monotonicMs() + ms;
  while (monotonicMs() < end) {
    // computing
  }
}

test("WaitMeter counts free ticks in full and a late tick as at most two ticks", () => {
  const m = new WaitMeter(0);
  assert.equal(m.tick(100), 100);
  assert.equal(m.tick(200), 200);
  // The loop was held for 12 s (a big encode) or the process was stopped: that is not waiting.
  assert.equal(m.tick(12_200), 200 + 2 * WATCH_TICK_MS);
  assert.equal(m.tick(12_300), 500);
  // A clock that went back (it cannot, but the meter must not count down).
  assert.equal(m.tick(12_250), 500);
});

test("a cycle that never returns while the loop is free is given up after the grace", async () => {
  const started = monotonicMs();
  const r = await watchCycle(new Promise<string>(() => {}), {
    graceMs: 500,
    armed: () => true,
    now: monotonicMs,
  });
  const took = monotonicMs() - started;
  assert.equal(r, "stuck");
  assert.ok(took >= 500 && took < 5_000, `gave up after ${took} ms`);
});

test("a cycle that computes longer than the grace, then writes, is not stuck", async () => {
  const work = (async () => {
    await delay(WATCH_TICK_MS * 3); // armed and ticking before the work starts
    busy(1_500); // three times the grace, in one piece: the ticks cannot run
    await readFile(new URL(import.meta.url)); // then a file operation that returns
    busy(700);
    return "written";
  })();
  const r = await watchCycle(work, { graceMs: 500, armed: () => true, now: monotonicMs });
  assert.equal(r, "written");
});

test("the watch counts nothing until it is armed (a stop request or the deadline)", async () => {
  let armed = false;
  const work = (async () => {
    await delay(800); // free waiting, longer than the grace, but not yet after a stop
    armed = true;
    await delay(200);
    return "ok";
  })();
  assert.equal(await watchCycle(work, { graceMs: 500, armed: () => armed, now: monotonicMs }), "ok");
});
