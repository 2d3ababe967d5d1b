import assert from "node:assert/strict";
import { test } from "node:test";
import { DEFAULT_CONFIG } from "../config.js";
import type { Interval, Run } from "../ingest/intervals.js";
import type { Candidate, KeyTotals } from "../ingest/scan.js";
import { classify, concurrency, scaled, simulateKey } from "./simulate.js";

const cfg = { ...DEFAULT_CONFIG };
const t1 = scaled(cfg, 1);

test("classification: inclusive thresholds, min_syn, SYN flood wins", () => {
  const base = { syn: 6000, handshake_ack: 600, packets: 6000, bytes: 100 };
  assert.equal(classify(base, 60, cfg, t1), "SYN_FLOOD_LIKE", "100/s and ratio 0.1 exactly");
  assert.equal(classify({ ...base, handshake_ack: 601 }, 60, cfg, t1), null);
  assert.equal(
    classify({ ...base, syn: 9, handshake_ack: 0 }, 0.05, cfg, t1),
    null,
    "fewer than min_syn SYNs",
  );
  assert.equal(
    classify({ syn: 0, handshake_ack: 0, packets: 60_000, bytes: 60_000_000 }, 60, cfg, t1),
    "VOLUMETRIC_TCP_ABUSE",
  );
  assert.equal(
    classify({ syn: 0, handshake_ack: 0, packets: 99, bytes: 60_000_000 }, 0.01, cfg, t1),
    null,
    "min_packets",
  );
  assert.equal(
    classify({ syn: 30_000, handshake_ack: 0, packets: 60_000, bytes: 60_000_000 }, 60, cfg, t1),
    "SYN_FLOOD_LIKE",
  );
});

const runs = [{ host: "h", iface: "i" }] as unknown as Run[];
const ivs = new Map<number, Interval>();
for (let i = 0; i < 10; i++)
  ivs.set(i, { iv: i, run: 0, t0: i * 60, t1: (i + 1) * 60, span: 60, w: 1, sids: [i] });
const key = {
  id: "k",
  family: 4,
  src: new Uint8Array(16),
  prefixLen: 32,
  dstPort: 80,
} as unknown as KeyTotals;
const row = (iv: number, syn: number) => ({
  iv,
  syn,
  ack: 0,
  handshake_ack: 0,
  rst: 0,
  packets: syn,
  bytes: syn * 60,
});

test("fires at the end of a hot interval and blocks block_duration; pro rata inside an interval", () => {
  const cand: Candidate = { key, rows: [row(1, 12_000), row(2, 600), row(3, 600), row(7, 600)] };
  const sim = simulateKey(
    cand,
    false,
    { cfg: { ...cfg, block_duration_sec: 90 }, ivs, runs, since: null, until: null },
    t1,
  );
  // Fires at 120, blocks until 210: interval 2 (120,180] whole, interval 3 (180,240] half.
  assert.equal(sim.drop.syn, 900n);
  assert.equal(sim.ideal.syn, 12_000n);
  assert.equal(sim.episodes.length, 1);
  const spared = simulateKey(
    cand,
    true,
    { cfg: { ...cfg, block_duration_sec: 90 }, ivs, runs, since: null, until: null },
    t1,
  );
  assert.equal(spared.drop.syn, 900n, "allowlisted keys compute what they would have lost");
  assert.equal(concurrency([spared]).peak, 0, "allowlisted keys hold no block");
});

test("re-arming while hot; two episodes when a quiet interval intervenes; peak concurrency", () => {
  const a: Candidate = { key, rows: [row(1, 12_000), row(2, 12_000), row(4, 12_000)] };
  const b: Candidate = { key: { ...key, id: "b" }, rows: [row(2, 12_000)] };
  const ctx = { cfg, ivs, runs, since: null, until: null };
  const sa = simulateKey(a, false, ctx, t1);
  assert.equal(sa.episodes.length, 2);
  // Blocks [120,420) + [180,480) + [300,600) -> covers intervals 2..9 (120..600): 2 and 4 carry traffic.
  assert.equal(sa.drop.syn, 24_000n);
  const c = concurrency([sa, simulateKey(b, false, ctx, t1)]);
  assert.equal(c.peak, 2);
  assert.equal(c.at, 180);
  assert.equal(c.activeAt(500), 1);
});
