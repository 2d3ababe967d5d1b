// Port-level findings (spec §6): the aggregate of each monitored port per interval, independent of sources.

import { addCounters3, type IntervalCounters } from "../ingest/interval-counters.js";
import type { Interval } from "../ingest/intervals.js";
import type { PortFinding, PortPoint, ReportConfig, TimePoint } from "../model.js";
import { formatRate, plural } from "../render/format.js";
import { getOrInit } from "../util.js";
import { hotParams, isSynFloodLike } from "./hot-predicate.js";
import { successRatio } from "./key-decision.js";
import { type KeySim, zero3 } from "./simulate.js";

/** Hot keys explaining less than this share of a flooded port's SYNs leave the flood "not attributable". */
export const ATTRIBUTED_MIN_SHARE = 0.5;

export interface PortAnalysis {
  findings: PortFinding[];
  /** A sentence for the verdict when some port has a flood no source explains, else null. */
  unattributed: string | null;
}

/**
 * A port interval is flooded when its aggregate looks SYN_FLOOD_LIKE (rate, min_syn, low success ratio).
 * Volumetric criteria are not applied to aggregates: a busy port with many healthy clients is not an attack.
 */
export function analysePorts(
  /** The per-interval-and-port totals, and which of their rows to read (ascending: a host's, or all). */
  ivPorts: IntervalCounters,
  rowsOf: Iterable<number>,
  ivs: ReadonlyMap<number, Interval>,
  sims: readonly KeySim[],
  cfg: ReportConfig,
  tp: (t: number) => TimePoint,
  /** False: findings without their per-interval points (a fleet's per-host analyses: only the verdict reads them). */
  withPoints = true,
): PortAnalysis {
  // SYNs of keys hot at factor 1, per interval and port.
  const hotSyn = new Map<string, number>();
  for (const s of sims) {
    if (s.hotIntervals === 0) continue;
    for (const e of s.episodes)
      for (const r of s.cand.rows) {
        if (r.iv < e.firstIv || r.iv > e.lastIv) continue;
        const k = `${r.iv}|${s.cand.key.dstPort}`;
        hotSyn.set(k, (hotSyn.get(k) ?? 0) + r.syn);
      }
  }
  const byPort = new Map<number, number[]>();
  for (const i of rowsOf) getOrInit(byPort, ivPorts.dstPort(i), () => []).push(i);
  const findings: PortFinding[] = [];
  // One time point per instant: an interval's end is the next one's start, and a fleet's hosts share minutes.
  const instants = new Map<number, TimePoint>();
  const at = (t: number) => getOrInit(instants, t, () => tp(t));
  const params = hotParams(cfg, 1);
  for (const port of [...byPort.keys()].sort((a, b) => a - b)) {
    const rows = byPort.get(port)!;
    const total = zero3();
    let peak = -1;
    let peakAt: number | null = null;
    let ratioAtPeak: number | null = null;
    let maxDistinct = 0;
    let hotIntervals = 0;
    let unattributedIntervals = 0;
    let floodSyn = 0;
    let floodAttributed = 0;
    const points: PortPoint[] = [];
    for (const i of rows) {
      const ivId = ivPorts.iv(i);
      const iv = ivs.get(ivId)!;
      addCounters3(total, ivPorts, i);
      const syn = ivPorts.num(i, "syn");
      const hs = ivPorts.num(i, "handshake_ack");
      const packets = ivPorts.num(i, "packets");
      const distinct = ivPorts.keys(i);
      const synRate = syn / iv.span;
      const ratio = successRatio(syn, hs);
      const hot = isSynFloodLike(
        { syn, handshake_ack: hs, packets, bytes: ivPorts.num(i, "bytes") },
        iv.span,
        params,
      );
      const attributed = hotSyn.get(`${ivId}|${port}`) ?? 0;
      const attributedPct = syn > 0 ? (Math.min(attributed, syn) / syn) * 100 : null;
      if (synRate > peak) {
        peak = synRate;
        peakAt = iv.t1;
        ratioAtPeak = ratio;
      }
      maxDistinct = Math.max(maxDistinct, distinct);
      if (hot) {
        hotIntervals++;
        floodSyn += syn;
        floodAttributed += Math.min(attributed, syn);
        if (attributed < syn * ATTRIBUTED_MIN_SHARE) unattributedIntervals++;
      }
      if (withPoints)
        points.push({
          start: at(iv.t0),
          end: at(iv.t1),
          synRate,
          pktRate: packets / iv.span,
          successRatio: ratio,
          distinctSources: distinct,
          hot,
          attributedSynPct: attributedPct,
          unattributed: hot && attributed < syn * ATTRIBUTED_MIN_SHARE,
        });
    }
    const kind =
      unattributedIntervals > 0 ? "UNATTRIBUTED_FLOOD" : hotIntervals > 0 ? "ATTRIBUTED_FLOOD" : "NONE";
    const message =
      kind === "UNATTRIBUTED_FLOOD"
        ? `Port ${port}: a SYN flood is present in ${plural(unattributedIntervals, "interval")} (peak ${formatRate(peak, "SYN/s")} from up to ${plural(maxDistinct, "source")}) but not attributable to sources; per-source rules would not help.`
        : kind === "ATTRIBUTED_FLOOD"
          ? `Port ${port}: SYN-flood-like aggregate in ${plural(hotIntervals, "interval")}, explained by the hot sources.`
          : `Port ${port}: no port-level flood.`;
    findings.push({
      dstPort: port,
      kind,
      message,
      total,
      peakSynRate: Math.max(0, peak),
      peakSynRateAt: peakAt === null ? null : tp(peakAt),
      successRatioAtPeak: ratioAtPeak,
      maxDistinctSources: maxDistinct,
      hotIntervals,
      unattributedIntervals,
      attributedSynPct: floodSyn > 0 ? (floodAttributed / floodSyn) * 100 : null,
      points,
    });
  }
  const bad = findings.filter((f) => f.kind === "UNATTRIBUTED_FLOOD");
  const unattributed =
    bad.length === 0
      ? null
      : `A port-level SYN flood is present but not attributable to sources (port${bad.length > 1 ? "s" : ""} ${bad.map((f) => f.dstPort).join(", ")}): per-source rules would not help.`;
  return { findings, unattributed };
}
