// Hot intervals, episodes and the enforcement simulation (spec §3, §4) on the candidate set.
import type { Interval, Run } from "../ingest/intervals.js";
import type { Candidate, CandRow, Counts } from "../ingest/scan.js";
import type { AbuseClass, ReportConfig } from "../model.js";
import { getOrInit } from "../util.js";
import { classifyRow, type HotParams, type PredicateRow } from "./hot-predicate.js";
import { type KeyFlags, successRatio, successRatioOfSyn } from "./key-decision.js";

export interface Thresholds {
  synRate: number;
  volSyn: number;
  volPkt: number;
  volByte: number;
}

export function scaled(cfg: ReportConfig, factor: number): Thresholds {
  return {
    synRate: cfg.syn_rate_threshold * factor,
    volSyn: cfg.vol_syn_rate * factor,
    volPkt: cfg.vol_pkt_rate * factor,
    volByte: cfg.vol_byte_rate * factor,
  };
}

/** The hot predicate's parameters for these thresholds (ratio and count thresholds from cfg). */
export function paramsAt(cfg: ReportConfig, t: Thresholds): HotParams {
  return {
    min_syn: cfg.min_syn,
    syn_rate: t.synRate,
    success_ratio: cfg.success_ratio_threshold,
    min_packets: cfg.min_packets,
    vol_syn: t.volSyn,
    vol_pkt: t.volPkt,
    vol_byte: t.volByte,
  };
}

/** The class of one interval, or null when not hot (the definition: hot-predicate.ts). */
export function classify(r: PredicateRow, span: number, cfg: ReportConfig, t: Thresholds): AbuseClass | null {
  return classifyRow(r, span, paramsAt(cfg, t));
}

export interface Segment {
  start: number;
  end: number;
}

export interface EpisodeSim {
  run: number;
  firstIv: number;
  lastIv: number;
  start: number;
  end: number;
  intervals: number;
  cls: AbuseClass;
  peakSynRate: number;
  peakPktRate: number;
  peakByteRate: number;
  minSuccessRatio: number | null;
  syn: bigint;
  packets: bigint;
  bytes: bigint;
}

export interface Measures3 {
  packets: bigint;
  bytes: bigint;
  syn: bigint;
}

export function zero3(): Measures3 {
  return { packets: 0n, bytes: 0n, syn: 0n };
}

/** A simulated key's flags for the block decision: hot when some interval was hot. */
export function keyFlags(s: KeySim): KeyFlags {
  return { hot: s.hotIntervals > 0, allowlisted: s.allowlisted };
}

export interface KeySim {
  cand: Candidate;
  allowlisted: boolean;
  cls: AbuseClass | null;
  hotIntervals: number;
  /** Would-drop (non-allowlisted) or spared (allowlisted). */
  drop: Measures3;
  ideal: Measures3;
  probablyLegitPackets: bigint;
  episodes: EpisodeSim[];
  /** Block windows per enforcer (enforcerKey(run)), merged. */
  segments: Map<string, Segment[]>;
  minSuccessRatio: number | null;
  peakSynRate: number;
  peakPktRate: number;
  peakByteRate: number;
  firstHot: number | null;
  lastHot: number | null;
  /** Per interval would-drop of this key (for the time series). */
  dropByIv: Map<number, Measures3>;
  /** The intervals of dropByIv whose would-drop is probably legitimate (spec §5), for the series' split. */
  legitIvs: Set<number>;
}

/** The key of an enforcer (one host's interface) in KeySim.segments; enforcerOfKey reads it back. */
/** The enforcer a run's traffic meets (one per host and interface); JSON so no host name can be misread. */
export function enforcerKey(run: Pick<Run, "host" | "iface">): string {
  return JSON.stringify([run.host, run.iface]);
}

export function enforcerOfKey(key: string): { host: string; iface: string } {
  const [host, iface] = JSON.parse(key) as [string, string];
  return { host, iface };
}

export interface SimContext {
  cfg: ReportConfig;
  ivs: ReadonlyMap<number, Interval>;
  runs: readonly Run[];
  since: number | null;
  until: number | null;
}

/** Rounds a pro-rata share of an integer count (half up, like DuckDB's round for positives). */
export function share(x: number, frac: number): bigint {
  if (frac >= 1) return BigInt(x);
  if (frac <= 0) return 0n;
  return BigInt(Math.round(x * frac));
}

function mergeSegments(segs: Segment[]): Segment[] {
  segs.sort((a, b) => a.start - b.start || a.end - b.end);
  const out: Segment[] = [];
  for (const s of segs) {
    const last = out[out.length - 1];
    if (last && s.start <= last.end) last.end = Math.max(last.end, s.end);
    else out.push({ ...s });
  }
  return out;
}

/** Length of [a, b] covered by the sorted, disjoint segments. */
export function coveredLength(segs: readonly Segment[], a: number, b: number): number {
  let sum = 0;
  for (const s of segs) {
    if (s.start >= b) break;
    if (s.end <= a) continue;
    sum += Math.min(b, s.end) - Math.max(a, s.start);
  }
  return sum;
}

/** The enforcer a run's blocks belong to (one per host and interface): the key of KeySim.segments. */
/** Simulates one key at one threshold factor. */
export function simulateKey(cand: Candidate, allowlisted: boolean, ctx: SimContext, t: Thresholds): KeySim {
  const { cfg, ivs } = ctx;
  const since = ctx.since ?? Number.NEGATIVE_INFINITY;
  const until = ctx.until ?? Number.POSITIVE_INFINITY;
  const enforcerOf = (iv: Interval) => enforcerKey(ctx.runs[iv.run]!);
  const classes = new Map<number, AbuseClass | null>();
  const raw = new Map<string, Segment[]>();
  const sim: KeySim = {
    cand,
    allowlisted,
    cls: null,
    hotIntervals: 0,
    drop: zero3(),
    ideal: zero3(),
    probablyLegitPackets: 0n,
    episodes: [],
    segments: new Map(),
    minSuccessRatio: null,
    peakSynRate: 0,
    peakPktRate: 0,
    peakByteRate: 0,
    firstHot: null,
    lastHot: null,
    dropByIv: new Map(),
    legitIvs: new Set(),
  };
  let ep: EpisodeSim | null = null;
  const params = paramsAt(cfg, t);
  for (const r of cand.rows) {
    const iv = ivs.get(r.iv)!;
    const cls = classifyRow(r, iv.span, params);
    classes.set(r.iv, cls);
    if (!cls) {
      ep = null;
      continue;
    }
    sim.hotIntervals++;
    if (cls === "SYN_FLOOD_LIKE" || sim.cls === null) sim.cls = sim.cls === "SYN_FLOOD_LIKE" ? sim.cls : cls;
    const synRate = r.syn / iv.span;
    const pktRate = r.packets / iv.span;
    const byteRate = r.bytes / iv.span;
    const ratio = successRatio(r.syn, r.handshake_ack);
    sim.peakSynRate = Math.max(sim.peakSynRate, synRate);
    sim.peakPktRate = Math.max(sim.peakPktRate, pktRate);
    sim.peakByteRate = Math.max(sim.peakByteRate, byteRate);
    if (ratio !== null)
      sim.minSuccessRatio = sim.minSuccessRatio === null ? ratio : Math.min(sim.minSuccessRatio, ratio);
    // Interval ids follow run order, not time: keep the earliest and latest explicitly.
    sim.firstHot = sim.firstHot === null ? iv.t1 : Math.min(sim.firstHot, iv.t1);
    sim.lastHot = sim.lastHot === null ? iv.t1 : Math.max(sim.lastHot, iv.t1);
    sim.ideal.packets += share(r.packets, iv.w);
    sim.ideal.bytes += share(r.bytes, iv.w);
    sim.ideal.syn += share(r.syn, iv.w);
    // The rule fires when the snapshot that reveals the hot interval is taken.
    const enf = enforcerOf(iv);
    const segs = getOrInit(raw, enf, () => []);
    segs.push({ start: iv.t1, end: iv.t1 + cfg.block_duration_sec });
    // Episodes: consecutive interval ids of one run (ids are assigned in run order).
    if (ep && ep.run === iv.run && ep.lastIv === r.iv - 1) {
      ep.lastIv = r.iv;
      ep.end = iv.t1;
      ep.intervals++;
      if (cls === "SYN_FLOOD_LIKE") ep.cls = cls;
    } else {
      ep = {
        run: iv.run,
        firstIv: r.iv,
        lastIv: r.iv,
        start: iv.t0,
        end: iv.t1,
        intervals: 1,
        cls,
        peakSynRate: 0,
        peakPktRate: 0,
        peakByteRate: 0,
        minSuccessRatio: null,
        syn: 0n,
        packets: 0n,
        bytes: 0n,
      };
      sim.episodes.push(ep);
    }
    ep.peakSynRate = Math.max(ep.peakSynRate, synRate);
    ep.peakPktRate = Math.max(ep.peakPktRate, pktRate);
    ep.peakByteRate = Math.max(ep.peakByteRate, byteRate);
    if (ratio !== null)
      ep.minSuccessRatio = ep.minSuccessRatio === null ? ratio : Math.min(ep.minSuccessRatio, ratio);
    ep.syn += share(r.syn, iv.w);
    ep.packets += share(r.packets, iv.w);
    ep.bytes += share(r.bytes, iv.w);
  }
  for (const [enf, segs] of raw) sim.segments.set(enf, mergeSegments(segs));
  if (sim.hotIntervals === 0) return sim;
  for (const r of cand.rows) {
    const iv = ivs.get(r.iv)!;
    const segs = sim.segments.get(enforcerOf(iv));
    if (!segs) continue;
    const a = Math.max(iv.t0, since);
    const b = Math.min(iv.t1, until);
    if (b <= a) continue;
    const frac = coveredLength(segs, a, b) / iv.span;
    if (frac <= 0) continue;
    const d: Measures3 = {
      packets: share(r.packets, frac),
      bytes: share(r.bytes, frac),
      syn: share(r.syn, frac),
    };
    if (d.packets === 0n && d.bytes === 0n && d.syn === 0n) continue;
    sim.drop.packets += d.packets;
    sim.drop.bytes += d.bytes;
    sim.drop.syn += d.syn;
    sim.dropByIv.set(r.iv, d);
    if (isProbablyLegit(r, classes.get(r.iv) ?? null, cfg)) {
      sim.probablyLegitPackets += d.packets;
      sim.legitIvs.add(r.iv);
    }
  }
  return sim;
}

/** Spec §5: not SYN_FLOOD_LIKE, and completes handshakes or opens no connections. */
export function isProbablyLegit(r: CandRow, cls: AbuseClass | null, cfg: ReportConfig): boolean {
  if (cls === "SYN_FLOOD_LIKE") return false;
  if (r.syn === 0) return true;
  return successRatioOfSyn(r.syn, r.handshake_ack) >= cfg.fp_safe_ratio;
}

export interface EnforcerPeak {
  /** enforcerKey(run). */
  enforcer: string;
  peak: number;
  at: number | null;
}

export interface Concurrency {
  peak: number;
  at: number | null;
  /** Each enforcer's peak, largest first (ties: enforcer key order). */
  byEnforcer: EnforcerPeak[];
  /** Active blocks at time t (over all enforcers summed). */
  activeAt(t: number): number;
}

/** Peak number of simultaneously active blocks of non-allowlisted keys, per enforcer (the max over them). */
export function concurrency(sims: readonly KeySim[]): Concurrency {
  const byEnf = new Map<string, { t: number; d: number }[]>();
  const starts: number[] = [];
  const ends: number[] = [];
  for (const s of sims) {
    if (s.allowlisted) continue;
    for (const [enf, segs] of s.segments) {
      const ev = getOrInit(byEnf, enf, () => []);
      for (const g of segs) {
        ev.push({ t: g.start, d: 1 }, { t: g.end, d: -1 });
        starts.push(g.start);
        ends.push(g.end);
      }
    }
  }
  let peak = 0;
  let at: number | null = null;
  const byEnforcer: EnforcerPeak[] = [];
  for (const enf of [...byEnf.keys()].sort()) {
    // Half-open windows: an end at t frees its slot before a start at t takes one.
    const ev = byEnf.get(enf)!.sort((a, b) => a.t - b.t || a.d - b.d);
    let cur = 0;
    let own = 0;
    let ownAt: number | null = null;
    for (const e of ev) {
      cur += e.d;
      if (cur > own) {
        own = cur;
        ownAt = e.t;
      }
      if (cur > peak || (cur === peak && at !== null && e.t < at && cur > 0)) {
        peak = cur;
        at = e.t;
      }
    }
    byEnforcer.push({ enforcer: enf, peak: own, at: ownAt });
  }
  byEnforcer.sort(
    (a, b) => b.peak - a.peak || (a.enforcer < b.enforcer ? -1 : a.enforcer > b.enforcer ? 1 : 0),
  );
  starts.sort((a, b) => a - b);
  ends.sort((a, b) => a - b);
  const countLe = (xs: number[], t: number) => {
    let lo = 0;
    let hi = xs.length;
    while (lo < hi) {
      const m = (lo + hi) >> 1;
      if (xs[m]! <= t) lo = m + 1;
      else hi = m;
    }
    return lo;
  };
  return { peak, at, byEnforcer, activeAt: (t) => countLe(starts, t) - countLe(ends, t) };
}

export function add3(a: Measures3, b: Measures3): void {
  a.packets += b.packets;
  a.bytes += b.bytes;
  a.syn += b.syn;
}

export function countsTo3(c: Counts): Measures3 {
  return { packets: c.packets, bytes: c.bytes, syn: c.syn };
}
