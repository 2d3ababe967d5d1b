// Snapshots whose times cannot be true are rejected before any analysis (a clock fault, a corrupt footer or
// line). The rule is stated once here and in docs/report.md, "Impossible times". Only rejection may look at the
// wall clock: a valid snapshot is analysed the same way whenever the report runs, so output stays deterministic.
import type { SkippedInput } from "../model.js";
import { memberPrefix, type SnapshotInfo } from "./intervals.js";

/** A snapshot later than the present (the later of the wall clock and --now) by more than this is rejected. */
export const FUTURE_TOLERANCE_SEC = 86_400;
/**
 * An interior Parquet snapshot whose time is further than this many intervals from both seq neighbours, while
 * those two agree with each other, is an outlier (a clock step moves every later snapshot, not one).
 */
export const OUTLIER_INTERVALS = 10;
/** Latest time a JavaScript Date (and so every time the report prints) can hold, in Unix seconds. */
const MAX_REPRESENTABLE_SEC = 8.64e12;

export interface TimeCheck {
  kept: SnapshotInfo[];
  skipped: SkippedInput[];
}

export interface TimeCheckOptions {
  /** --now, Unix seconds, or null. */
  now: number | null;
  /** The wall clock, Unix seconds: used only to reject. */
  wallClockSec: number;
}

function when(t: number): string {
  return Number.isFinite(t) && Math.abs(t) <= MAX_REPRESENTABLE_SEC
    ? new Date(Math.floor(t) * 1000).toISOString().replace(".000Z", "Z")
    : `${t} s`;
}

function representable(t: number): boolean {
  return Number.isFinite(t) && t >= 0 && t <= MAX_REPRESENTABLE_SEC;
}

/** Why one snapshot's own times are impossible, or null. */
function ownTimeFault(s: SnapshotInfo, present: number): string | null {
  if (!representable(s.ts))
    return `snapshot time ${when(s.ts)} is not a time (negative, not finite or beyond year 275 760)`;
  if (s.ts > present + FUTURE_TOLERANCE_SEC)
    return `snapshot time ${when(s.ts)} is in the future (more than 1 day after this report's clock and --now)`;
  if (s.baseTs !== null) {
    if (!representable(s.baseTs)) return `run start base_ts ${when(s.baseTs)} is not a time`;
    // A small excess is a clock step between run start and snapshot; more than an interval is not.
    const slack = Math.max(s.intervalSec ?? 0, 1);
    if (s.baseTs > s.ts + slack)
      return `run start base_ts ${when(s.baseTs)} is after the snapshot's time ${when(s.ts)}`;
  }
  return null;
}

function runKey(s: SnapshotInfo): string {
  return JSON.stringify([s.format, s.host, s.iface, s.runId]);
}

/**
 * Interior outliers of Parquet runs: seq says a snapshot sits between its neighbours (seq - 1 and seq + 1 both
 * on disk), they are close in time, and it is far from both.
 */
function outliers(snaps: readonly SnapshotInfo[]): Map<number, string> {
  const out = new Map<number, string>();
  const runs = new Map<string, SnapshotInfo[]>();
  for (const s of snaps) {
    if (s.seq === null) continue;
    const k = runKey(s);
    const l = runs.get(k);
    if (l) l.push(s);
    else runs.set(k, [s]);
  }
  for (const list of runs.values()) {
    const bySeq = new Map<number, SnapshotInfo>();
    for (const s of list) if (!bySeq.has(s.seq!)) bySeq.set(s.seq!, s);
    for (const s of list) {
      const a = bySeq.get(s.seq! - 1);
      const b = bySeq.get(s.seq! + 1);
      if (!a || !b) continue;
      const far = OUTLIER_INTERVALS * Math.max(s.intervalSec ?? a.intervalSec ?? 0, 1);
      if (Math.abs(s.ts - a.ts) > far && Math.abs(b.ts - s.ts) > far && Math.abs(b.ts - a.ts) <= far)
        out.set(
          s.sid,
          `snapshot time ${when(s.ts)} is more than ${OUTLIER_INTERVALS} intervals from both seq neighbours (seq ${a.seq} at ${when(a.ts)}, seq ${b.seq} at ${when(b.ts)})`,
        );
    }
  }
  return out;
}

/** Splits the catalog into snapshots to analyse and rejected ones (each named with its reason). */
export function rejectImpossibleTimes(snaps: readonly SnapshotInfo[], opts: TimeCheckOptions): TimeCheck {
  const present = Math.max(opts.wallClockSec, opts.now ?? Number.NEGATIVE_INFINITY);
  const kept: SnapshotInfo[] = [];
  const skipped: SkippedInput[] = [];
  const reject = (s: SnapshotInfo, reason: string) =>
    skipped.push({
      file: s.file,
      line: s.line,
      reason: `${memberPrefix(s.member)}${reason}; the snapshot is not analysed`,
    });
  const sane: SnapshotInfo[] = [];
  for (const s of snaps) {
    const fault = ownTimeFault(s, present);
    if (fault) reject(s, fault);
    else sane.push(s);
  }
  const odd = outliers(sane);
  for (const s of sane) {
    const fault = odd.get(s.sid);
    if (fault) reject(s, fault);
    else kept.push(s);
  }
  return { kept, skipped };
}
