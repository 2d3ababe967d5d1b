// Scenario tests: generated snapshots whose answers follow from the semantics (docs/report.md).
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { parseAllowlist } from "./allowlist.js";
import type { ReportResult } from "./engine.js";
import { reportOn } from "./testing/run-report.js";
import { type RunSpec, steady, writeJsonlRun, writeParquetRun } from "./testing/snapshots.js";
import { healthyHeavyClient, quietBackground } from "./testing/traffic.js";

const BASE = 1_700_000_000;
const root = mkdtempSync(join(tmpdir(), "ibsr-scenarios-"));
after(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
const dir = (name: string) => join(root, `${n++}-${name}`);

/** Twelve healthy clients, so the false-positive bound has enough keys to be known. */
const background = quietBackground;

const report = reportOn;

const source = (r: ReportResult, display: string) => r.sources.find((s) => s.display === display);

describe("a busy legitimate client over an hour", () => {
  test("is never blocked (rates over real spans, not run totals)", async () => {
    const d = dir("busy");
    writeParquetRun(d, {
      baseTs: BASE,
      intervalSec: 60,
      snapshots: steady(BASE, 60, 60, () => [
        ...background(),
        // 833 pkt/s, 667 kB/s, 5 SYN/s, all handshakes complete: busy but below every pair of thresholds.
        {
          src: "198.18.0.10",
          port: 80,
          syn: 300,
          handshake_ack: 300,
          ack: 49_000,
          packets: 50_000,
          bytes: 40_000_000,
        },
      ]),
    });
    const r = await report(d);
    assert.equal(r.sources.length, 0);
    assert.equal(r.model.verdict.outcome, "NOTHING_TO_ENFORCE");
    const ev = r.evidence.find((e) => e.display === "198.18.0.10:80")!;
    assert.equal(ev.decision, "allow");
    assert.equal(ev.totals.packets, 3_000_000n);
    assert.equal(r.model.scope.observedSec, 3600);
  });
});

describe("a healthy client above two volumetric thresholds", () => {
  test("is blocked, counted as a false positive, and the verdict is NOT READY", async () => {
    const d = dir("healthy-vol");
    writeParquetRun(d, {
      baseTs: BASE,
      intervalSec: 60,
      snapshots: steady(BASE, 60, 20, (i) => [
        ...background(),
        ...(i >= 5 && i <= 14 ? [healthyHeavyClient("198.18.0.20")] : []),
      ]),
    });
    const r = await report(d);
    const s = source(r, "198.18.0.20:80")!;
    assert.equal(s.decision, "block");
    assert.equal(s.abuseClass, "VOLUMETRIC_TCP_ABUSE");
    assert.equal(s.healthyBlocked, true);
    // Fires at the end of interval 5; drops intervals 6..14 fully (9 x 90 000 packets).
    assert.equal(s.wouldDrop.packets, 9n * 90_000n);
    assert.equal(r.model.fp.computed, true);
    assert.equal(r.model.fp.valuePct, 100);
    assert.equal(r.model.verdict.outcome, "NOT_READY");
    assert.deepEqual(
      r.model.verdict.reasons.map((x) => x.code),
      ["FP_TOO_HIGH", "HEALTHY_BLOCKED"],
    );
    assert.equal(r.model.fp.healthyBlockedKeys[0]?.display, "198.18.0.20:80");
  });
});

/** A SYN flood of 4 minutes (intervals 10-13) from one source, then a trickle of healthy traffic from it. */
function synFloodRun(): RunSpec {
  return {
    baseTs: BASE,
    intervalSec: 60,
    snapshots: steady(BASE, 60, 30, (i) => [
      ...background(),
      i >= 10 && i <= 13
        ? { src: "198.18.5.5", port: 80, syn: 12_000, packets: 12_000, bytes: 720_000 }
        : { src: "198.18.5.5", port: 80, syn: 10, handshake_ack: 10, ack: 20, packets: 30, bytes: 3_000 },
    ]),
  };
}

function assertSynFlood(
  r: ReportResult,
  outcome: ReportResult["model"]["verdict"]["outcome"] = "READY",
): void {
  const s = source(r, "198.18.5.5:80")!;
  assert.equal(s.abuseClass, "SYN_FLOOD_LIKE");
  assert.equal(s.decision, "block");
  assert.equal(s.hotIntervals, 4);
  assert.equal(s.episodes, 1);
  // The rule fires at the end of interval 10 (BASE+600): intervals 11-13 are dropped whole, then the block
  // (re-armed at BASE+780) runs to BASE+1080: intervals 14-18 of the trickle are dropped too, 19+ are not.
  assert.equal(s.wouldDrop.syn, 3n * 12_000n + 5n * 10n);
  assert.equal(s.wouldDrop.packets, 3n * 12_000n + 5n * 30n);
  assert.equal(s.ideal.syn, 4n * 12_000n);
  assert.equal(s.firstHot?.unix, BASE + 600);
  assert.equal(s.lastHot?.unix, BASE + 780);
  const pts = r.model.series.points;
  const dropAt = (end: number) => pts.find((p) => p.end.unix === end)!.wouldDrop.syn;
  assert.equal(dropAt(BASE + 600), 0n, "nothing dropped in the interval that reveals the flood");
  assert.equal(dropAt(BASE + 660), 12_000n, "dropping starts one interval after onset");
  assert.equal(dropAt(BASE + 1080), 10n, "the block lasts block_duration after the last hot interval");
  assert.equal(dropAt(BASE + 1140), 0n);
  assert.equal(r.model.impact.peakConcurrentBlocks, 1);
  assert.equal(r.model.verdict.outcome, outcome);
  assert.equal(r.model.fp.computed, true);
  // Probably legitimate: the trickle (5 x 30 packets) of 36 150 would-drop packets.
  assert.equal(r.model.fp.probablyLegitPackets, 150n);
}

describe("a SYN flood of a few minutes", () => {
  test("Parquet: would-drop starts one interval after onset and ends block_duration after the last hot interval", async () => {
    const d = dir("flood-pq");
    writeParquetRun(d, synFloodRun());
    const r = await report(d);
    assertSynFlood(r);
    const rules = JSON.parse(r.model.rules.json);
    assert.equal(rules.version, 4);
    assert.equal(rules.triggers.length, 1);
    assert.equal(rules.triggers[0].key_value, "198.18.5.5");
    assert.equal(rules.triggers[0].window_sec, 60);
    assert.equal(rules.triggers[0].criteria.abuse_class, "SYN_FLOOD_LIKE");
  });

  test("JSONL gives the same answer as Parquet", async () => {
    const d = dir("flood-jsonl");
    writeJsonlRun(d, synFloodRun());
    const r = await report(d);
    assertSynFlood(r);
  });

  test("legacy schema v3 (numeric key_value) and gzipped v4 give the same answer; the first line is a baseline", async () => {
    for (const version of [3, 4]) {
      const d = dir(`flood-v${version}`);
      const path = writeJsonlRun(d, synFloodRun(), { version });
      if (version === 4) {
        const { gzipSync } = await import("node:zlib");
        const { readFileSync, unlinkSync } = await import("node:fs");
        writeFileSync(`${path}.gz`, gzipSync(readFileSync(path)));
        unlinkSync(path);
      }
      const r = await report(d);
      assert.equal(
        r.model.scope.baselines.count,
        1,
        `v${version}: no base_ts, so the first snapshot is a baseline`,
      );
      assertSynFlood(r);
    }
  });

  test("the sensitivity table reruns the decision at 0.5x..2x on the candidate set", async () => {
    const d = dir("flood-sens");
    writeParquetRun(d, synFloodRun());
    const r = await report(d);
    const rows = r.model.sensitivity;
    assert.deepEqual(
      rows.map((x) => x.factor),
      [0.5, 0.75, 1, 1.5, 2],
    );
    assert.equal(rows.find((x) => x.current)?.keysBlocked, 1);
    // 200 SYN/s against 2 x 100: comparisons are inclusive, so the flood still fires at 2x.
    assert.equal(rows[4]?.keysBlocked, 1);
    assert.equal(rows[4]?.syn_rate_threshold, 200);
  });
});

describe("eviction and re-insertion", () => {
  const run = (): RunSpec => ({
    baseTs: BASE,
    intervalSec: 60,
    snapshots: steady(BASE, 60, 10, (i) => [
      ...background(),
      {
        src: "198.18.0.30",
        port: 80,
        syn: 100,
        handshake_ack: 100,
        packets: 400,
        bytes: 40_000,
        reinserted: i === 6,
      },
    ]),
  });
  for (const fmt of ["parquet", "jsonl"] as const)
    test(`loses nothing (${fmt})`, async () => {
      const d = dir(`evict-${fmt}`);
      if (fmt === "parquet") writeParquetRun(d, run());
      else writeJsonlRun(d, run());
      const r = await report(d);
      const ev = r.evidence.find((e) => e.display === "198.18.0.30:80")!;
      assert.equal(ev.totals.syn, 1000n);
      assert.equal(ev.totals.packets, 4000n);
    });
});

describe("a collector restart", () => {
  test("starts a new run; both runs count", async () => {
    const d = dir("restart");
    const t = () => [...background()];
    writeParquetRun(d, { runId: "r1", baseTs: BASE, intervalSec: 60, snapshots: steady(BASE, 60, 5, t) });
    writeParquetRun(d, {
      runId: "r2",
      baseTs: BASE + 400,
      intervalSec: 60,
      snapshots: steady(BASE + 400, 60, 5, t),
    });
    const r = await report(d);
    assert.equal(r.model.scope.runs.length, 2);
    assert.ok(r.model.scope.runs.every((x) => !x.firstIsBaseline));
    assert.equal(r.model.impact.total.packets, 10n * 12n * 120n);
  });

  test("JSONL: a new run_id is a new run", async () => {
    const d = dir("restart-jsonl");
    writeJsonlRun(
      d,
      { baseTs: BASE, intervalSec: 60, snapshots: steady(BASE, 60, 5, () => background()) },
      { runId: 1, file: "a.jsonl" },
    );
    writeJsonlRun(
      d,
      { baseTs: BASE + 400, intervalSec: 60, snapshots: steady(BASE + 400, 60, 5, () => background()) },
      { runId: 2, file: "b.jsonl" },
    );
    const r = await report(d);
    assert.equal(r.model.scope.runs.length, 2);
    assert.equal(r.model.impact.total.packets, 10n * 12n * 120n);
  });
});

describe("missing snapshots", () => {
  for (const fmt of ["parquet", "jsonl"] as const)
    test(`rates use the real span (${fmt})`, async () => {
      const d = dir(`missing-${fmt}`);
      const snaps = steady(BASE, 60, 10, () => [
        ...background(),
        { src: "198.18.0.40", port: 80, syn: 7_000, packets: 7_000, bytes: 420_000 },
      ]);
      snaps[4]!.missing = true;
      const spec = { baseTs: BASE, intervalSec: 60, snapshots: snaps };
      if (fmt === "parquet") writeParquetRun(d, spec);
      else writeJsonlRun(d, spec);
      const r = await report(d);
      assert.equal(r.model.scope.gaps.count, 1);
      const s = source(r, "198.18.0.40:80")!;
      // 7 000 SYN per 60 s everywhere; a nominal divisor would show 233/s across the gap.
      assert.ok(Math.abs(s.peakSynRate - 7000 / 60) < 1e-9, `peak ${s.peakSynRate}`);
    });
});

describe("a run whose start was removed by retention", () => {
  test("Parquet: the first file on disk is a baseline", async () => {
    const d = dir("retention-pq");
    writeParquetRun(d, {
      baseTs: BASE,
      intervalSec: 60,
      firstSeq: 3,
      snapshots: steady(BASE, 60, 10, () => background()),
    });
    const r = await report(d);
    assert.equal(r.model.scope.baselines.count, 1);
    assert.equal(r.model.scope.runs[0]?.firstIsBaseline, true);
    // Snapshots seq 3..9 on disk: seq 3 is the baseline, 6 intervals count.
    assert.equal(r.model.impact.total.packets, 6n * 12n * 120n);
  });

  test("JSONL: base_ts far before the first line makes it a baseline", async () => {
    const d = dir("retention-jsonl");
    writeJsonlRun(d, {
      baseTs: BASE,
      intervalSec: 60,
      firstSeq: 3,
      snapshots: steady(BASE, 60, 10, () => background()),
    });
    const r = await report(d);
    assert.equal(r.model.scope.baselines.count, 1);
    assert.equal(r.model.impact.total.packets, 6n * 12n * 120n);
  });
});

describe("--since inside a run", () => {
  test("an interval straddling the edge counts pro rata", async () => {
    const d = dir("since");
    writeParquetRun(d, {
      baseTs: BASE,
      intervalSec: 60,
      snapshots: steady(BASE, 60, 10, () => background()),
    });
    // Interval 5 is (BASE+240, BASE+300]; since = BASE+270 keeps half of it, then intervals 6..10.
    const r = await report(d, { since: { kind: "abs", t: BASE + 270 } });
    assert.equal(r.model.impact.total.packets, 12n * 60n + 5n * 12n * 120n);
    assert.equal(r.model.scope.start?.unix, BASE + 270);
    const rel = await report(d, { since: { kind: "rel", offsetSec: -330 } });
    assert.equal(
      rel.model.impact.total.packets,
      r.model.impact.total.packets,
      "relative to the latest snapshot",
    );
  });
});

describe("a final snapshot a fraction of a second after the previous one", () => {
  test("is merged into its predecessor before rates are judged", async () => {
    const d = dir("short-final");
    const snaps = steady(BASE, 60, 10, () => [
      ...background(),
      { src: "198.18.0.50", port: 80, syn: 60, handshake_ack: 0, packets: 60, bytes: 3600 },
    ]);
    // 100 SYN in 0.4 s would be 250/s on its own.
    snaps.push({
      ts: BASE + 600.4,
      traffic: [{ src: "198.18.0.50", port: 80, syn: 100, packets: 100, bytes: 6000 }],
    });
    writeParquetRun(d, { baseTs: BASE, intervalSec: 60, snapshots: snaps });
    const r = await report(d);
    assert.equal(r.sources.length, 0);
    assert.equal(r.model.scope.runs[0]?.mergedShortIntervals, 1);
    assert.equal(r.evidence.find((e) => e.display === "198.18.0.50:80")?.totals.syn, 700n);
  });
});

describe("an IPv6 /64 attacker", () => {
  test("is one key, blocked as a prefix, shown bracketed", async () => {
    const d = dir("v6");
    writeParquetRun(d, {
      baseTs: BASE,
      intervalSec: 60,
      snapshots: steady(BASE, 60, 10, (i) => [
        ...background(443),
        ...(i >= 3 && i <= 6
          ? [{ src: "2001:2:0:1::/64", port: 443, syn: 30_000, packets: 30_000, bytes: 2_400_000 }]
          : []),
      ]),
    });
    const r = await report(d);
    const s = r.sources[0]!;
    assert.equal(s.src, "2001:2:0:1::/64");
    assert.equal(s.display, "[2001:2:0:1::/64]:443");
    assert.equal(s.decision, "block");
    const rules = JSON.parse(r.model.rules.json);
    assert.deepEqual(
      [rules.triggers[0].key_type, rules.triggers[0].key_value, rules.triggers[0].dst_port],
      ["src_cidr", "2001:2:0:1::/64", 443],
    );
    assert.equal(r.model.rollups.v6[0]?.prefix, "2001:2::/48");
  });
});

describe("allowlisted IPv4 and IPv6 CIDRs", () => {
  test("never fire; what they would have lost is spared", async () => {
    const d = dir("allow");
    writeParquetRun(d, {
      baseTs: BASE,
      intervalSec: 60,
      snapshots: steady(BASE, 60, 10, (i) => [
        ...background(),
        ...(i >= 3 && i <= 6
          ? [
              { src: "198.18.9.7", port: 80, syn: 12_000, packets: 12_000, bytes: 720_000 },
              { src: "2001:2:0:7::/64", port: 80, syn: 12_000, packets: 12_000, bytes: 720_000 },
            ]
          : []),
      ]),
    });
    const allowlist = parseAllowlist("198.18.9.0/24  # lab\n# whole line\n2001:2::/48\n", "allow.txt");
    const r = await report(d, { allowlist });
    assert.equal(r.model.impact.keysBlocked, 0);
    assert.equal(r.model.impact.keysAllowlistedHot, 2);
    // Each fires at the end of interval 3 and would have dropped intervals 4..6.
    assert.equal(r.model.impact.sparedByAllowlist.syn, 2n * 3n * 12_000n);
    assert.equal(r.model.verdict.outcome, "NOTHING_TO_ENFORCE");
    const rules = JSON.parse(r.model.rules.json);
    assert.equal(rules.triggers.length, 0);
    assert.deepEqual(rules.exceptions, [
      { key_type: "src_cidr", key_value: "198.18.9.0/24" },
      { key_type: "src_cidr", key_value: "2001:2::/48" },
    ]);
    assert.ok(r.sources.every((s) => s.allowlisted && s.decision === "allow"));
  });
});

describe("a random-source flood beyond max_rules", () => {
  test("is NOT READY with the number of concurrent blocks it would need", async () => {
    const d = dir("random");
    writeParquetRun(d, {
      baseTs: BASE,
      intervalSec: 60,
      snapshots: steady(BASE, 60, 8, (i) => [
        ...background(),
        ...(i === 4
          ? Array.from({ length: 200 }, (_, j) => ({
              src: `198.19.${j >> 8}.${j & 255}`,
              port: 80,
              syn: 6_000,
              packets: 6_000,
              bytes: 360_000,
            }))
          : []),
      ]),
    });
    const r = await report(d, { cfg: { max_rules: 50 } });
    assert.equal(r.model.impact.peakConcurrentBlocks, 200);
    const reason = r.model.verdict.reasons.find((x) => x.code === "TOO_MANY_RULES");
    assert.ok(reason, JSON.stringify(r.model.verdict.reasons));
    assert.match(reason.text, /200 concurrent blocks/);
    assert.equal(r.model.singleIntervalKeys.total, 200);
  });
});

describe("a distributed flood with no hot source", () => {
  test("is a port-level finding, not NOTHING TO ENFORCE", async () => {
    const d = dir("distributed");
    writeParquetRun(d, {
      baseTs: BASE,
      intervalSec: 60,
      snapshots: steady(BASE, 60, 6, (i) => [
        ...background(),
        ...(i >= 3
          ? Array.from({ length: 500 }, (_, j) => ({
              src: `198.19.${j >> 8}.${j & 255}`,
              port: 80,
              syn: 50,
              packets: 50,
              bytes: 3000,
            }))
          : []),
      ]),
    });
    const r = await report(d);
    assert.equal(r.sources.length, 0);
    const p = r.model.ports.find((x) => x.dstPort === 80)!;
    assert.equal(p.kind, "UNATTRIBUTED_FLOOD");
    assert.equal(p.unattributedIntervals, 4);
    assert.ok(p.maxDistinctSources >= 500);
    assert.equal(r.model.verdict.outcome, "NOT_READY");
    assert.deepEqual(
      r.model.verdict.reasons.map((x) => x.code),
      ["PORT_LEVEL_UNATTRIBUTED"],
    );
  });
});

describe("malformed input mixed with good", () => {
  test("bad lines and files are skipped, counted and located; the rest is reported", async () => {
    const d = dir("malformed");
    const path = writeJsonlRun(d, synFloodRun());
    const { readFileSync } = await import("node:fs");
    const lines = readFileSync(path, "utf8").split("\n");
    lines.splice(3, 0, "this is not json", '{"version":5,"ts_unix_sec":"soon"}');
    writeFileSync(path, lines.join("\n"));
    writeFileSync(join(d, "broken.parquet"), "PAR1 not really");
    writeFileSync(join(d, "status.jsonl"), '{"cycle":1,"ts":1}\n');
    const r = await report(d);
    assert.equal(r.model.scope.skipped.count, 3);
    const first = r.model.scope.skipped.first;
    assert.ok(first.some((s) => s.file.endsWith("broken.parquet") && s.line === null));
    assert.ok(
      first.some((s) => s.file === path && s.line === 4),
      JSON.stringify(first),
    );
    assert.ok(first.some((s) => s.file === path && s.line === 5));
    // The good lines still give the flood's answer, but 3 of 33 inputs skipped (> 1 %) cannot give READY.
    assertSynFlood(r, "NOT_READY");
    assert.deepEqual(
      r.model.verdict.reasons.map((x) => x.code),
      ["INPUT_SKIPPED"],
    );
  });
});

describe("coverage from the collector's own records", () => {
  test("eviction loss from the global totals, write errors from heartbeats, the synthetic marker", async () => {
    const d = dir("coverage");
    const snaps = steady(BASE, 60, 6, () => background());
    snaps[2]!.lostPackets = 700;
    writeParquetRun(d, { baseTs: BASE, intervalSec: 60, snapshots: snaps });
    writeFileSync(
      join(d, "host=host-a", "status-eth0.jsonl"),
      `${JSON.stringify({ host: "host-a", iface: "eth0", runId: "run1", writeErrorsTotal: 0 })}\n${JSON.stringify({ host: "host-a", iface: "eth0", runId: "run1", writeErrorsTotal: 2, lastError: "ENOSPC" })}\n`,
    );
    writeFileSync(join(d, "SYNTHETIC"), "demo data from the test suite\n");
    const r = await report(d);
    assert.equal(r.model.scope.evictionLossPackets, 700n);
    assert.equal(r.model.scope.runs[0]?.writeErrors, 2);
    assert.ok(r.model.scope.problems.some((p) => /2 failed snapshot write/.test(p)));
    assert.deepEqual(r.model.synthetic, { isSynthetic: true, label: "demo data from the test suite" });
    assert.equal(r.model.scope.skipped.count, 0, "heartbeats are not skipped snapshots");
  });
});
