// A hand-built ReportModel for renderer tests (unit and browser): a SYN flood from a few sources, a
// healthy heavy client, an allowlisted source, IPv6, and optionally many more sources and hostile
// labels. The figures are plausible, not computed: the renderers only display what the model says.

import { ruleCriteria } from "../analysis/rules.js";
import { DEFAULT_CONFIG } from "../config.js";
import type {
  Counters,
  Explorer,
  KeyDrill,
  KeyRef,
  Measures,
  Outcome,
  PortPoint,
  ReasonCode,
  ReportModel,
  SeriesPoint,
  SourceRow,
  TimePoint,
  VerdictCheck,
} from "../model.js";
import { keyRefOf } from "../model.js";

export interface SampleOptions {
  /** Extra blocked IPv4 sources (e.g. 100 000 to test readability at scale). */
  extraSources?: number;
  /** Intervals in the series. */
  intervals?: number;
  /** Put this text into the host name, a source label, the allowlist path and reasons. */
  hostile?: string;
  outcome?: "READY" | "NOT_READY" | "NOTHING_TO_ENFORCE";
  synthetic?: boolean;
  /** A second enforcer host (edge-2) with its own, smaller block peak. */
  twoHosts?: boolean;
  /** Add blocked keys with the longest IPv6 labels (a full /128 address on a five-digit port). */
  longKeys?: boolean;
  /** Make part of the port's hot intervals unattributable to hot sources (a random-source flood). */
  unattributed?: boolean;
  /**
   * A fleet report (implies twoHosts): per-host verdicts (edge-1 READY, edge-2 NOT READY with a healthy
   * blocked key), per-host rules files and one key hot on both hosts.
   */
  fleet?: boolean;
  /** Two earlier daily reports in the history: new and recurring keys, a threshold change, a store note. */
  history?: boolean;
}

const T0 = 1_795_000_000; // 2026-11-18 10:13:20 UTC
const INTERVAL = 60;

function tp(unix: number): TimePoint {
  return { unix, iso: new Date(unix * 1000).toISOString().replace(".000Z", "Z") };
}

function measures(packets: number, bytes: number, syn: number): Measures {
  return { packets: BigInt(packets), bytes: BigInt(bytes), syn: BigInt(syn) };
}

function counters(m: Measures, handshakeAck: bigint): Counters {
  return {
    syn: m.syn,
    ack: m.packets - m.syn,
    handshake_ack: handshakeAck,
    rst: 0n,
    packets: m.packets,
    bytes: m.bytes,
  };
}

function key(family: 4 | 6, src: string, dstPort: number, prefixLen: number): KeyRef {
  const display = family === 6 ? `[${src}]:${dstPort}` : `${src}:${dstPort}`;
  return { family, src, prefixLen, dstPort, display };
}

function source(k: KeyRef, i: number, opts: { allow?: boolean; healthy?: boolean }): SourceRow {
  const syn = 60_000 - i;
  const wd = measures(syn, syn * 60, syn);
  const zero = measures(0, 0, 0);
  return {
    ...k,
    decision: opts.allow ? "allow" : "block",
    allowlisted: opts.allow ?? false,
    abuseClass: opts.healthy ? "VOLUMETRIC_TCP_ABUSE" : "SYN_FLOOD_LIKE",
    totals: counters(measures(syn + 500, (syn + 500) * 60, syn), opts.healthy ? BigInt(syn) : 12n),
    wouldDrop: opts.allow ? zero : wd,
    ideal: wd,
    spared: opts.allow ? wd : zero,
    probablyLegitPackets: opts.healthy ? wd.packets : 0n,
    probablyLegitPct: opts.allow ? null : opts.healthy ? 100 : 0,
    peakSynRate: 1000 - i / 1000,
    peakPktRate: 1200,
    peakByteRate: 72_000,
    minSuccessRatio: opts.healthy ? 0.98 : 0.0002,
    hotIntervals: 5,
    episodes: 1,
    firstHot: tp(T0 + 600),
    lastHot: tp(T0 + 900),
    singleInterval: false,
    healthyBlocked: opts.healthy ?? false,
  };
}

/** The checks as analysis/decide.ts would record them for these figures at DEFAULT_CONFIG. */
function sampleChecks(
  fpPct: number,
  healthy: number,
  gatingPct: number,
  peak: number,
  anyBlocked: boolean,
): VerdictCheck[] {
  const c = DEFAULT_CONFIG;
  return [
    {
      code: "FP_BOUND",
      passed: fpPct <= c.max_fp_pct,
      value: fpPct,
      limit: c.max_fp_pct,
      gating: anyBlocked,
    },
    { code: "HEALTHY_BLOCKED", passed: healthy === 0, value: healthy, limit: 0, gating: anyBlocked },
    {
      code: "MIN_IMPACT",
      passed: gatingPct >= c.min_blocked_pct,
      value: gatingPct,
      limit: c.min_blocked_pct,
      gating: anyBlocked,
    },
    { code: "MAX_RULES", passed: peak <= c.max_rules, value: peak, limit: c.max_rules, gating: anyBlocked },
    { code: "PORT_LEVEL", passed: true, value: null, limit: null, gating: !anyBlocked },
    { code: "INPUT_SKIPPED", passed: true, value: 0, limit: null, gating: true },
  ];
}

export function sampleModel(opts: SampleOptions = {}): ReportModel {
  const evil = opts.hostile ?? "";
  if (opts.fleet) opts = { ...opts, twoHosts: true };
  const n = opts.intervals ?? 60;
  const host = `edge-1${evil}`;
  const outcome = opts.outcome ?? "NOT_READY";
  const points: SeriesPoint[] = [];
  const portPoints: PortPoint[] = [];
  for (let i = 0; i < n; i++) {
    // Snapshots 20-24 are missing: a gap the chart must show.
    if (i >= 20 && i < 25) continue;
    const flood = i >= 30 && i < 36;
    const dropping = i >= 31 && i < 41;
    // The healthy heavy client keeps being blocked after the flood ends: probably-legitimate would-drop.
    const legit = dropping && !flood ? 300 : 0;
    const unattributed = (opts.unattributed ?? false) && i >= 44 && i < 47;
    const pktRate = 800 + 40 * Math.sin(i / 5) + (flood ? 5000 : 0);
    const synRate = 50 + (flood ? 4800 : 0);
    points.push({
      start: tp(T0 + i * INTERVAL),
      end: tp(T0 + (i + 1) * INTERVAL),
      spanSec: INTERVAL,
      total: measures(
        Math.round(pktRate * INTERVAL),
        Math.round(pktRate * INTERVAL * 80),
        synRate * INTERVAL,
      ),
      wouldDrop: measures(
        (dropping && flood ? 4800 * INTERVAL : 0) + legit * INTERVAL,
        legit * INTERVAL * 80,
        dropping && flood ? 4800 * INTERVAL : 0,
      ),
      wouldDropProbablyLegit: measures(legit * INTERVAL, legit * INTERVAL * 80, 0),
      pktRate,
      synRate,
      byteRate: pktRate * 80,
      wouldDropPktRate: (dropping && flood ? 4800 : 0) + legit,
      wouldDropSynRate: dropping && flood ? 4800 : 0,
      wouldDropByteRate: (dropping && flood ? 4800 * 60 : 0) + legit * 80,
      wouldDropProbablyLegitPktRate: legit,
      wouldDropProbablyLegitSynRate: 0,
      wouldDropProbablyLegitByteRate: legit * 80,
      distinctSources: 120 + (flood ? 3 : 0),
      activeBlocks: dropping ? 3 : 0,
    });
    portPoints.push({
      start: tp(T0 + i * INTERVAL),
      end: tp(T0 + (i + 1) * INTERVAL),
      synRate,
      pktRate,
      successRatio: flood ? 0.01 : 0.97,
      distinctSources: 120 + (flood ? 3 : 0),
      hot: flood || unattributed,
      attributedSynPct: flood ? 99 : unattributed ? 3 : null,
      unattributed,
    });
  }
  const rows: SourceRow[] = [
    source(key(4, "198.18.0.10", 8899, 32), 0, {}),
    source(key(4, "198.18.0.11", 8899, 32), 1, {}),
    source(key(6, "2001:2:0:1::/64", 8899, 64), 2, {}),
    source(key(4, "198.18.5.7", 8899, 32), 3, { healthy: true }),
    source(key(4, "198.18.9.9", 8899, 32), 4, { allow: true }),
  ];
  if (evil) rows.push(source(key(4, `198.18.0.66${evil}`, 8899, 32), 5, {}));
  if (opts.longKeys) {
    rows.push(source(key(6, "2001:2:ffff:ffff:ffff:ffff:ffff:fffe", 65535, 128), 6, {}));
    rows.push(source(key(6, "2001:2:abcd:ef01:2345:6789:abcd:ef01", 44321, 128), 7, {}));
  }
  const extra = opts.extraSources ?? 0;
  for (let i = 0; i < extra; i++) {
    const a = 16 + Math.floor(i / 65536);
    rows.push(source(key(4, `198.${18 + (a - 16)}.${(i >> 8) & 255}.${i & 255}`, 8899, 32), 10 + i, {}));
  }
  const blocked = rows.filter((r) => r.decision === "block");
  const healthy = rows.filter((r) => r.healthyBlocked);
  const enforceable = blocked.filter((r) => !r.healthyBlocked);
  const total = measures(3_456_789, 276_543_120, 1_234_567);
  const wouldDrop = measures(1_440_000, 86_400_000, 1_440_000);
  const ideal = measures(1_728_000, 103_680_000, 1_728_000);
  const reasonsNR = [
    {
      code: "FP_TOO_HIGH" as const,
      text: `The false-positive bound is 12.5%, above the 5% limit: 180,000 of 1,440,000 would-drop packets look legitimate.${evil}`,
      keys: { labels: ["198.18.5.7:8899"], total: 1 },
    },
    {
      code: "HEALTHY_BLOCKED" as const,
      text: "1 blocked key is probably legitimate (it completes handshakes normally, so mostly legitimate traffic would be dropped): 198.18.5.7:8899.",
      keys: { labels: ["198.18.5.7:8899"], total: 1 },
    },
  ];
  const label = { READY: "READY", NOT_READY: "NOT READY", NOTHING_TO_ENFORCE: "NOTHING TO ENFORCE" }[outcome];
  const m: Omit<ReportModel, "explorer"> = {
    reportVersion: 1,
    profile: "ibsr",
    generatedAt: tp(T0 + n * INTERVAL),
    synthetic: {
      isSynthetic: opts.synthetic ?? true,
      label: opts.synthetic === false ? null : `generated by tests${evil}`,
    },
    verdict: {
      outcome,
      label,
      headline:
        outcome === "NOT_READY"
          ? "Blocking would stop a SYN flood from 3 sources, but it would also block a healthy heavy client."
          : outcome === "READY"
            ? "Blocking 3 sources would drop 41.7% of SYNs with no sign of legitimate traffic."
            : "No source was hot and nothing abnormal was seen at port level.",
      reasons: outcome === "NOT_READY" ? reasonsNR : [],
      checks: sampleChecks(12.5, healthy.length, 41.7, 3 + extra, rows.length > 0),
      notes: [
        "1 key was hot in a single interval only; review it by hand.",
        `Port 8899: attributed flood.${evil}`,
      ],
    },
    assumptions: [
      "Detection at snapshot cadence: a rule fires at the end of each hot interval and blocks for 300 s; a faster inline detector would catch more, so the would-drop figures are a lower bound.",
      "Nobody's behaviour is assumed to change: blocked clients would really retry and look worse.",
      "Traffic is assumed uniform inside an interval.",
    ],
    config: { ...DEFAULT_CONFIG },
    scope: {
      inputs: [`./snapshots${evil}`],
      files: { parquet: n, jsonl: 0, total: n },
      snapshots: n - 5,
      rows: 6_543_210n,
      hosts: opts.twoHosts ? [host, "edge-2"] : [host],
      ifaces: [`eth0${evil}`],
      xdpModes: ["native"],
      dstPorts: [8899],
      runs: [
        {
          host,
          iface: "eth0",
          runId: "r-20261118-101320",
          format: "parquet",
          start: tp(T0),
          end: tp(T0 + n * INTERVAL),
          snapshots: n - 5,
          intervals: n - 6,
          firstIsBaseline: false,
          intervalSec: INTERVAL,
          xdpMode: "native",
          mapCapacity: 1_000_000,
          peakLiveEntries: 12_345,
          peakFillPct: 1.2345,
          evictionLossPackets: 0n,
          evictionLossPct: 0,
          estimatedEvictions: 0n,
          writeErrors: 0,
          gaps: 1,
          mergedShortIntervals: 1,
          mergedFirstIntervals: 1,
        },
      ],
      start: tp(T0),
      end: tp(T0 + n * INTERVAL),
      observedSec: (n - 5) * INTERVAL,
      durationSec: n * INTERVAL,
      since: null,
      until: null,
      hostFilter: null,
      discovery: { listed: n, opened: n, hostFoldersPruned: 0, dateFolders: 1, dateFoldersListed: 1 },
      intervalSec: INTERVAL,
      mapCapacity: 1_000_000,
      peakFillPct: 1.2345,
      evictionLossPackets: 0n,
      evictionLossPct: 0,
      gaps: {
        count: 1,
        totalMissingSec: 300,
        list: [
          {
            host,
            iface: "eth0",
            runId: "r-20261118-101320",
            from: tp(T0 + 1200),
            to: tp(T0 + 1560),
            carried: false,
            missingSec: 300,
          },
        ],
        leftOut: 0,
      },
      baselines: { count: 0, list: [], leftOut: 0 },
      skipped: {
        count: 3,
        first: [{ file: `snapshots/bad${evil}.jsonl`, line: 7, reason: `unexpected token${evil}` }],
      },
      problems: ["1 gap of 5 min between snapshots (edge-1, eth0)."],
      notes: [
        "The short first interval of 1 run (the collector's snapshot right after it starts) was merged into the next interval, as expected.",
      ],
    },
    series: {
      bucketSec: INTERVAL,
      points,
      maxPktRate: 5840,
      maxSynRate: 4850,
      maxByteRate: 467_200,
      maxDistinctSources: 123,
      maxActiveBlocks: 3,
    },
    impact: {
      total,
      wouldDrop,
      wouldDropPct: { packets: 41.66, bytes: 31.24, syn: 41.7 },
      ideal,
      idealPct: { packets: 50, bytes: 37.5, syn: 50.04 },
      sparedByAllowlist: measures(59_996, 3_599_760, 59_996),
      sparedPct: { packets: 1.74, bytes: 1.3, syn: 4.86 },
      latencyCost: measures(288_000, 17_280_000, 288_000),
      keysObserved: 123 + extra,
      keysHot: rows.length,
      keysBlocked: blocked.length,
      keysAllowlistedHot: 1,
      peakConcurrentBlocks: 3 + extra,
      peakConcurrentAt: tp(T0 + 1860),
      peakConcurrentByHost: [
        { host, iface: "eth0", peak: 3 + extra, at: tp(T0 + 1860) },
        ...(opts.twoHosts ? [{ host: "edge-2", iface: "eth0", peak: 2, at: tp(T0 + 1920) }] : []),
      ],
      hotByClass: {
        SYN_FLOOD_LIKE: rows.filter((r) => r.abuseClass === "SYN_FLOOD_LIKE").length,
        VOLUMETRIC_TCP_ABUSE: rows.filter((r) => r.abuseClass === "VOLUMETRIC_TCP_ABUSE").length,
      },
      blockedByClass: {
        SYN_FLOOD_LIKE: blocked.filter((r) => r.abuseClass === "SYN_FLOOD_LIKE").length,
        VOLUMETRIC_TCP_ABUSE: blocked.filter((r) => r.abuseClass === "VOLUMETRIC_TCP_ABUSE").length,
      },
      gatingMeasure: "syn",
      gatingPct: 41.7,
    },
    topSources: { rows: rows.slice(0, 1000), total: rows.length, leftOut: Math.max(0, rows.length - 1000) },
    episodes: {
      rows: blocked.slice(0, 100).map((r) => ({
        ...r,
        host,
        iface: "eth0",
        runId: "r-20261118-101320",
        start: tp(T0 + 1800),
        end: tp(T0 + 2160),
        durationSec: 360,
        intervals: 6,
        abuseClass: r.abuseClass ?? "SYN_FLOOD_LIKE",
        totals: r.ideal,
      })),
      total: blocked.length,
      leftOut: Math.max(0, blocked.length - 100),
    },
    singleIntervalKeys: { rows: [key(4, "198.18.3.3", 8899, 32)], total: 1, leftOut: 0 },
    fp: {
      computed: true,
      valuePct: 12.5,
      reason: null,
      probablyLegitPackets: 180_000n,
      wouldDropPackets: 1_440_000n,
      nonAllowlistedKeys: 122 + extra,
      observedSec: (n - 5) * INTERVAL,
      healthyBlockedKeys: healthy.map((r) => ({
        ...r,
        wouldDropPackets: r.wouldDrop.packets,
        probablyLegitPct: 100,
      })),
      healthyBlockedTotal: healthy.length,
      healthyBlockedLeftOut: 0,
    },
    allowlist: {
      configured: true,
      path: `allow${evil}.txt`,
      entries: { v4Addresses: 1, v4Cidrs: 1, v6Addresses: 0, v6Cidrs: 1, total: 3 },
      entryTexts: ["198.18.9.9", "198.18.100.0/24", "2001:2:ff::/48"],
      matchedKeys: 4,
      hotKeys: 1,
      spared: measures(59_996, 3_599_760, 59_996),
      sparedPct: { packets: 1.74, bytes: 1.3, syn: 4.86 },
      top: rows.filter((r) => r.allowlisted),
      leftOut: 0,
    },
    ports: [
      {
        dstPort: 8899,
        kind: "ATTRIBUTED_FLOOD",
        message: "SYN flood attributable to 3 sources; per-source rules catch it.",
        total,
        peakSynRate: 4850,
        peakSynRateAt: tp(T0 + 1860),
        successRatioAtPeak: 0.01,
        maxDistinctSources: 123,
        hotIntervals: 6,
        unattributedIntervals: 0,
        attributedSynPct: 99,
        points: portPoints,
      },
    ],
    sensitivity: [0.5, 0.75, 1, 1.5, 2].map((factor) => ({
      factor,
      syn_rate_threshold: 100 * factor,
      vol_syn_rate: 500 * factor,
      vol_pkt_rate: 1000 * factor,
      vol_byte_rate: 1_000_000 * factor,
      keysBlocked: factor <= 1 ? 4 : 3,
      wouldDrop: wouldDrop,
      wouldDropPct: { packets: 41.66, bytes: 31.24, syn: 41.7 },
      fpComputed: true,
      fpPct: factor <= 1 ? 12.5 : 0,
      fpReason: null,
      healthyBlockedKeys: factor <= 1 ? 1 : 0,
      peakConcurrentBlocks: factor <= 1 ? 4 : 3,
      outcome: factor <= 1 ? "NOT_READY" : "READY",
      current: factor === 1,
    })),
    rollups: {
      v4: [
        {
          family: 4,
          prefix: "198.18.0.0/24",
          prefixLen: 24,
          keys: 2,
          sources: 2,
          hotKeys: 2,
          blockedKeys: 2,
          total,
          wouldDrop,
          wouldDropSharePct: 66.7,
        },
      ],
      v4Total: 1,
      v4LeftOut: 0,
      v6: [
        {
          family: 6,
          prefix: "2001:2::/48",
          prefixLen: 48,
          keys: 1,
          sources: 1,
          hotKeys: 1,
          blockedKeys: 1,
          total,
          wouldDrop,
          wouldDropSharePct: 33.3,
        },
      ],
      v6Total: 1,
      v6LeftOut: 0,
    },
    rules: {
      triggers: enforceable.slice(0, 1000).map((r) => ({
        ...r,
        abuseClass: r.abuseClass ?? "SYN_FLOOD_LIKE",
        windowSec: INTERVAL,
        durationSec: 300,
        criteria: ruleCriteria(DEFAULT_CONFIG, r.abuseClass ?? "SYN_FLOOD_LIKE"),
      })),
      total: enforceable.length,
      leftOut: Math.max(0, enforceable.length - 1000),
      heldBack: healthy.map((r) => ({
        ...r,
        abuseClass: r.abuseClass ?? "VOLUMETRIC_TCP_ABUSE",
        reason: `probably legitimate: ${(r.probablyLegitPct ?? 0).toFixed(1)}% of its would-drop packets came in intervals that completed handshakes (success ratio >= 0.5) or opened no connections`,
        probablyLegitPct: r.probablyLegitPct ?? 0,
      })),
      exports: {
        entries: enforceable.map((r) => ({
          family: r.family,
          cidr: r.src.includes("/") ? r.src : `${r.src}/${r.prefixLen}`,
          prefixLen: r.prefixLen,
          dstPort: r.dstPort,
          keys: 1,
        })),
        keys: enforceable.length,
        merged: 0,
        withheld: [],
      },
      exceptions: [
        { keyType: "src_ip", value: "198.18.9.9" },
        { keyType: "src_cidr", value: "198.18.100.0/24" },
        { keyType: "src_cidr", value: "2001:2:ff::/48" },
      ],
      json: `{\n  "version": 3,\n  "note": "${evil.replace(/["\\]/g, "\\$&")}"\n}\n`,
      byHost: null,
    },
    machine: {
      sources: { rows, total: rows.length, leftOut: 0 },
      episodes: { rows: [], total: 0, leftOut: 0 },
      evidence: { rows: [], total: 0, leftOut: 0, parquet: null },
    },
    fleet: null,
    history: null,
    files: [
      "report.html",
      "report.md",
      "summary.json",
      "rules.json",
      "rules.nft",
      "rules.txt",
      "evidence.csv",
    ],
  };
  if (opts.history) m.history = sampleHistory(m, evil);
  const withFleet = opts.fleet ? sampleFleet(m, host, `edge-2${evil}`) : m;
  return { ...withFleet, explorer: sampleExplorer(withFleet) };
}

/**
 * The complete lists: the capped ones are already complete here except the sources; every blocked key gets a
 * drill-down with a flood in the sample's flood intervals and a block window after it.
 */
function sampleExplorer(m: Omit<ReportModel, "explorer">): Explorer {
  const sources = m.machine.sources.rows;
  const drill: KeyDrill[] = sources
    .filter((r) => r.decision === "block")
    .map((r, k) => {
      const d: KeyDrill = {
        display: r.display,
        t0: [],
        t1: [],
        packets: [],
        syn: [],
        dropPackets: [],
        legit: [],
        hot: [],
        blocks: [
          {
            enforcer: `${m.scope.hosts[0] ?? "host"}/eth0`,
            start: T0 + 31 * INTERVAL,
            end: T0 + 41 * INTERVAL,
          },
        ],
      };
      for (let i = 28; i < 44; i++) {
        const flood = i >= 30 && i < 36;
        const dropping = i >= 31 && i < 41;
        const packets = flood ? 4800 * INTERVAL : 20 * INTERVAL + k;
        d.t0.push(T0 + i * INTERVAL);
        d.t1.push(T0 + (i + 1) * INTERVAL);
        d.packets.push(packets);
        d.syn.push(flood ? packets : 2 * INTERVAL);
        d.dropPackets.push(dropping ? packets : 0);
        d.legit.push(dropping && !flood && r.healthyBlocked ? 1 : 0);
        d.hot.push(flood ? 1 : 0);
      }
      return d;
    });
  return {
    sources,
    episodes: m.episodes.rows,
    rollupsV4: m.rollups.v4,
    rollupsV6: m.rollups.v6,
    drill,
  };
}

/** The fleet parts of a two-host sample: edge-1 READY with the model's rules, edge-2 NOT READY. */
function sampleFleet(m: Omit<ReportModel, "explorer">, a: string, b: string): Omit<ReportModel, "explorer"> {
  const zero = { packets: 0n, bytes: 0n, syn: 0n };
  const cov = (snapshots: number) => ({
    runs: 1,
    snapshots,
    gaps: 1,
    missingSec: 300,
    observedSec: snapshots * INTERVAL,
  });
  const healthy = m.fp.healthyBlockedKeys[0];
  const reason = {
    code: "HEALTHY_BLOCKED" as const,
    text: `1 blocked key is probably legitimate (it completes handshakes normally, so mostly legitimate traffic would be dropped): ${healthy?.display ?? "198.18.0.7:8899"}.`,
    keys: { labels: [healthy?.display ?? "198.18.0.7:8899"], total: 1 },
  };
  const stem = (h: string) => (h === a ? "edge-1" : "edge-2");
  const files = (h: string) => ({
    json: `rules-host-${stem(h)}.json`,
    nft: `rules-host-${stem(h)}.nft`,
    txt: `rules-host-${stem(h)}.txt`,
  });
  return {
    ...m,
    verdict: {
      ...m.verdict,
      outcome: "NOT_READY",
      label: "NOT READY",
      headline: `NOT READY on 1 of 2 hosts: ${b} (probably-legitimate keys would be blocked).`,
      reasons: [{ ...reason, text: `On 1 host (${b}). ${reason.text}` }],
    },
    rules: {
      ...m.rules,
      byHost: [
        { host: a, files: files(a), outcome: "READY", rules: { ...m.rules, heldBack: [], byHost: null } },
        {
          host: b,
          files: files(b),
          outcome: "NOT_READY",
          rules: { ...m.rules, triggers: [], total: 0, byHost: null },
        },
      ],
    },
    fleet: {
      hosts: [
        {
          host: a,
          outcome: "READY",
          label: "READY",
          reasons: [],
          why: "",
          checks: sampleChecks(1.2, 0, 40, 3, true),
          keysBlocked: m.rules.total,
          rules: m.rules.total,
          heldBack: 0,
          total: m.impact.total,
          wouldDrop: m.impact.wouldDrop,
          wouldDropPct: m.impact.wouldDropPct,
          gatingMeasure: "syn",
          gatingPct: 40,
          fp: { computed: true, valuePct: 1.2, reason: null },
          healthyBlockedKeys: 0,
          peakConcurrentBlocks: 3,
          coverage: cov(55),
        },
        {
          host: b,
          outcome: "NOT_READY",
          label: "NOT READY",
          reasons: [reason],
          why: "probably-legitimate keys would be blocked",
          checks: sampleChecks(96.4, 1, 2.5, 2, true),
          keysBlocked: 1,
          rules: 0,
          heldBack: 1,
          total: m.impact.total,
          wouldDrop: zero,
          wouldDropPct: { packets: 0, bytes: 0, syn: 0 },
          gatingMeasure: "packets",
          gatingPct: 2.5,
          fp: { computed: true, valuePct: 96.4, reason: null },
          healthyBlockedKeys: 1,
          peakConcurrentBlocks: 2,
          coverage: cov(50),
        },
      ],
      notReady: [b],
      sharedHotKeys: {
        rows: [{ ...keyRefOf(m.topSources.rows[0]!), hosts: 2, hostNames: [a, b], rulesOn: 1 }],
        total: 1,
        leftOut: 0,
      },
    },
    files: [
      ...m.files.slice(0, 6),
      ...[a, b].flatMap((h) => [files(h).json, files(h).nft, files(h).txt]),
      ...m.files.slice(6),
    ],
  };
}

/** Two earlier daily reports and this one: a threshold change, new and recurring keys, a key healthy-blocked before. */
function sampleHistory(m: Omit<ReportModel, "explorer">, evil: string): ReportModel["history"] {
  const end = m.scope.end?.unix ?? T0;
  const day = (d: number) => tp(end - d * 86_400);
  const report = (d: number, outcome: Outcome, hash: string, fpPct: number | null) => ({
    generatedAt: day(d),
    start: day(d + 1),
    end: day(d),
    outcome,
    label: outcome.replace(/_/g, " "),
    reasons: outcome === "NOT_READY" ? (["FP_TOO_HIGH"] as ReasonCode[]) : [],
    blockedKeys: 3 - d,
    wouldDropPackets: BigInt(100_000 * (3 - d)),
    wouldDropPct: 10 * (3 - d),
    fpPct,
    configHash: hash,
    current: d === 0,
  });
  const blocked = m.topSources.rows.filter((r) => r.decision === "block").slice(0, 3);
  const host = m.scope.hosts[0] ?? "";
  return {
    dir: `/srv/reports/ibsr-history${evil}`,
    recorded: true,
    earlierReports: 2,
    reports: [
      report(2, "READY", "aaaaaaaaaaaa", 0),
      report(1, "NOT_READY", "aaaaaaaaaaaa", null),
      report(0, m.verdict.outcome, "bbbbbbbbbbbb", m.fp.valuePct),
    ],
    leftOut: 0,
    hosts: null,
    keys: {
      rows: blocked.map((k, i) => ({
        ...keyRefOf(k),
        host,
        streak: 3 - i,
        reportsBlocked: 3 - i,
        isNew: i === 2,
        healthyBefore: i === 1,
        wouldDropPackets: k.wouldDrop.packets,
      })),
      total: blocked.length,
      leftOut: 0,
    },
    newKeys: blocked.length > 2 ? 1 : 0,
    recurringKeys: Math.min(2, blocked.length),
    healthyBefore: {
      rows: blocked
        .slice(1, 2)
        .map((k) => ({ ...keyRefOf(k), host, reports: 1, last: day(2), now: "blocked" as const })),
      total: Math.min(1, Math.max(0, blocked.length - 1)),
      leftOut: 0,
    },
    thresholdChanges: [
      {
        key: "syn_rate_threshold",
        from: 100,
        to: 200,
        at: day(1),
        text: `syn_rate_threshold changed from 100 to 200 on ${day(1).iso.slice(0, 10)}: figures before and after are not comparable`,
      },
    ],
    notes: [
      `1 file in the history store skipped, not a readable history record: x.parquet${evil} (not a history record: format null).`,
    ],
  };
}
