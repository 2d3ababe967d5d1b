// The reference conformance pipeline's arithmetic (spec §3-§9), kept deliberately faithful to its quirks:
// "raw-first" aggregates, whole-run totals divided by window_sec, per-counter saturating deltas against stale
// values, the first-snapshot interval divided by window_sec, string-sorted episodes. Counters are BigInt (u64)
// and every ratio is computed in f64 in the reference's operation order, so the printed digits match.
import { type Allowlist, allowlistContains } from "./allowlist.js";
import type { NrIbsrConfig } from "./config.js";
import { formatIpv4 } from "./ipv4.js";
import { formatFixed } from "./rust-format.js";
import type { Bucket, Snapshot } from "./snapshots.js";

/** What identifies a bucket. */
export type Key = Pick<Bucket, "keyType" | "keyValue" | "dstPort">;

/** A bucket's counters. */
type Counters = Pick<Bucket, "syn" | "ack" | "handshakeAck" | "rst" | "packets" | "bytes">;

export type AbuseClass = "SYN_FLOOD_LIKE" | "VOLUMETRIC_TCP_ABUSE";

export interface AggregateStats extends Counters {
  key: Key;
  synRate: number;
  successRatio: number;
}

export interface Interval extends Counters {
  ts: bigint;
  synRate: number;
  pktRate: number;
  byteRate: number;
  successRatio: number;
}

export interface Episode {
  key: Key;
  srcIp: string;
  dstPort: number | undefined;
  startTs: bigint;
  endTs: bigint;
  durationSec: bigint;
  intervalCount: number;
  intervalSec: number;
  episodeType: "single_window" | "multi_window";
  maxSynRate: number;
  maxPktRate: number;
  maxByteRate: number;
  minSuccessRatio: number;
  abuseClass: AbuseClass | undefined;
  triggerReason: string;
}

export interface Decision {
  stats: AggregateStats;
  pktRate: number;
  byteRate: number;
  abuseClass: AbuseClass | undefined;
  allowlisted: boolean;
  block: boolean;
}

export interface Offender {
  key: Key;
  abuseClass: AbuseClass;
  synRate: number;
  successRatio: number;
  wouldBlockPackets: bigint;
  wouldBlockSyn: bigint;
  wouldBlockBytes: bigint;
}

export type FpBound = { computed: true; value: number } | { computed: false; reason: string };

export interface Counterfactual {
  percentPacketsBlocked: number;
  percentBytesBlocked: number;
  percentSynBlocked: number;
  topOffenders: Offender[];
  fpBound: FpBound;
  totalPackets: bigint;
  totalBytes: bigint;
  totalSyn: bigint;
  blockedPackets: bigint;
  blockedBytes: bigint;
  blockedSyn: bigint;
}

export interface Analysis {
  startTs: bigint;
  endTs: bigint;
  runId: bigint;
  intervalSec: number;
  schemaMin: number;
  schemaMax: number;
  /** The conformance runner's ports: the first snapshot's header, unsorted, duplicates kept. */
  dstPorts: number[];
  decisions: Decision[];
  episodes: Episode[];
  counterfactual: Counterfactual;
  readinessReasons: string[];
}

const TOP_OFFENDERS_COUNT = 10;
const RELIABLE_MIN_SYN = 10n;
const FP_ACCEPTABLE_PCT = 5.0;
const MINIMAL_IMPACT_PCT = 1.0;

const keyId = (k: Key): string => `${k.keyType}|${k.keyValue}|${k.dstPort ?? ""}`;
const keyOf = (b: Bucket): Key => ({ keyType: b.keyType, keyValue: b.keyValue, dstPort: b.dstPort });
const countersOf = (b: Bucket): Counters => ({
  syn: b.syn,
  ack: b.ack,
  handshakeAck: b.handshakeAck,
  rst: b.rst,
  packets: b.packets,
  bytes: b.bytes,
});
const zero = (): Counters => ({ syn: 0n, ack: 0n, handshakeAck: 0n, rst: 0n, packets: 0n, bytes: 0n });
const sat = (cur: bigint, prev: bigint): bigint => (cur > prev ? cur - prev : 0n);

/** Per-counter max(cur - prev, 0): a reset or a re-inserted key yields 0 for the counters that went down. */
function delta(cur: Counters, prev: Counters): Counters {
  return {
    syn: sat(cur.syn, prev.syn),
    ack: sat(cur.ack, prev.ack),
    handshakeAck: sat(cur.handshakeAck, prev.handshakeAck),
    rst: sat(cur.rst, prev.rst),
    packets: sat(cur.packets, prev.packets),
    bytes: sat(cur.bytes, prev.bytes),
  };
}

function addInto(acc: Counters, d: Counters): void {
  acc.syn += d.syn;
  acc.ack += d.ack;
  acc.handshakeAck += d.handshakeAck;
  acc.rst += d.rst;
  acc.packets += d.packets;
  acc.bytes += d.bytes;
}

/** `a as f64 / b as f64`, or 0 when the divisor is 0 (u64 -> f64 rounds to nearest-even in both languages). */
function rate(value: bigint, divisor: bigint): number {
  return divisor === 0n ? 0 : Number(value) / Number(divisor);
}

const ratio = (hs: bigint, syn: bigint): number => (syn === 0n ? 0 : Number(hs) / Number(syn));

/** Natural key order: src_ip before src_cidr24, then address numerically, then port (absent first). */
export function compareKeys(a: Key, b: Key): number {
  if (a.keyType !== b.keyType) return a.keyType === "src_ip" ? -1 : 1;
  if (a.keyValue !== b.keyValue) return a.keyValue - b.keyValue;
  return compareOptPort(a.dstPort, b.dstPort);
}

export function compareOptPort(a: number | undefined, b: number | undefined): number {
  if (a === b) return 0;
  if (a === undefined) return -1;
  if (b === undefined) return 1;
  return a - b;
}

/** Rust String ordering (bytes; the same as UTF-16 order for the ASCII text compared here). */
export const compareStr = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** `a.b.c.d:port`, `a.b.c.d`, or `a.b.c.d/24` for a cidr24 key (its port, if any, is not shown). */
export function displayKey(k: Key): string {
  const ip = formatIpv4(k.keyValue);
  if (k.keyType === "src_cidr24") return `${ip}/24`;
  return k.dstPort === undefined ? ip : `${ip}:${k.dstPort}`;
}

/** Walker A, "raw-first": a key's first appearance adds its raw cumulative values. */
function aggregateRawFirst(snapshots: readonly Snapshot[]): Map<string, { key: Key; totals: Counters }> {
  const prev = new Map<string, Counters>();
  const out = new Map<string, { key: Key; totals: Counters }>();
  for (const s of snapshots) {
    for (const b of s.buckets) {
      const id = keyId(keyOf(b));
      const cur = countersOf(b);
      const p = prev.get(id);
      let entry = out.get(id);
      if (entry === undefined) {
        entry = { key: keyOf(b), totals: zero() };
        out.set(id, entry);
      }
      addInto(entry.totals, p === undefined ? cur : delta(cur, p));
      prev.set(id, cur);
    }
  }
  return out;
}

/** Walker C: per-interval values; a key's first sample counts only in a snapshot with ts == base_ts. */
function intervalStats(
  snapshots: readonly Snapshot[],
  intervalSec: number,
  windowSec: bigint,
): Map<string, { key: Key; intervals: Interval[] }> {
  const prev = new Map<string, Counters>();
  const out = new Map<string, { key: Key; intervals: Interval[] }>();
  for (const s of snapshots) {
    const isFirst = s.baseTsUnixSec === s.tsUnixSec;
    for (const b of s.buckets) {
      const key = keyOf(b);
      const id = keyId(key);
      const cur = countersOf(b);
      const p = prev.get(id);
      prev.set(id, cur);
      let values: Counters;
      let divisor: bigint;
      if (p !== undefined) {
        values = delta(cur, p);
        divisor = BigInt(intervalSec);
      } else if (isFirst) {
        values = cur;
        divisor = windowSec; // the reference's choice: raw first-snapshot counters over window_sec
      } else continue;
      let entry = out.get(id);
      if (entry === undefined) {
        entry = { key, intervals: [] };
        out.set(id, entry);
      }
      entry.intervals.push({
        ...values,
        ts: s.tsUnixSec,
        synRate: rate(values.syn, divisor),
        pktRate: rate(values.packets, divisor),
        byteRate: rate(values.bytes, divisor),
        successRatio: ratio(values.handshakeAck, values.syn),
      });
    }
  }
  return out;
}

function volCount(syn: number, pkt: number, byte: number, cfg: NrIbsrConfig): number {
  return (
    (syn >= cfg.volSynRate ? 1 : 0) + (pkt >= cfg.volPktRate ? 1 : 0) + (byte >= cfg.volByteRate ? 1 : 0)
  );
}

function isHot(iv: Interval, cfg: NrIbsrConfig): boolean {
  const synHot = iv.synRate >= cfg.synRateThreshold && iv.successRatio <= cfg.successRatioThreshold;
  return synHot || volCount(iv.synRate, iv.pktRate, iv.byteRate, cfg) >= 2;
}

function buildEpisode(key: Key, run: Interval[], intervalSec: number, cfg: NrIbsrConfig): Episode {
  const first = run[0]!;
  const last = run[run.length - 1]!;
  let maxSyn = 0;
  let maxPkt = 0;
  let maxByte = 0;
  let minRatio = Number.MAX_VALUE;
  for (const iv of run) {
    maxSyn = Math.max(maxSyn, iv.synRate);
    maxPkt = Math.max(maxPkt, iv.pktRate);
    maxByte = Math.max(maxByte, iv.byteRate);
    if (iv.syn > 0n) minRatio = Math.min(minRatio, iv.successRatio);
  }
  if (minRatio === Number.MAX_VALUE) minRatio = 0;
  const ep: Episode = {
    key,
    srcIp: formatIpv4(key.keyValue),
    dstPort: key.dstPort,
    startTs: first.ts,
    endTs: last.ts,
    durationSec: (last.ts > first.ts ? last.ts - first.ts : 0n) + BigInt(intervalSec),
    intervalCount: run.length,
    intervalSec,
    episodeType: run.length === 1 ? "single_window" : "multi_window",
    maxSynRate: maxSyn,
    maxPktRate: maxPkt,
    maxByteRate: maxByte,
    minSuccessRatio: minRatio,
    abuseClass: undefined,
    triggerReason: "",
  };
  // Classified on the run's extremes, which may come from different intervals.
  if (maxSyn >= cfg.synRateThreshold && minRatio <= cfg.successRatioThreshold) {
    ep.abuseClass = "SYN_FLOOD_LIKE";
    ep.triggerReason = `syn_rate ${formatFixed(maxSyn, 1)} >= ${formatFixed(cfg.synRateThreshold, 1)} AND success_ratio ${formatFixed(minRatio, 4)} <= ${formatFixed(cfg.successRatioThreshold, 4)}`;
  } else {
    const items: string[] = [];
    if (maxSyn >= cfg.volSynRate)
      items.push(`syn_rate ${formatFixed(maxSyn, 1)} >= ${formatFixed(cfg.volSynRate, 1)}`);
    if (maxPkt >= cfg.volPktRate)
      items.push(`pkt_rate ${formatFixed(maxPkt, 1)} >= ${formatFixed(cfg.volPktRate, 1)}`);
    if (maxByte >= cfg.volByteRate) {
      items.push(`byte_rate ${formatFixed(maxByte, 1)} >= ${formatFixed(cfg.volByteRate, 1)}`);
    }
    if (items.length >= 2) {
      ep.abuseClass = "VOLUMETRIC_TCP_ABUSE";
      ep.triggerReason = `${items.length} of 3 volumetric: ${items.join(", ")}`;
    }
  }
  return ep;
}

/** Maximal runs of consecutive hot list entries per key (time gaps do not break a run). */
function detectEpisodes(
  perKey: Map<string, { key: Key; intervals: Interval[] }>,
  intervalSec: number,
  cfg: NrIbsrConfig,
): Episode[] {
  const episodes: Episode[] = [];
  // The reference walks a hash map; natural key order stands in for it, and only decides exact ties below.
  const entries = [...perKey.values()].sort((a, b) => compareKeys(a.key, b.key));
  for (const { key, intervals } of entries) {
    let run: Interval[] = [];
    for (const iv of intervals) {
      if (isHot(iv, cfg)) {
        run.push(iv);
        continue;
      }
      if (run.length >= 1) episodes.push(buildEpisode(key, run, intervalSec, cfg));
      run = [];
    }
    if (run.length >= 1) episodes.push(buildEpisode(key, run, intervalSec, cfg));
  }
  episodes.sort(
    (a, b) =>
      (a.startTs < b.startTs ? -1 : a.startTs > b.startTs ? 1 : 0) ||
      compareStr(a.srcIp, b.srcIp) ||
      compareOptPort(a.dstPort, b.dstPort),
  );
  return episodes;
}

function decide(stats: AggregateStats, cfg: NrIbsrConfig, allowlist: Allowlist): Decision {
  const pktRate = rate(stats.packets, cfg.windowSec);
  const byteRate = rate(stats.bytes, cfg.windowSec);
  const reliable = stats.syn >= RELIABLE_MIN_SYN;
  const vol = volCount(stats.synRate, pktRate, byteRate, cfg);
  const synFlood = stats.synRate >= cfg.synRateThreshold && stats.successRatio <= cfg.successRatioThreshold;
  let cls: AbuseClass | undefined;
  if (synFlood && reliable) cls = "SYN_FLOOD_LIKE";
  else if (vol >= 2) cls = "VOLUMETRIC_TCP_ABUSE";
  else if (synFlood) cls = "SYN_FLOOD_LIKE";
  const allowlisted = allowlistContains(allowlist, stats.key.keyValue);
  if (allowlisted) return { stats, pktRate, byteRate, abuseClass: undefined, allowlisted, block: false };
  return { stats, pktRate, byteRate, abuseClass: cls, allowlisted, block: cls !== undefined };
}

const pct = (part: bigint, total: bigint): number => (total > 0n ? (Number(part) / Number(total)) * 100 : 0);
const sum = (ds: readonly Decision[], f: (d: Decision) => bigint): bigint =>
  ds.reduce((a, d) => a + f(d), 0n);

function counterfactual(decisions: readonly Decision[], cfg: NrIbsrConfig): Counterfactual {
  const n = decisions.filter((d) => !d.allowlisted);
  const blocked = n.filter((d) => d.block);
  const totalPackets = sum(n, (d) => d.stats.packets);
  const totalBytes = sum(n, (d) => d.stats.bytes);
  const totalSyn = sum(n, (d) => d.stats.syn);
  const blockedPackets = sum(blocked, (d) => d.stats.packets);
  const blockedBytes = sum(blocked, (d) => d.stats.bytes);
  const blockedSyn = sum(blocked, (d) => d.stats.syn);
  const offenders: Offender[] = blocked.map((d) => ({
    key: d.stats.key,
    abuseClass: d.abuseClass!,
    synRate: d.stats.synRate,
    successRatio: d.stats.successRatio,
    wouldBlockPackets: d.stats.packets,
    wouldBlockSyn: d.stats.syn,
    wouldBlockBytes: d.stats.bytes,
  }));
  // Stable: equal SYN counts keep natural key order.
  offenders.sort((a, b) =>
    a.wouldBlockSyn > b.wouldBlockSyn ? -1 : a.wouldBlockSyn < b.wouldBlockSyn ? 1 : 0,
  );
  let fpBound: FpBound;
  if (BigInt(n.length) < cfg.minSamplesForFp) {
    fpBound = {
      computed: false,
      reason: `Insufficient data: ${n.length} keys, need at least ${cfg.minSamplesForFp}`,
    };
  } else if (blockedPackets === 0n) {
    fpBound = { computed: true, value: 0 };
  } else {
    const fpPackets = sum(
      blocked.filter((d) => d.stats.successRatio >= cfg.fpSafeRatio),
      (d) => d.stats.packets,
    );
    fpBound = { computed: true, value: (Number(fpPackets) / Number(blockedPackets)) * 100 };
  }
  return {
    percentPacketsBlocked: pct(blockedPackets, totalPackets),
    percentBytesBlocked: pct(blockedBytes, totalBytes),
    percentSynBlocked: pct(blockedSyn, totalSyn),
    topOffenders: offenders.slice(0, TOP_OFFENDERS_COUNT),
    fpBound,
    totalPackets,
    totalBytes,
    totalSyn,
    blockedPackets,
    blockedBytes,
    blockedSyn,
  };
}

/** The report's readiness reasons (§9); the summary adds the single-window gate on top. */
function readiness(cf: Counterfactual): string[] {
  const reasons: string[] = [];
  if (!cf.fpBound.computed) reasons.push(`False positive bound unknown: ${cf.fpBound.reason}`);
  else if (cf.fpBound.value > FP_ACCEPTABLE_PCT) {
    reasons.push(`False positive bound too high: ${formatFixed(cf.fpBound.value, 1)}%`);
  }
  if (cf.topOffenders.length === 0) reasons.push("No abuse pattern detected");
  if (cf.percentSynBlocked < MINIMAL_IMPACT_PCT && cf.topOffenders.length > 0) {
    reasons.push("Minimal impact (<1% SYN blocked)");
  }
  if (cf.totalPackets === 0n) reasons.push("No traffic observed");
  return reasons;
}

export function analyse(snapshots: readonly Snapshot[], cfg: NrIbsrConfig, allowlist: Allowlist): Analysis {
  const first = snapshots[0]!;
  let startTs = first.tsUnixSec;
  let endTs = first.tsUnixSec;
  let schemaMin = first.version;
  let schemaMax = first.version;
  for (const s of snapshots) {
    if (s.tsUnixSec < startTs) startTs = s.tsUnixSec;
    if (s.tsUnixSec > endTs) endTs = s.tsUnixSec;
    schemaMin = Math.min(schemaMin, s.version);
    schemaMax = Math.max(schemaMax, s.version);
  }
  const intervalSec = first.intervalSec;
  const aggregates = [...aggregateRawFirst(snapshots).values()].sort((a, b) => compareKeys(a.key, b.key));
  const decisions = aggregates.map(({ key, totals }) =>
    decide(
      {
        key,
        ...totals,
        synRate: rate(totals.syn, cfg.windowSec),
        successRatio: ratio(totals.handshakeAck, totals.syn),
      },
      cfg,
      allowlist,
    ),
  );
  const episodes = detectEpisodes(intervalStats(snapshots, intervalSec, cfg.windowSec), intervalSec, cfg);
  const cf = counterfactual(decisions, cfg);
  return {
    startTs,
    endTs,
    runId: first.runId,
    intervalSec,
    schemaMin,
    schemaMax,
    dstPorts: [...first.dstPorts],
    decisions,
    episodes,
    counterfactual: cf,
    readinessReasons: readiness(cf),
  };
}
