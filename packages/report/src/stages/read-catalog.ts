// Stage 1, readCatalog: which snapshots there are (Parquet footers, legacy JSONL lines), their times checked,
// and what was skipped on the way. Nothing is scanned yet.
import { readFileSync } from "node:fs";
import type { DuckDBConnection } from "@duckdb/node-api";
import { EXIT, ReportError } from "../exit-codes.js";
import type { discoverInputs } from "../ingest/discover.js";
import type { SnapshotInfo } from "../ingest/intervals.js";
import { loadLegacyCatalog } from "../ingest/legacy.js";
import { readParquetCatalog } from "../ingest/parquet-catalog.js";
import { rejectImpossibleTimes } from "../ingest/snapshot-times.js";
import { readWriteErrors } from "../ingest/status.js";
import type { SkippedInput } from "../model.js";
import type { StageOptions } from "./options.js";

export type FoundInputs = ReturnType<typeof discoverInputs>;

/** Skipped input as it accumulates over the stages (files, lines, duplicates, invalid rows). */
export interface SkipTally {
  list: SkippedInput[];
  /** Files, lines, snapshots and rows skipped, for the scope's count. */
  count: number;
  /** Skipped units (files, lines, snapshots with impossible times), for the INPUT_SKIPPED check. */
  lostUnits: number;
  /** Invalid rows (Parquet rows, JSONL buckets), for the INPUT_SKIPPED check. */
  invalidRows: number;
}

export interface Catalog {
  found: FoundInputs;
  parquet: Awaited<ReturnType<typeof readParquetCatalog>>;
  legacy: Awaited<ReturnType<typeof loadLegacyCatalog>>;
  /** The snapshots to analyse (times possible, --host applied). */
  snaps: SnapshotInfo[];
  /** The latest snapshot time: the reference for relative --since/--until and the default generated_at. */
  latest: number;
  skips: SkipTally;
  /** Labels of inputs that declare themselves synthetic. */
  syntheticLabels: string[];
  /** Failed collector writes from status files, per run. */
  writeErrors: ReturnType<typeof readWriteErrors>;
}

export async function readCatalog(
  c: DuckDBConnection,
  found: FoundInputs,
  excluded: readonly SkippedInput[],
  opts: StageOptions,
): Promise<Catalog> {
  let sidSeq = 0;
  const nextSid = () => sidSeq++;
  const gone = new Set(excluded.map((x) => x.file));
  const parquetFiles = found.parquet.filter((f) => !gone.has(f));
  opts.progress(`reading footers of ${parquetFiles.length} Parquet file(s)`);
  const pq = await readParquetCatalog(c, parquetFiles, nextSid);
  opts.progress(`reading ${found.jsonl.length} JSONL file(s)`);
  const lg = await loadLegacyCatalog(c, found.jsonl, opts.host, nextSid);
  const fileSkips = [...found.skipped, ...excluded, ...pq.skipped];
  const times = rejectImpossibleTimes([...pq.snaps, ...lg.snaps], {
    now: opts.now,
    wallClockSec: Date.now() / 1000,
  });
  const skips: SkipTally = {
    list: [...fileSkips, ...lg.skipped, ...times.skipped],
    count: fileSkips.length + lg.skippedCount + times.skipped.length,
    lostUnits: fileSkips.length + (lg.skippedCount - lg.invalidRows) + times.skipped.length,
    invalidRows: lg.invalidRows,
  };
  let snaps: SnapshotInfo[] = times.kept;
  if (opts.host) snaps = snaps.filter((s) => s.format === "jsonl" || s.host === opts.host);
  if (snaps.length === 0)
    throw new ReportError(
      EXIT.USAGE,
      `no usable snapshot${opts.host ? ` for host ${opts.host}` : ""} in ${opts.inputs.join(", ")}: ${skips.count} file(s)/line(s) skipped${
        skips.list[0]
          ? ` (first: ${skips.list[0].file}${skips.list[0].line ? `:${skips.list[0].line}` : ""}: ${skips.list[0].reason})`
          : ""
      }`,
    );
  return {
    found,
    parquet: pq,
    legacy: lg,
    snaps,
    latest: Math.max(...snaps.map((s) => s.ts)),
    skips,
    syntheticLabels: [
      ...pq.syntheticLabels,
      ...found.syntheticMarkers.map(
        (f) => readFileSync(f, "utf8").split("\n")[0]!.trim() || "synthetic data",
      ),
    ],
    writeErrors: readWriteErrors(found.status),
  };
}
