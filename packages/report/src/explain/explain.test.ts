// explain on real Parquet and JSONL through the real stages: the right condition and times for an attacker, a
// healthy blocked client, an allowlisted source and a quiet one, and for each key the same figures as the
// full report's summary.json (the simulation of one key does not depend on the others).
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { type Allowlist, EMPTY_ALLOWLIST, parseAllowlist } from "../allowlist.js";
import { ReportError } from "../exit-codes.js";
import { renderSummaryJson } from "../render/json.js";
import { explainOn } from "../testing/run-explain.js";
import { reportOn } from "../testing/run-report.js";
import { type RunSpec, steady, writeJsonlRun, writeParquetRun } from "../testing/snapshots.js";
import { healthyHeavyClient, quietBackground, synFlood } from "../testing/traffic.js";
import type { TimeSpec } from "../timespec.js";
import type { ExplainModel } from "./model.js";
import { renderExplainJson } from "./render-json.js";
import { renderExplainText } from "./render-text.js";
import { parseTarget } from "./target.js";

const BASE = 1_700_000_000;
const root = mkdtempSync(join(tmpdir(), "ibsr-explain-"));
after(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
const dir = (name: string) => join(root, `${n++}-${name}`);

const background = quietBackground;

/**
 * Over 30 one-minute intervals (interval i ends at BASE + 60 i): a SYN flood from 198.18.5.5 in intervals
 * 10-13 (a trickle of healthy traffic otherwise), a healthy heavy client 198.18.0.20 in 5-14 (above two
 * volumetric thresholds, every handshake completed), the same flood from the allowlisted 198.18.9.7 in 3-6,
 * a quiet client 198.18.100.1 (the background), and an IPv6 /64 flood in 3-6.
 */
function mixedRun(v6 = true): RunSpec {
  return {
    baseTs: BASE,
    intervalSec: 60,
    snapshots: steady(BASE, 60, 30, (i) => [
      ...background(),
      i >= 10 && i <= 13
        ? synFlood("198.18.5.5")
        : { src: "198.18.5.5", port: 80, syn: 10, handshake_ack: 10, ack: 20, packets: 30, bytes: 3_000 },
      ...(i >= 5 && i <= 14 ? [healthyHeavyClient("198.18.0.20")] : []),
      ...(i >= 3 && i <= 6
        ? [synFlood("198.18.9.7"), ...(v6 ? [synFlood("2001:2:0:7::/64", 443)] : [])]
        : []),
    ]),
  };
}

const pq = dir("mixed-pq");
writeParquetRun(pq, mixedRun());
const allowlist = parseAllowlist("# lab hosts\n198.18.9.0/24\n", "allow.txt");

/** The key's entry in explain --json equals its entry in summary.json (sources) for every shared field. */
async function assertSameAsReport(
  dirs: string,
  target: string,
  display: string,
  opts: { allowlist?: Allowlist; since?: TimeSpec | null } = {},
): Promise<void> {
  const r = await reportOn(dirs, { allowlist: opts.allowlist ?? EMPTY_ALLOWLIST, since: opts.since ?? null });
  const e = await explainOn(target, dirs, {
    allowlist: opts.allowlist ?? EMPTY_ALLOWLIST,
    since: opts.since ?? null,
  });
  const summary = JSON.parse(renderSummaryJson(r.model));
  const ex = JSON.parse(renderExplainJson(e));
  const key = ex.keys.find((k: { display: string }) => k.display === display);
  assert.ok(key, `explain lists ${display}`);
  const src = summary.sources.find(
    (s: { src: string; dst_port: number }) => `${s.src}:${s.dst_port}` === `${key.src}:${key.dst_port}`,
  );
  assert.ok(src, `summary.json lists ${display}`);
  for (const f of [
    "decision",
    "allowlisted",
    "abuse_class",
    "totals",
    "would_drop",
    "ideal",
    "spared_by_allowlist",
    "peak_syn_rate",
    "peak_pkt_rate",
    "peak_byte_rate",
    "min_success_ratio",
    "hot_intervals",
    "episodes",
    "probably_legit_pct",
    "healthy_blocked",
  ])
    assert.deepEqual(key[f], src[f], `${display}: ${f} differs from summary.json`);
  // The per-interval would-drop adds up to the key's, and the report's time series holds the same drops.
  const perIv = ex.keys
    .find((k: { display: string }) => k.display === display)
    .intervals.reduce((a: number, iv: { would_drop: { packets: number } }) => a + iv.would_drop.packets, 0);
  assert.equal(perIv, key.would_drop.packets);
}

describe("explain an attacker (SYN flood)", () => {
  test("SYN_FLOOD_LIKE, first fire at the end of the first hot interval, one re-armed block window", async () => {
    const e = await explainOn("198.18.5.5", pq, { allowlist });
    assert.equal(e.keys.length, 1);
    const k = e.keys[0]!;
    assert.equal(k.display, "198.18.5.5:80");
    assert.equal(k.decision, "block");
    assert.equal(k.abuseClass, "SYN_FLOOD_LIKE");
    assert.equal(k.firstFire?.unix, BASE + 600);
    assert.equal(k.lastFire?.unix, BASE + 780);
    // Fires at BASE+600, re-armed at 660, 720, 780: one window to 780 + 300.
    assert.equal(k.blockWindows.length, 1);
    assert.deepEqual(
      [
        k.blockWindows[0]!.start.unix,
        k.blockWindows[0]!.end.unix,
        k.blockWindows[0]!.fires,
        k.blockWindows[0]!.reArms,
      ],
      [BASE + 600, BASE + 1080, 4, 3],
    );
    assert.equal(k.blockWindows[0]!.durationSec, 480);
    assert.equal(k.wouldDrop.packets, 3n * 12_000n + 5n * 30n);
    assert.equal(k.healthyBlocked, false);
    const byEnd = (t: number) => k.intervals.find((iv) => iv.end.unix === t)!;
    assert.equal(byEnd(BASE + 600).abuseClass, "SYN_FLOOD_LIKE");
    assert.equal(byEnd(BASE + 600).fires?.blocksUntil.unix, BASE + 900);
    assert.equal(
      byEnd(BASE + 600).wouldDrop.packets,
      0n,
      "the interval that reveals the flood is not dropped",
    );
    assert.equal(byEnd(BASE + 660).wouldDrop.packets, 12_000n);
    assert.equal(byEnd(BASE + 660).probablyLegit, false);
    assert.equal(byEnd(BASE + 1080).wouldDrop.packets, 30n);
    assert.equal(byEnd(BASE + 1080).probablyLegit, true, "the healthy trickle inside the block");
    assert.equal(byEnd(BASE + 1140).blockedSec, 0);
    assert.match(e.summary, /BLOCKED as SYN_FLOOD_LIKE/);
    assert.match(e.summary, /not a healthy blocked client/);
    const text = renderExplainText(e);
    assert.match(
      text,
      /2023-11-14 22:23:20 UTC to 2023-11-14 22:31:20 UTC \(8 min\) on host-a\/eth0: 4 fires, 3 re-arms/,
    );
  });

  test("the same block windows, would-drop and counts as the full report (Parquet and JSONL)", async () => {
    await assertSameAsReport(pq, "198.18.5.5", "198.18.5.5:80", { allowlist });
    const jl = dir("mixed-jsonl");
    writeJsonlRun(jl, mixedRun(false)); // the reference collector keyed IPv4 only
    await assertSameAsReport(jl, "198.18.5.5", "198.18.5.5:80", { allowlist });
    const e = await explainOn("198.18.5.5", jl);
    assert.equal(e.keys[0]!.firstFire?.unix, BASE + 600);
  });

  test("a window that cuts the block pro rata still matches the report", async () => {
    await assertSameAsReport(pq, "198.18.5.5", "198.18.5.5:80", { since: { kind: "abs", t: BASE + 630 } });
  });
});

describe("explain a healthy blocked client", () => {
  test("VOLUMETRIC_TCP_ABUSE, blocked, marked healthy: its would-drop is probably legitimate", async () => {
    const e = await explainOn("198.18.0.20", pq);
    const k = e.keys[0]!;
    assert.equal(k.decision, "block");
    assert.equal(k.abuseClass, "VOLUMETRIC_TCP_ABUSE");
    assert.equal(k.healthyBlocked, true);
    assert.equal(k.probablyLegitPct, 100);
    assert.equal(k.firstFire?.unix, BASE + 300);
    assert.equal(k.wouldDrop.packets, 9n * 90_000n);
    assert.ok(k.intervals.filter((iv) => iv.wouldDrop.packets > 0n).every((iv) => iv.probablyLegit === true));
    // The SYN-flood comparisons that failed are named: the handshakes completed.
    const hot = k.intervals.find((iv) => iv.end.unix === BASE + 300)!;
    assert.equal(hot.conditions.SYN_FLOOD_LIKE.holds, false);
    assert.equal(hot.conditions.VOLUMETRIC_TCP_ABUSE.holds, true);
    assert.match(e.summary, /healthy client blocked/);
    await assertSameAsReport(pq, "198.18.0.20", "198.18.0.20:80");
  });
});

describe("explain an allowlisted source", () => {
  test("hot, never blocked, spared by the named allowlist entry", async () => {
    const e = await explainOn("198.18.9.7", pq, { allowlist });
    const k = e.keys[0]!;
    assert.equal(k.hot, true);
    assert.equal(k.decision, "allow");
    assert.equal(k.allowlisted, true);
    assert.deepEqual(k.allowlistedBy, [{ text: "198.18.9.0/24", line: 2 }]);
    assert.equal(k.abuseClass, "SYN_FLOOD_LIKE");
    assert.equal(k.firstFire?.unix, BASE + 180);
    assert.equal(k.wouldDrop.packets, 0n);
    // Fires at the end of interval 3 and would have dropped intervals 4..6.
    assert.equal(k.spared.syn, 3n * 12_000n);
    assert.match(e.summary, /spared it \(entry 198\.18\.9\.0\/24 \(allow\.txt:2\)\)/);
    await assertSameAsReport(pq, "198.18.9.7", "198.18.9.7:80", { allowlist });
  });
});

describe("explain a quiet source", () => {
  test("never hot: each interval names the comparisons that failed", async () => {
    const e = await explainOn("198.18.100.1", pq);
    const k = e.keys[0]!;
    assert.equal(k.hot, false);
    assert.equal(k.decision, "allow");
    assert.equal(k.intervals.length, 30);
    assert.equal(k.quietIntervals, 0);
    const iv = k.intervals[0]!;
    assert.equal(iv.abuseClass, null);
    assert.equal(iv.whyNot.length, 2);
    assert.equal(
      iv.whyNot[0],
      "SYN_FLOOD_LIKE: syn 6 < min_syn 10, syn_rate 0.10/s < syn_rate_threshold 100/s, success_ratio 1.00 > success_ratio_threshold 0.10",
    );
    assert.match(iv.whyNot[1]!, /^VOLUMETRIC_TCP_ABUSE: 0 of 3 reached, 2 needed/);
    assert.deepEqual(
      k.notHotReasons.map((x) => x.intervals),
      [30],
    );
    assert.match(e.summary, /was never hot in its 30 intervals/);
  });

  test("an address never seen: no key, 'no traffic' summary", async () => {
    const e = await explainOn("198.18.77.77", pq);
    assert.equal(e.keys.length, 0);
    assert.equal(e.keysMatched, 0);
    assert.match(e.summary, /^No traffic from 198\.18\.77\.77 in the window/);
  });
});

describe("explain a CIDR and an IPv6 address", () => {
  test("a CIDR lists every key inside it, hot ones first when capped", async () => {
    const e = await explainOn("198.18.0.0/16", pq);
    assert.equal(e.keysMatched, 15);
    assert.equal(e.keys.length, 15);
    assert.deepEqual(
      e.keys.filter((k) => k.decision === "block").map((k) => k.display),
      ["198.18.0.20:80", "198.18.5.5:80", "198.18.9.7:80"],
    );
    const capped = await explainOn("198.18.0.0/16", pq, { keysCap: 3 });
    assert.equal(capped.keysMatched, 15);
    assert.equal(capped.keysLeftOut, 12);
    assert.deepEqual(
      capped.keys.map((k) => k.display),
      ["198.18.0.20:80", "198.18.5.5:80", "198.18.9.7:80"],
    );
    assert.match(capped.summary, /15 keys of 198\.18\.0\.0\/16 had traffic in the window \(3 explained/);
    assert.match(renderExplainText(capped), /12 more keys of 198\.18\.0\.0\/16 not explained/);
  });

  test("an IPv6 address finds its /64 key; a CIDR of the other family finds nothing", async () => {
    const e = await explainOn("2001:2:0:7::abcd", pq);
    assert.deepEqual(
      e.keys.map((k) => k.display),
      ["[2001:2:0:7::/64]:443"],
    );
    assert.equal(e.keys[0]!.abuseClass, "SYN_FLOOD_LIKE");
    const none = await explainOn("2001:2:0:8::/64", pq);
    assert.equal(none.keys.length, 0);
  });

  test("--dst-ports narrows the keys", async () => {
    const e = await explainOn("198.18.5.5", pq, { ports: [443] });
    assert.equal(e.keys.length, 0);
  });
});

describe("explain --json", () => {
  test("stable names, counters as numbers, times as Unix seconds", async () => {
    const e: ExplainModel = await explainOn("198.18.5.5", pq);
    const j = JSON.parse(renderExplainJson(e));
    assert.equal(j.explain_version, 1);
    assert.equal(j.query.prefix, "198.18.5.5");
    assert.equal(j.keys[0].would_drop.packets, 36_150);
    assert.equal(j.keys[0].first_fire_ts, BASE + 600);
    assert.equal(j.keys[0].block_windows[0].re_arms, 3);
    const iv = j.keys[0].intervals.find((x: { end_ts: number }) => x.end_ts === BASE + 600);
    assert.equal(iv.abuse_class, "SYN_FLOOD_LIKE");
    assert.equal(iv.fires_at, BASE + 600);
    assert.equal(iv.conditions.SYN_FLOOD_LIKE.holds, true);
  });
});

test("an invalid address is a usage error naming it", () => {
  for (const bad of ["198.18.5", "not-an-ip", "198.18.0.0/33", "2001:2::g"])
    assert.throws(
      () => parseTarget(bad),
      (err: unknown) =>
        err instanceof ReportError && err.exitCode === 2 && err.message.includes(JSON.stringify(bad)),
    );
});
