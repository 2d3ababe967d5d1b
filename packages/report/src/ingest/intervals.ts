// Runs, intervals, baselines, merging and the --since/--until window (spec §2), in plain TypeScript over the
// snapshot catalog (one entry per snapshot, never per row).
import { getOrInit } from "../util.js";
import type { SourceSkip } from "./source-skipped.js";

export type InputFormat = "parquet" | "jsonl";

/** One snapshot as the catalog knows it (from Parquet footers or the JSONL header fields). */
export interface SnapshotInfo {
  /** Unique id, assigned by the catalog. */
  sid: number;
  format: InputFormat;
  file: string;
  /**
   * Inside a compacted file (`file`): the name of the snapshot file it came from. Its rows are those of
   * `file` with this snapshot's host, iface, run_id and seq (the scan joins on them: queries/scan.ts).
   */
  member?: string;
  /** 1-based line for JSONL. */
  line: number | null;
  host: string;
  iface: string;
  runId: string;
  /** Collector sequence number (Parquet); null for legacy input. */
  seq: number | null;
  /** Snapshot time, Unix seconds (fractional). */
  ts: number;
  /** Run start, Unix seconds; null when unknown. */
  baseTs: number | null;
  intervalSec: number | null;
  /** Real span the stored deltas cover (Parquet span_us); null when unknown or no rows. */
  spanSec: number | null;
  rows: number;
  ports: number[];
  xdpMode: string | null;
  mapCapacity: number | null;
  liveEntries: number | null;
  /** Global per-CPU totals summed (cumulative since program load), by field name. */
  globals: Record<string, bigint> | null;
  schemaVersion: number | null;
  /** Imported snapshots: the source input the import skipped and recorded on this one (ingest/source-skipped.ts). */
  sourceSkipped?: SourceSkip[];
  /** The label of a file that declares itself generated data (metadata ibsr.synthetic); absent: none. */
  synthetic?: string;
}

/** A snapshot's place on disk: its file, or its member of a compacted file (one file, many snapshots). */
export function snapshotRef(s: Pick<SnapshotInfo, "file" | "member">): string {
  return s.member === undefined ? s.file : `${s.file}\u0000${s.member}`;
}

/** Where a skip reason about a compacted member starts: which snapshot of the file it is ("" for a file). */
export function memberPrefix(member: string | null | undefined): string {
  return member == null ? "" : `snapshot ${member} inside: `;
}

export interface Interval {
  /** Global interval id. */
  iv: number;
  run: number;
  /** (t0, t1], Unix seconds. */
  t0: number;
  t1: number;
  span: number;
  /** Share of the interval inside the --since/--until window (0..1). */
  w: number;
  /** Snapshots whose deltas form this interval (more than one when a short interval was merged in). */
  sids: number[];
}

export interface RunGap {
  from: number;
  to: number;
  /** seq of the snapshots either side (null for legacy input). */
  fromSeq: number | null;
  toSeq: number | null;
  /**
   * The snapshot after the gap carries the deltas over the whole gap (a failed collector write: its span_us
   * reaches back to the last file written; legacy input: cumulative counters), so no traffic is missing.
   */
  carried: boolean;
  /** Seconds whose traffic no snapshot on disk carries (0 when carried). */
  missingSec: number;
}

/** Slack when comparing a snapshot's start (ts - span_us) with its predecessor's ts (both from microseconds). */
export const SAME_TIME_SEC = 1e-3;

export interface Run {
  run: number;
  host: string;
  iface: string;
  runId: string;
  format: InputFormat;
  snaps: SnapshotInfo[];
  intervalSec: number;
  /** Where the interval length came from. */
  intervalSource: "declared" | "median gap" | "default";
  firstIsBaseline: boolean;
  baselineReason: string | null;
  /** Every interval of the run (window weight may be 0). */
  intervals: Interval[];
  merged: number;
  /** Of `merged`, the run's short first interval joined to its successor (expected: the collector's seq 0 right after attach). */
  mergedFirst: number;
  gaps: RunGap[];
  /** Snapshots dropped because another with the same seq/ts came first. */
  duplicates: SnapshotInfo[];
  /** The last snapshot before --since, when the window cuts the run (read as the window's baseline). */
  sinceBaseline: SnapshotInfo | null;
}

export interface Window {
  since: number | null;
  until: number | null;
  /**
   * Snapshots (snapshotRef) that are the first read of their run because discovery left the earlier ones unread (before
   * --since): such a run starts with a plain baseline, not a missing start.
   */
  prunedBefore?: ReadonlySet<string>;
}

const DEFAULT_INTERVAL_SEC = 60;

/**
 * Floor of the short-interval rule (spec §2): an interval shorter than max(this, interval_sec / 2) is merged.
 * Half a second, not one: at a 1 s cadence the collector's timer lands a few ms either side of the second, and
 * those are normal intervals, not short ones.
 */
export const MIN_SPAN_FLOOR_SEC = 0.5;

/** The shortest span judged on its own at this snapshot interval (spec §2). */
export function minSpanSec(intervalSec: number): number {
  return Math.max(MIN_SPAN_FLOOR_SEC, intervalSec / 2);
}

function median(xs: number[]): number | null {
  if (xs.length === 0) return null;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

function runKey(s: SnapshotInfo): string {
  return JSON.stringify([s.host, s.iface, s.runId]);
}

/** Total order of snapshots inside a run: seq when known (clocks step), else ts; then file and line. */
function compareInRun(a: SnapshotInfo, b: SnapshotInfo): number {
  if (a.seq !== null && b.seq !== null && a.seq !== b.seq) return a.seq - b.seq;
  if (a.ts !== b.ts) return a.ts - b.ts;
  if (a.file !== b.file) return a.file < b.file ? -1 : 1;
  return (a.line ?? 0) - (b.line ?? 0);
}

function overlap(a0: number, a1: number, b0: number, b1: number): number {
  return Math.max(0, Math.min(a1, b1) - Math.max(a0, b0));
}

/**
 * Groups snapshots into runs and builds their intervals. Interval ids are assigned in run order
 * (runs sorted by host, iface, run id), then time, so they are deterministic.
 */
export function buildRuns(
  snaps: readonly SnapshotInfo[],
  window: Window,
): { runs: Run[]; intervals: Interval[] } {
  const groups = new Map<string, SnapshotInfo[]>();
  for (const s of snaps) {
    const k = runKey(s);
    const g = getOrInit(groups, k, () => []);
    g.push(s);
  }
  const keys = [...groups.keys()].sort((a, b) => {
    const [ha, ia, ra] = JSON.parse(a) as string[];
    const [hb, ib, rb] = JSON.parse(b) as string[];
    return ha! !== hb! ? (ha! < hb! ? -1 : 1) : ia! !== ib! ? (ia! < ib! ? -1 : 1) : cmpRunId(ra!, rb!);
  });
  const runs: Run[] = [];
  const intervals: Interval[] = [];
  for (const k of keys) {
    const all = groups.get(k)!.sort(compareInRun);
    const list: SnapshotInfo[] = [];
    const duplicates: SnapshotInfo[] = [];
    for (const s of all) {
      const prev = list[list.length - 1];
      if (prev && (s.seq !== null && prev.seq !== null ? s.seq === prev.seq : s.ts === prev.ts))
        duplicates.push(s);
      else list.push(s);
    }
    const first = list[0]!;
    const declared = list.map((s) => s.intervalSec).filter((x): x is number => x !== null && x > 0);
    const gaps = list.slice(1).map((s, i) => s.ts - list[i]!.ts);
    let intervalSec = median(declared);
    let intervalSource: Run["intervalSource"] = "declared";
    if (intervalSec === null) {
      intervalSec = median(gaps.filter((g) => g > 0));
      intervalSource = "median gap";
    }
    if (intervalSec === null) {
      intervalSec = DEFAULT_INTERVAL_SEC;
      intervalSource = "default";
    }
    const run: Run = {
      run: runs.length,
      host: first.host,
      iface: first.iface,
      runId: first.runId,
      format: first.format,
      snaps: list,
      intervalSec,
      intervalSource,
      firstIsBaseline: false,
      baselineReason: null,
      intervals: [],
      merged: 0,
      mergedFirst: 0,
      gaps: [],
      duplicates,
      sinceBaseline: null,
    };
    // The first snapshot on disk carries deltas only if it is the run's start.
    const isStart =
      first.seq === 0 || (first.baseTs !== null && first.ts - first.baseTs <= intervalSec * 1.1 + 1e-9);
    const minSpan = minSpanSec(intervalSec);
    let pending: { t0: number; sids: number[] } | null = null;
    for (let i = 0; i < list.length; i++) {
      const s = list[i]!;
      const prev = i > 0 ? list[i - 1]! : null;
      let t0: number;
      if (!prev) {
        if (
          !isStart &&
          window.prunedBefore?.has(snapshotRef(s)) &&
          window.since !== null &&
          s.ts <= window.since
        )
          continue; // the window's baseline (sinceBaseline below); what came before was not needed
        if (!isStart) {
          run.firstIsBaseline = true;
          run.baselineReason =
            first.baseTs === null && first.seq === null
              ? "no run start time in the input (legacy schema before v5)"
              : "the run's first snapshot is not on disk (retention or a copied subset)";
          continue;
        }
        t0 = s.spanSec !== null && s.spanSec > 0 ? s.ts - s.spanSec : (s.baseTs ?? s.ts - intervalSec);
      } else {
        // Collector deltas cover span_us (a failed write leaves a hole); legacy deltas cover the gap on disk.
        t0 =
          s.format === "parquet" && s.spanSec !== null && s.spanSec > 0
            ? Math.max(prev.ts, s.ts - s.spanSec)
            : prev.ts;
        if (s.ts - prev.ts > intervalSec * 1.5) {
          const known = s.format === "jsonl" || (s.spanSec !== null && s.spanSec > 0);
          const uncovered = s.format === "jsonl" ? 0 : known ? t0 - prev.ts : s.ts - prev.ts - intervalSec;
          const carried = known && uncovered <= SAME_TIME_SEC;
          run.gaps.push({
            from: prev.ts,
            to: s.ts,
            fromSeq: prev.seq,
            toSeq: s.seq,
            carried,
            missingSec: carried ? 0 : uncovered,
          });
        }
      }
      const span = s.ts - t0;
      const last = run.intervals[run.intervals.length - 1];
      if (span < minSpan && last && Math.abs(last.t1 - t0) < 1e-6) {
        last.t1 = s.ts;
        last.span = last.t1 - last.t0;
        last.sids.push(s.sid);
        run.merged++;
        continue;
      }
      // A short first interval (the collector's seq 0 right after attach, a legacy snapshot taken at
      // base_ts) has no predecessor to merge into: it joins its successor instead, so its counts are
      // kept and judged over a real span.
      if (pending) {
        t0 = pending.t0;
        run.merged++;
        run.mergedFirst++;
      }
      const sids: number[] = pending ? [...pending.sids, s.sid] : [s.sid];
      pending = null;
      if (s.ts - t0 < minSpan && run.intervals.length === 0 && i < list.length - 1) {
        pending = { t0, sids };
        continue;
      }
      // A run whose only interval is still short (one snapshot at base_ts): judged as if it lasted the
      // minimum span, so its rates are a lower bound rather than counts divided by nearly nothing.
      if (s.ts - t0 < minSpan && run.intervals.length === 0) t0 = s.ts - minSpan;
      run.intervals.push({
        iv: -1,
        run: run.run,
        t0,
        t1: s.ts,
        span: s.ts - t0,
        w: 1,
        sids,
      });
    }
    const since = window.since ?? Number.NEGATIVE_INFINITY;
    const until = window.until ?? Number.POSITIVE_INFINITY;
    for (const iv of run.intervals) {
      iv.w =
        window.since === null && window.until === null
          ? 1
          : overlap(iv.t0, iv.t1, since, until) / (iv.t1 - iv.t0);
      iv.iv = intervals.length;
      intervals.push(iv);
    }
    if (window.since !== null) {
      const before = list.filter((s) => s.ts <= since);
      const cut = before[before.length - 1];
      if (cut && cut !== list[list.length - 1]) run.sinceBaseline = cut;
    }
    runs.push(run);
  }
  return { runs, intervals };
}

function cmpRunId(a: string, b: string): number {
  // Numeric run ids (legacy u64, collector counters) sort numerically; others as text.
  if (/^\d+$/.test(a) && /^\d+$/.test(b)) {
    const x = BigInt(a);
    const y = BigInt(b);
    return x < y ? -1 : x > y ? 1 : 0;
  }
  return a < b ? -1 : a > b ? 1 : 0;
}
