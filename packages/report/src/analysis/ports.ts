// Port-level findings (spec §6): the aggregate of each monitored port per interval, independent of sources.
import type { Interval } from "../ingest/intervals.js";
import type { IvPortTotals } from "../ingest/scan.js";
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
  ivPorts: readonly IvPortTotals[],
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
  const byPort = new Map<number, IvPortTotals[]>();
  for (const r of ivPorts) {
    const l = getOrInit(byPort, r.dstPort, () => []);
    l.push(r);
  }
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
    for (const r of rows) {
      const iv = ivs.get(r.iv)!;
      total.packets += r.packets;
      total.bytes += r.bytes;
      total.syn += r.syn;
      const syn = Number(r.syn);
      const hs = Number(r.handshake_ack);
      const synRate = syn / iv.span;
      const ratio = successRatio(syn, hs);
      const hot = isSynFloodLike(
        { syn, handshake_ack: hs, packets: Number(r.packets), bytes: Number(r.bytes) },
        iv.span,
        params,
      );
      const attributed = hotSyn.get(`${r.iv}|${port}`) ?? 0;
      const attributedPct = syn > 0 ? (Math.min(attributed, syn) / syn) * 100 : null;
      if (synRate > peak) {
        peak = synRate;
        peakAt = iv.t1;
        ratioAtPeak = ratio;
      }
      maxDistinct = Math.max(maxDistinct, r.keys);
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
          pktRate: Number(r.packets) / iv.span,
          successRatio: ratio,
          distinctSources: r.keys,
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
