// The traffic-over-time series: per bucket totals with the would-drop overlay and active blocks.

import { addCounters3, type IntervalCounters } from "../ingest/interval-counters.js";
import type { Interval } from "../ingest/intervals.js";
import type { SeriesPoint } from "../model.js";
import { timePoint } from "../timespec.js";
import { type KeySim, zero3 } from "./simulate.js";

/** At most this many points: the bucket widens by whole intervals beyond it. */
export const MAX_SERIES_POINTS = 1440;

export interface SeriesInput {
  ivTotals: IntervalCounters;
  ivs: ReadonlyMap<number, Interval>;
  /** Blocked (non-allowlisted) keys at the configured thresholds. */
  blocked: readonly KeySim[];
  activeAt: (t: number) => number;
  start: number | null;
  end: number | null;
  intervalSec: number;
}

export function buildSeries(inp: SeriesInput): { bucketSec: number; points: SeriesPoint[] } {
  const { ivTotals, ivs, start, end, intervalSec } = inp;
  const points: SeriesPoint[] = [];
  let bucketSec = intervalSec;
  if (start !== null && end !== null) {
    const n0 = Math.ceil((end - start) / intervalSec);
    bucketSec = intervalSec * Math.max(1, Math.ceil(n0 / MAX_SERIES_POINTS));
    const nb = Math.max(1, Math.ceil((end - start) / bucketSec));
    const buckets = Array.from({ length: nb }, (_, i) => ({
      total: zero3(),
      drop: zero3(),
      legit: zero3(),
      keys: 0,
      t0: start + i * bucketSec,
      t1: Math.min(end, start + (i + 1) * bucketSec),
    }));
    const bucketOf = (t1: number) => Math.min(nb - 1, Math.max(0, Math.ceil((t1 - start) / bucketSec) - 1));
    for (let i = 0; i < ivTotals.length; i++) {
      const b = buckets[bucketOf(ivs.get(ivTotals.iv(i))!.t1)]!;
      addCounters3(b.total, ivTotals, i);
      b.keys = Math.max(b.keys, ivTotals.keys(i));
    }
    for (const s of inp.blocked)
      for (const [iv, d] of s.dropByIv) {
        const b = buckets[bucketOf(ivs.get(iv)!.t1)]!;
        b.drop.packets += d.packets;
        b.drop.bytes += d.bytes;
        b.drop.syn += d.syn;
        if (s.legitIvs.has(iv)) {
          b.legit.packets += d.packets;
          b.legit.bytes += d.bytes;
          b.legit.syn += d.syn;
        }
      }
    for (const b of buckets) {
      const span = Math.max(1e-9, b.t1 - b.t0);
      points.push({
        start: timePoint(b.t0),
        end: timePoint(b.t1),
        spanSec: b.t1 - b.t0,
        total: b.total,
        wouldDrop: b.drop,
        wouldDropProbablyLegit: b.legit,
        pktRate: Number(b.total.packets) / span,
        synRate: Number(b.total.syn) / span,
        byteRate: Number(b.total.bytes) / span,
        wouldDropPktRate: Number(b.drop.packets) / span,
        wouldDropSynRate: Number(b.drop.syn) / span,
        wouldDropByteRate: Number(b.drop.bytes) / span,
        wouldDropProbablyLegitPktRate: Number(b.legit.packets) / span,
        wouldDropProbablyLegitSynRate: Number(b.legit.syn) / span,
        wouldDropProbablyLegitByteRate: Number(b.legit.bytes) / span,
        distinctSources: b.keys,
        activeBlocks: inp.activeAt(b.t1),
      });
    }
  }
  return { bucketSec, points };
}
