// Scope and coverage: runs, gaps, baselines, map fill, eviction loss and the problems worth a sentence.
import type { Run, SnapshotInfo } from "../ingest/intervals.js";
import type { IvTotals } from "../ingest/scan.js";
import type { RunWriteErrors } from "../ingest/status.js";
import type { BaselineSnapshot, Gap, RunInfo } from "../model.js";
import { timePoint } from "../timespec.js";
import { pct } from "./decide.js";

export interface CoverageInput {
  runs: readonly Run[];
  snapsById: ReadonlyMap<number, SnapshotInfo>;
  ivTotals: readonly IvTotals[];
  writeErrors: ReadonlyMap<string, RunWriteErrors>;
  /** --dst-ports given: global totals cover every port, so eviction loss cannot be computed. */
  portsFiltered: boolean;
  skippedCount: number;
}

export interface Coverage {
  runInfos: RunInfo[];
  gaps: Gap[];
  baselines: BaselineSnapshot[];
  caps: number[];
  fills: number[];
  lossTotal: bigint | null;
  problems: string[];
}

export function coverage(inp: CoverageInput): Coverage {
  const runInfos: RunInfo[] = inp.runs.map((r) => {
    const first = r.snaps[0]!;
    const last = r.snaps[r.snaps.length - 1]!;
    const cap = r.snaps.find((s) => s.mapCapacity !== null)?.mapCapacity ?? null;
    const peakLive = r.snaps.reduce<number | null>(
      (m, s) => (s.liveEntries === null ? m : Math.max(m ?? 0, s.liveEntries)),
      null,
    );
    let loss: bigint | null = null;
    let lossPct: number | null = null;
    let evictions: bigint | null = null;
    const runIvs = r.intervals.filter((iv) => iv.w > 0);
    if (last.globals && runIvs.length > 0 && !inp.portsFiltered && runIvs.every((iv) => iv.w === 1)) {
      const firstIv = runIvs[0]!;
      const lastIv = runIvs[runIvs.length - 1]!;
      const beforeSid = r.snaps.findIndex((s) => s.sid === firstIv.sids[0]);
      const before = beforeSid > 0 ? r.snaps[beforeSid - 1]! : null;
      const endSnap = inp.snapsById.get(lastIv.sids[lastIv.sids.length - 1]!)!;
      if (endSnap.globals && (before === null || before.globals)) {
        const g0 = before?.globals?.matched_packets ?? 0n;
        const matched = (endSnap.globals.matched_packets ?? 0n) - g0;
        let seen = 0n;
        const ivSet = new Set(runIvs.map((iv) => iv.iv));
        for (const t of inp.ivTotals) if (ivSet.has(t.iv)) seen += t.packets;
        loss = matched > seen ? matched - seen : 0n;
        lossPct = pct(loss, matched);
      }
      if (last.globals.inserts !== undefined && last.liveEntries !== null)
        evictions =
          last.globals.inserts > BigInt(last.liveEntries)
            ? last.globals.inserts - BigInt(last.liveEntries)
            : 0n;
    }
    return {
      host: r.host,
      iface: r.iface,
      runId: r.runId,
      format: r.format,
      start: timePoint(r.intervals[0]?.t0 ?? first.ts),
      end: timePoint(last.ts),
      snapshots: r.snaps.length,
      intervals: runIvs.length,
      firstIsBaseline: r.firstIsBaseline,
      intervalSec: r.intervalSec,
      xdpMode: first.xdpMode,
      mapCapacity: cap,
      peakLiveEntries: peakLive,
      peakFillPct: cap && peakLive !== null ? (peakLive / cap) * 100 : null,
      evictionLossPackets: loss,
      evictionLossPct: lossPct,
      estimatedEvictions: evictions,
      writeErrors: inp.writeErrors.get(JSON.stringify([r.host, r.iface, r.runId]))?.writeErrors ?? null,
      gaps: r.gaps.length,
      mergedShortIntervals: r.merged,
    };
  });
  const gaps: Gap[] = inp.runs.flatMap((r) =>
    r.gaps.map((g) => ({
      host: r.host,
      iface: r.iface,
      runId: r.runId,
      from: timePoint(g.from),
      to: timePoint(g.to),
      missingSec: g.missingSec,
    })),
  );
  const baselines: BaselineSnapshot[] = [];
  for (const r of inp.runs) {
    if (r.firstIsBaseline)
      baselines.push({
        host: r.host,
        iface: r.iface,
        runId: r.runId,
        at: timePoint(r.snaps[0]!.ts),
        reason: r.baselineReason ?? "",
      });
    if (r.sinceBaseline)
      baselines.push({
        host: r.host,
        iface: r.iface,
        runId: r.runId,
        at: timePoint(r.sinceBaseline.ts),
        reason: "last snapshot before --since",
      });
  }
  const caps = runInfos.map((r) => r.mapCapacity).filter((x): x is number => x !== null);
  const fills = runInfos.map((r) => r.peakFillPct).filter((x): x is number => x !== null);
  const losses = runInfos.map((r) => r.evictionLossPackets).filter((x): x is bigint => x !== null);
  const lossTotal = losses.length ? losses.reduce((a, b) => a + b, 0n) : null;
  const problems: string[] = [];
  if (gaps.length)
    problems.push(
      `${gaps.length} gap(s) between snapshots (${Math.round(gaps.reduce((a, g) => a + g.missingSec, 0))} s missing); rates use the real spans.`,
    );
  if (fills.length && Math.max(...fills) >= 90)
    problems.push(
      `The flow map was ${Math.max(...fills).toFixed(1)}% full at peak: entries were likely evicted; raise --map-size.`,
    );
  if (lossTotal !== null && lossTotal > 0n)
    problems.push(
      `${lossTotal} matched packet(s) were counted by the program but belonged to entries evicted before a snapshot saw them.`,
    );
  const failedWrites = runInfos.reduce((a, r) => a + (r.writeErrors ?? 0), 0);
  if (failedWrites > 0)
    problems.push(
      `The collector recorded ${failedWrites} failed snapshot write(s); the traffic of those intervals is missing.`,
    );
  if (inp.skippedCount > 0)
    problems.push(`${inp.skippedCount} input file(s)/line(s) were skipped; see the skipped input list.`);
  if (baselines.length)
    problems.push(
      `${baselines.length} snapshot(s) were used only as baselines (their contents happened before the analysed window).`,
    );
  const mergedTotal = inp.runs.reduce((a, r) => a + r.merged, 0);
  if (mergedTotal)
    problems.push(
      `${mergedTotal} short interval(s) were merged into a neighbouring interval before judging rates.`,
    );
  return { runInfos, gaps, baselines, caps, fills, lossTotal, problems };
}
