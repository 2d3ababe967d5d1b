// The reference's quirks, pinned without the shared fixtures (which CI reads from ../shared): raw-first
// aggregates, resets and evictions against stale values, late keys, the first-snapshot divisor, string
// ordering of rules against numeric ordering of evidence, volumetric false positives, the top-10 cut.
import assert from "node:assert/strict";
import { test } from "node:test";
import { emptyAllowlist, parseAllowlist } from "./allowlist.js";
import { defaultConfig } from "./config.js";
import { analyse } from "./pipeline.js";
import { renderEvidence, renderReport, renderRules, renderSummary } from "./render.js";
import { parseSnapshotText } from "./snapshots.js";

type B = [ip: string, port: number | null, syn: number, hs: number, packets: number, bytes: number];

function snap(ts: number, buckets: B[], base = 1000, ports = "[443,8080]"): string {
  const bs = buckets.map(
    ([ip, port, syn, hs, packets, bytes]) =>
      `{"key_type":"${ip.endsWith("/24") ? "src_cidr24" : "src_ip"}","src_ip":"${ip.replace("/24", "")}"${port === null ? "" : `,"dst_port":${port}`},"syn":${syn},"ack":${hs},"handshake_ack":${hs},"rst":0,"packets":${packets},"bytes":${bytes}}`,
  );
  return `{"version":5,"aggregation":"src_ip_dst_port","ts_unix_sec":${ts},"interval_sec":60,"run_id":1000,"counter_mode":"cumulative","base_ts_unix_sec":${base},"dst_ports":${ports},"buckets":[${bs.join(",")}]}`;
}

const cfg = { ...defaultConfig(), minSamplesForFp: 1n };

test("raw-first totals: resets and evictions saturate against stale values, late keys add raw", () => {
  const text = [
    snap(1000, [
      ["10.0.0.1", 8080, 6000, 10, 6010, 360600],
      ["10.0.0.3", 443, 1000, 900, 1900, 300000],
      ["10.0.0.4", 8080, 500, 500, 1000, 100000],
    ]),
    snap(1060, [
      ["10.0.0.1", 8080, 12000, 20, 12020, 721200],
      ["10.0.0.3", 443, 2000, 1800, 3800, 400000],
      ["10.0.0.4", 8080, 1000, 1000, 2000, 200000],
      ["10.0.0.10", 8080, 100, 0, 100, 6000],
    ]),
    snap(1120, [
      ["10.0.0.1", 8080, 18000, 30, 18030, 1081800],
      ["10.0.0.3", 443, 300, 200, 500, 500000], // reset: counters go down, bytes go up
      ["10.0.0.10", 8080, 12100, 0, 12100, 726000],
    ]),
    snap(1180, [
      ["10.0.0.1", 8080, 24000, 40, 24040, 1442400],
      ["10.0.0.3", 443, 1300, 1100, 2400, 700000],
      ["10.0.0.4", 8080, 10, 10, 20, 2000], // re-inserted after an eviction
      ["10.0.0.10", 8080, 12100, 0, 12100, 726000],
    ]),
  ].join("\n");
  const a = analyse(parseSnapshotText(text, "t.jsonl"), cfg, emptyAllowlist());
  const byIp = new Map(a.decisions.map((d) => [`${d.stats.key.keyValue & 0xff}`, d.stats]));
  assert.equal(byIp.get("1")!.syn, 24000n);
  assert.equal(byIp.get("3")!.syn, 3000n, "the reset step contributes 0 SYN");
  assert.equal(byIp.get("3")!.bytes, 700000n, "... but +100000 bytes");
  assert.equal(byIp.get("4")!.syn, 1000n, "traffic after re-insertion is lost below the old high-water mark");
  assert.equal(byIp.get("10")!.syn, 12100n, "a late key's first appearance adds its raw values");
  assert.equal(byIp.get("1")!.synRate, 2400, "whole-run total / window_sec");

  const [ep1, ep10] = a.episodes;
  assert.equal(a.episodes.length, 2);
  assert.deepEqual(
    [ep1!.srcIp, ep1!.intervalCount, ep1!.episodeType, ep1!.maxSynRate],
    ["10.0.0.1", 4, "multi_window", 600],
  );
  assert.deepEqual(
    [ep10!.srcIp, ep10!.startTs, ep10!.episodeType, ep10!.maxSynRate],
    ["10.0.0.10", 1120n, "single_window", 200],
  );

  // Evidence is numeric (10.0.0.4 before 10.0.0.10); rules are string-sorted (10.0.0.1 < 10.0.0.10).
  const evidence = renderEvidence(a)
    .split("\n")
    .map((l) => l.split(",")[0]);
  assert.deepEqual(evidence.slice(1, -1), [
    "10.0.0.1:8080",
    "10.0.0.3:443",
    "10.0.0.4:8080",
    "10.0.0.10:8080",
  ]);
  const rules = JSON.parse(renderRules(a, cfg, emptyAllowlist(), 1200n)) as {
    triggers: { key_value: string }[];
  };
  assert.deepEqual(
    rules.triggers.map((t) => t.key_value),
    ["10.0.0.1", "10.0.0.10"],
  );
  const summary = renderSummary(a, cfg);
  assert.equal(summary.enforcementSafe, false);
  assert.deepEqual(summary.enforcementReasons, ["Single-window episode requires manual review"]);
});

test("string order puts 10.0.0.10 before 10.0.0.2 in rules, evidence stays numeric", () => {
  const text = snap(1000, [
    ["10.0.0.2", 8080, 5000, 0, 5000, 300000],
    ["10.0.0.10", 8080, 5000, 0, 5000, 300000],
  ]);
  const a = analyse(parseSnapshotText(text, "t"), cfg, emptyAllowlist());
  const rules = JSON.parse(renderRules(a, cfg, emptyAllowlist(), 1n)) as {
    triggers: { key_value: string }[];
  };
  assert.deepEqual(
    rules.triggers.map((t) => t.key_value),
    ["10.0.0.10", "10.0.0.2"],
  );
  assert.match(renderEvidence(a), /\n10\.0\.0\.2:8080,.*\n10\.0\.0\.10:8080,/);
});

test("a healthy high-volume client is blocked as volumetric and counted as a false positive", () => {
  // 20000 packets / 10 s window = 2000 pkt/s and 2e6 B/s: 2 of 3 volumetric conditions, success 1.0.
  const text = snap(1000, [
    ["10.0.0.5", 8080, 100, 100, 20000, 20000000],
    ["10.0.0.6", 8080, 5000, 0, 5000, 300000],
  ]);
  const a = analyse(parseSnapshotText(text, "t"), cfg, emptyAllowlist());
  assert.deepEqual(
    a.decisions.map((d) => [d.abuseClass, d.block]),
    [
      ["VOLUMETRIC_TCP_ABUSE", true],
      ["SYN_FLOOD_LIKE", true],
    ],
  );
  const fp = a.counterfactual.fpBound;
  assert.ok(fp.computed);
  assert.equal(fp.value, (20000 / 25000) * 100);
  assert.deepEqual(a.readinessReasons, ["False positive bound too high: 80.0%"]);
  const report = renderReport(a, cfg, emptyAllowlist(), renderRules(a, cfg, emptyAllowlist(), 1n));
  assert.match(report, /- \*\*WARNING\*\*: FP bound exceeds acceptable threshold \(> 5%\)\.\n/);
});

test("top offenders: 10 at most, by SYN descending, ties in key order; cidr24 rules become src_ip", () => {
  const buckets: B[] = [];
  for (let i = 1; i <= 12; i++) buckets.push([`10.0.${i}.0/24`, null, 5000, 0, 5000, 300000]);
  buckets.push(["10.0.0.99", 8080, 9000, 0, 9000, 540000]);
  const a = analyse(parseSnapshotText(snap(1000, buckets), "t"), cfg, parseAllowlist("10.0.12.0/24", "a"));
  const top = a.counterfactual.topOffenders;
  assert.equal(top.length, 10);
  assert.equal(top[0]!.wouldBlockSyn, 9000n);
  assert.deepEqual(
    top.slice(1).map((o) => (o.key.keyValue >>> 8) & 0xff),
    [1, 2, 3, 4, 5, 6, 7, 8, 9],
  );
  const rules = JSON.parse(renderRules(a, cfg, parseAllowlist("10.0.12.0/24", "a"), 1n)) as {
    triggers: { key_type: string; key_value: string; dst_port: number | null }[];
    exceptions: { key_type: string; key_value: string }[];
  };
  assert.ok(rules.triggers.every((t) => t.key_type === "src_ip"));
  assert.ok(!rules.triggers.some((t) => t.key_value === "10.0.12.0"), "allowlisted episodes make no rule");
  assert.deepEqual(rules.exceptions, [{ key_type: "src_cidr", key_value: "10.0.12.0/24" }]);
  const summary = JSON.parse(renderSummary(a, cfg).text) as { triggers: { src: string }[] };
  assert.ok(
    summary.triggers.some((t) => t.src === "10.0.12.0"),
    "summary triggers still list the allowlisted source",
  );
});

test("the first interval counts only when ts == base_ts, divided by window_sec", () => {
  // A real collector run: base_ts is the run start and the first snapshot comes one interval later.
  const text = [
    snap(1060, [["10.0.0.7", 8080, 6000, 0, 6000, 360000]], 1000),
    snap(1120, [["10.0.0.7", 8080, 6000, 0, 6000, 360000]], 1000),
  ].join("\n");
  const a = analyse(parseSnapshotText(text, "t"), cfg, emptyAllowlist());
  assert.deepEqual(a.episodes, [], "the only flood interval was the discarded first one");
  assert.equal(a.decisions[0]!.block, true, "while the aggregate still blocks it");
});
