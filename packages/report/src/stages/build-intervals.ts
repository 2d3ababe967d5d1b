// Stage 2, buildIntervals: the --since/--until window resolved, snapshots grouped into runs and intervals
// (duplicates skipped), and the legacy JSONL deltas computed on those intervals.
import type { DuckDBConnection } from "@duckdb/node-api";
import { EXIT, ReportError } from "../exit-codes.js";
import { buildRuns, type Interval, memberPrefix, type Run, type SnapshotInfo } from "../ingest/intervals.js";
import { buildLegacyRows } from "../ingest/legacy.js";
import { plural } from "../render/format.js";
import { isoSeconds, resolveTimeSpec } from "../timespec.js";
import { maxBy, minBy } from "../util.js";
import type { StageOptions } from "./options.js";
import type { Catalog } from "./read-catalog.js";

export interface Timeline {
  /** The resolved window (null: open). */
  since: number | null;
  until: number | null;
  runs: Run[];
  intervals: Interval[];
  ivs: Map<number, Interval>;
  /** Intervals with a share inside the window. */
  live: Interval[];
  snapsById: Map<number, SnapshotInfo>;
}

/** The first and last instant analysed: the live intervals clipped to the window (null when none is live). */
export function windowBounds(tl: Pick<Timeline, "live" | "since" | "until">): {
  start: number | null;
  end: number | null;
} {
  const { live, since, until } = tl;
  if (live.length === 0) return { start: null, end: null };
  return {
    start: minBy(live, (iv) => Math.max(iv.t0, since ?? iv.t0)),
    end: maxBy(live, (iv) => Math.min(iv.t1, until ?? iv.t1)),
  };
}

export async function buildIntervals(
  c: DuckDBConnection,
  cat: Catalog,
  opts: StageOptions,
): Promise<Timeline> {
  const ref = opts.now ?? cat.latest;
  const since = resolveTimeSpec(opts.since, ref);
  const until = resolveTimeSpec(opts.until, ref);
  if (since !== null && until !== null && until <= since)
    throw new ReportError(
      EXIT.USAGE,
      `--until (${isoSeconds(until)}) must be after --since (${isoSeconds(since)})`,
    );
  const { runs, intervals } = buildRuns(cat.snaps, {
    since,
    until,
    prunedBefore: cat.discovery.prunedBefore,
  });
  const skips = cat.skips;
  for (const r of runs)
    for (const d of r.duplicates) {
      skips.count++;
      skips.list.push({
        file: d.file,
        line: d.line,
        reason: `${memberPrefix(d.member)}duplicate snapshot of run ${r.runId} (same ${d.seq !== null ? "seq" : "time"}); the first was kept`,
      });
    }
  const snapsById = new Map(cat.snaps.map((s) => [s.sid, s]));
  const ivs = new Map<number, Interval>(intervals.map((iv) => [iv.iv, iv]));
  const live = intervals.filter((iv) => iv.w > 0);
  if (live.length === 0 && (since !== null || until !== null)) {
    const all = intervals.length ? intervals : null;
    throw new ReportError(
      EXIT.USAGE,
      `--since/--until select no interval: the window ${since === null ? "…" : isoSeconds(since)} to ${until === null ? "…" : isoSeconds(until)} does not overlap the data${
        all ? ` (${isoSeconds(minBy(all, (i) => i.t0))} to ${isoSeconds(maxBy(all, (i) => i.t1))})` : ""
      }`,
    );
  }
  if (cat.legacy.snaps.length > 0) {
    opts.progress("computing legacy deltas");
    const badAddr = (await buildLegacyRows(c, runs, intervals, cat.legacy)).badAddressBuckets;
    if (badAddr > 0) {
      skips.count += badAddr;
      skips.invalidRows += badAddr;
      skips.list.push({
        file: cat.found.jsonl[0]!,
        line: null,
        reason: `${plural(badAddr, "bucket")} with an address that is not IPv4 text ${badAddr === 1 ? "was" : "were"} skipped`,
      });
    }
  }
  return { since, until, runs, intervals, ivs, live, snapsById };
}
