// Scope and coverage: runs, gaps, baselines, map fill, eviction loss and the problems worth a sentence.

import type { IntervalCounters } from "../ingest/interval-counters.js";
import {
  type Interval,
  type Run,
  type RunGap,
  SAME_TIME_SEC,
  type SnapshotInfo,
} from "../ingest/intervals.js";
import type { FailedWrite, RunWriteErrors } from "../ingest/status.js";
import type { BaselineSnapshot, Gap, RunInfo } from "../model.js";
import { formatInt, formatPct, plural } from "../render/format.js";
import { timePoint } from "../timespec.js";
import { maxBy } from "../util.js";
import { pct } from "./decide.js";

export interface CoverageInput {
  runs: readonly Run[];
  snapsById: ReadonlyMap<number, SnapshotInfo>;
  ivTotals: IntervalCounters;
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
  /** Expected, informational coverage sentences (no action needed). */
  notes: string[];
}

/**
 * Matched packets the program counted but no key carried to a snapshot, over the intervals whose deltas start
 * exactly at the snapshot before them on disk (or at the run start): the global totals of both ends then bound
 * the same time as the per-key deltas. An interval after a hole nobody carried (a file removed or skipped) is
 * left out, so missing traffic is reported as a gap, never as eviction loss. Null when no interval qualifies.
 */
function evictionLoss(
  r: Run,
  runIvs: readonly Interval[],
  inp: CoverageInput,
): { loss: bigint; matched: bigint } | null {
  const index = new Map(r.snaps.map((s, i) => [s.sid, i]));
  const seenByIv = new Map<number, bigint>();
  const t = inp.ivTotals;
  for (let i = 0; i < t.length; i++)
    seenByIv.set(t.iv(i), (seenByIv.get(t.iv(i)) ?? 0n) + t.exact(i, "packets"));
  let matched = 0n;
  let seen = 0n;
  let any = false;
  for (const iv of runIvs) {
    const i = index.get(iv.sids[0]!)!;
    const before = i > 0 ? r.snaps[i - 1]! : null;
    const end = inp.snapsById.get(iv.sids[iv.sids.length - 1]!)!;
    // Consecutive on disk: the interval starts at its predecessor's time (a carried gap included), or is the
    // run's first interval (globals count from program load, as its deltas do).
    const consecutive = before ? Math.abs(iv.t0 - before.ts) <= SAME_TIME_SEC : i === 0 && !r.firstIsBaseline;
    if (!consecutive || !end.globals || (before !== null && !before.globals)) continue;
    matched += (end.globals.matched_packets ?? 0n) - (before?.globals?.matched_packets ?? 0n);
    seen += seenByIv.get(iv.iv) ?? 0n;
    any = true;
  }
  if (!any) return null;
  return { loss: matched > seen ? matched - seen : 0n, matched };
}

/** One gap in words: what happened at its start, as far as the files and heartbeats tell. */
function describeGap(g: RunGap, failed: readonly FailedWrite[]): string {
  const inside = failed.filter(
    (f) => g.fromSeq !== null && g.toSeq !== null && f.seq > g.fromSeq && f.seq < g.toSeq,
  );
  const seqs =
    g.fromSeq !== null && g.toSeq !== null && g.toSeq - g.fromSeq > 1
      ? `${g.fromSeq + 1}${g.toSeq - g.fromSeq > 2 ? `–${g.toSeq - 1}` : ""}`
      : null;
  const at = (f: FailedWrite) => `${f.time.replace(/\.\d+Z$/, "Z")} (seq ${f.seq})`;
  const what =
    inside.length === 1
      ? `write failed at ${at(inside[0]!)}`
      : inside.length > 1
        ? `${inside.length} writes failed from ${at(inside[0]!)} to ${at(inside[inside.length - 1]!)}`
        : seqs
          ? // A file after a missing seq that reaches back over it can only follow a failed write.
            g.carried
            ? `write of seq ${seqs} failed`
            : `no file for seq ${seqs}`
          : g.carried && g.toSeq !== null
            ? `no snapshot from ${timePoint(g.from).iso} to ${timePoint(g.to).iso} (the collector did not take one on time)`
            : `no snapshot from ${timePoint(g.from).iso} to ${timePoint(g.to).iso}`;
  return g.carried
    ? `${what}; the next snapshot (${g.toSeq !== null ? `seq ${g.toSeq}, ` : ""}${timePoint(g.to).iso}) carries those deltas`
    : `${timePoint(g.from).iso} to ${timePoint(g.to).iso}, ${what}`;
}

/** Where each failed write recorded in the heartbeats ended up. */
function classifyFailedWrites(r: Run, failed: readonly FailedWrite[]): { carried: number; lost: number } {
  let carried = 0;
  let lost = 0;
  for (const f of failed) {
    const next = r.snaps.find((s) => s.seq !== null && s.seq > f.seq);
    if (!next) {
      lost++;
      continue;
    }
    const gap = r.gaps.find((g) => g.toSeq === next.seq);
    const prev = [...r.snaps].reverse().find((s) => s.seq !== null && s.seq < f.seq);
    // The file after the failure reaches back to the one before it: carried (with or without a listed gap).
    const reaches =
      gap?.carried ??
      (next.spanSec !== null && prev !== undefined && next.ts - next.spanSec <= prev.ts + SAME_TIME_SEC);
    if (reaches) carried++;
    else lost++;
  }
  return { carried, lost };
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
      const counted = evictionLoss(r, runIvs, inp);
      if (counted) {
        loss = counted.loss;
        lossPct = pct(counted.loss, counted.matched);
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
      mergedFirstIntervals: r.mergedFirst,
    };
  });
  const gaps: Gap[] = inp.runs.flatMap((r) =>
    r.gaps.map((g) => ({
      host: r.host,
      iface: r.iface,
      runId: r.runId,
      from: timePoint(g.from),
      to: timePoint(g.to),
      carried: g.carried,
      missingSec: g.missingSec,
    })),
  );
  const failedOf = (r: Run) => inp.writeErrors.get(JSON.stringify([r.host, r.iface, r.runId]))?.failed ?? [];
  const runGaps = inp.runs.flatMap((r) => r.gaps.map((g) => ({ r, g })));
  const carriedGaps = runGaps.filter((x) => x.g.carried);
  const holes = runGaps.filter((x) => !x.g.carried);
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
  if (carriedGaps.length) {
    const first = carriedGaps[0]!;
    problems.push(
      `${plural(carriedGaps.length, "gap")} between snapshots lost no traffic: the next snapshot written carries the deltas over the whole gap (first: ${describeGap(first.g, failedOf(first.r))}).`,
    );
  }
  if (holes.length) {
    const first = holes[0]!;
    problems.push(
      `${plural(holes.length, "gap")} between snapshots ${holes.length === 1 ? "is" : "are"} not covered by the next snapshot: ${formatInt(Math.round(holes.reduce((a, x) => a + x.g.missingSec, 0)))} s of traffic is missing from the report (first: ${describeGap(first.g, failedOf(first.r))}); rates use the real spans.`,
    );
  }
  if (fills.length && maxBy(fills, (x) => x) >= 90)
    problems.push(
      `The flow map was ${formatPct(maxBy(fills, (x) => x))} full at peak: entries were likely evicted; raise --map-size.`,
    );
  if (lossTotal !== null && lossTotal > 0n)
    problems.push(
      `${plural(lossTotal, "matched packet")} ${lossTotal === 1n ? "was" : "were"} counted by the program but belonged to entries evicted before a snapshot saw them.`,
    );
  const failedWrites = runInfos.reduce((a, r) => a + (r.writeErrors ?? 0), 0);
  if (failedWrites > 0) {
    let carried = 0;
    let lost = 0;
    for (const r of inp.runs) {
      const c = classifyFailedWrites(r, failedOf(r));
      carried += c.carried;
      lost += c.lost;
    }
    const unknown = Math.max(0, failedWrites - carried - lost);
    const last = [...inp.writeErrors.values()].map((w) => w.lastError).find((e) => e !== null);
    const parts = [
      lost ? `${lost} with no later snapshot on disk (their traffic is missing)` : "",
      unknown ? `${unknown} not in the heartbeats kept (where they fell is unknown)` : "",
      carried && (lost || unknown) ? `${carried} carried by the next snapshot written` : "",
    ].filter((x) => x);
    problems.push(
      `The collector recorded ${plural(failedWrites, "failed snapshot write")}${last ? ` (last: ${last})` : ""}: ${
        parts.length
          ? parts.join(", ")
          : "the next snapshot written carried the deltas of each, so no traffic is missing"
      }.`,
    );
  }
  if (inp.skippedCount > 0)
    problems.push(
      `${formatInt(inp.skippedCount)} input ${inp.skippedCount === 1 ? "file or line was" : "files or lines were"} skipped; see the skipped input list.`,
    );
  if (baselines.length)
    problems.push(
      `${plural(baselines.length, "snapshot")} ${baselines.length === 1 ? "was" : "were"} used only as ${baselines.length === 1 ? "a baseline" : "baselines"} (${baselines.length === 1 ? "its" : "their"} contents happened before the analysed window).`,
    );
  // A run's short first interval (the collector's snapshot right after attach) joining its successor is the
  // normal case: a note, not a problem. Any other merge means snapshots came irregularly: worth a warning.
  const notes: string[] = [];
  const mergedFirst = inp.runs.reduce((a, r) => a + r.mergedFirst, 0);
  const mergedOther = inp.runs.reduce((a, r) => a + r.merged - r.mergedFirst, 0);
  if (mergedOther)
    problems.push(
      `${plural(mergedOther, "short interval")} inside ${mergedOther === 1 ? "a run was" : "runs were"} merged into the preceding interval before judging rates: snapshots came irregularly.`,
    );
  if (mergedFirst)
    notes.push(
      `The short first interval of ${plural(mergedFirst, "run")} (the collector's snapshot right after it starts) was merged into the next interval, as expected.`,
    );
  return { runInfos, gaps, baselines, caps, fills, lossTotal, problems, notes };
}
