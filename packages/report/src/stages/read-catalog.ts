// Stage 1, readCatalog: which snapshots there are (Parquet footers, legacy JSONL lines), their times checked,
// and what was skipped on the way. Nothing is scanned yet.
import { readFileSync } from "node:fs";
import type { DuckDBConnection } from "@duckdb/node-api";
import { DATE_DIR_PREFIX, HOST_DIR_PREFIX } from "@ibsr/contract";
import { EXIT, ReportError } from "../exit-codes.js";
import { coveredPaths } from "../ingest/compacted.js";
import { discoverInputs } from "../ingest/discover.js";
import { readHiveCatalog } from "../ingest/hive-catalog.js";
import { parseHostFilter } from "../ingest/host-filter.js";
import type { SnapshotInfo } from "../ingest/intervals.js";
import { loadLegacyCatalog } from "../ingest/legacy.js";
import { type FooterSource, fileFooters, type ParquetCatalog } from "../ingest/parquet-catalog.js";
import { rejectImpossibleTimes } from "../ingest/snapshot-times.js";
import { type SourceSkip, sumSourceSkips } from "../ingest/source-skipped.js";
import { readWriteErrors } from "../ingest/status.js";
import type { SkippedInput } from "../model.js";
import { resolveTimeSpec } from "../timespec.js";
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
  /**
   * Of lostUnits and invalidRows: the source input that imports skipped and recorded in their snapshots
   * (ingest/source-skipped.ts). Their files hold neither, so the totals the shares are taken of add them.
   */
  sourceUnits: number;
  sourceRows: number;
  /** The file of each lost unit that is a whole file or snapshot (the rest of lostUnits are JSONL lines): per-host shares. */
  lostFiles: string[];
  /** Invalid Parquet rows per file (the rest of invalidRows are JSONL buckets): per-host shares. */
  invalidByFile: Map<string, number>;
}

export interface Discovery {
  /** Snapshot files listed (Parquet outside the layout, and in the date folders listed). */
  listed: number;
  /** Parquet footers opened. */
  opened: number;
  hostFoldersPruned: number;
  dateFolders: number;
  dateFoldersListed: number;
  /** The first file read of each run whose earlier files were left unread (before --since). */
  prunedBefore: ReadonlySet<string>;
}

export interface Catalog {
  found: FoundInputs;
  parquet: ParquetCatalog;
  legacy: Awaited<ReturnType<typeof loadLegacyCatalog>>;
  /** The snapshots to analyse (times possible, --host applied). */
  snaps: SnapshotInfo[];
  /** The latest snapshot time: the reference for relative --since/--until and the default generated_at. */
  latest: number;
  skips: SkipTally;
  /** What discovery listed and opened (pruning by host=/date= folders and file names). */
  discovery: Discovery;
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
  footers: FooterSource = fileFooters(c),
): Promise<Catalog> {
  const first = await readOnce(c, found, excluded, opts, true, footers);
  // The window was resolved from a latest snapshot that did not survive (an impossible time, another --host
  // match outside the layout): read again without time pruning, so pruning never changes a report.
  if (first.guessedLatest === null || first.guessedLatest === first.cat.latest) return first.cat;
  opts.progress("the latest snapshot was not the one the window was resolved from: reading every footer");
  return (await readOnce(c, found, excluded, opts, false, footers)).cat;
}

/**
 * The skips imports recorded (ingest/source-skipped.ts) on the snapshots inside the report's window: since <
 * time <= until, resolved as build-intervals.ts resolves them (against --now, else the latest snapshot); all
 * of them without a window.
 * A skip sits on the snapshot after it (docs/report.md, Importing reference JSONL), so it counts when that
 * snapshot's time does. Discovery never prunes such a snapshot (hive-prune.ts keeps every file the window can
 * need), so what folders and names leave unread changes nothing: the count is the window's, exactly.
 */
function recordedSkipsInWindow(
  snaps: readonly SnapshotInfo[],
  latest: number,
  opts: Pick<StageOptions, "since" | "until" | "now">,
): SourceSkip[] {
  const ref = opts.now ?? latest;
  const since = resolveTimeSpec(opts.since, ref);
  const until = resolveTimeSpec(opts.until, ref);
  return snaps.flatMap((s) =>
    s.sourceSkipped && (since === null || s.ts > since) && (until === null || s.ts <= until)
      ? s.sourceSkipped
      : [],
  );
}

async function readOnce(
  c: DuckDBConnection,
  foundIn: FoundInputs,
  excluded: readonly SkippedInput[],
  opts: StageOptions,
  prune: boolean,
  footers: FooterSource,
): Promise<{ cat: Catalog; guessedLatest: number | null }> {
  let sidSeq = 0;
  const nextSid = () => sidSeq++;
  const hostFilter = opts.host ? parseHostFilter(opts.host) : null;
  const gone = new Set(excluded.map((x) => x.file));
  const flatFiles = foundIn.parquet.filter((f) => !gone.has(f));
  opts.progress(
    `reading footers of ${flatFiles.length} Parquet file(s) outside ${HOST_DIR_PREFIX}/${DATE_DIR_PREFIX} folders`,
  );
  const flatRead = await footers.read(flatFiles, nextSid);
  // Outside the layout too, a compacted file's originals beside it are read once (ingest/compacted.ts).
  const flatCovered = coveredPaths(flatRead.snaps);
  const flat: ParquetCatalog = {
    ...flatRead,
    snaps: flatRead.snaps.filter((s) => s.member !== undefined || !flatCovered.has(s.file)),
  };
  let otherLatest: number | null = null;
  for (const s of flat.snaps)
    if ((!hostFilter || hostFilter.matches(s.host)) && (otherLatest === null || s.ts > otherLatest))
      otherLatest = s.ts;
  const wallClockSec = Date.now() / 1000;
  const hive = await readHiveCatalog(c, foundIn.hiveDays, {
    since: opts.since,
    until: opts.until,
    now: opts.now,
    wallClockSec,
    otherLatest: foundIn.jsonl.length > 0 ? null : otherLatest,
    gone,
    prune: prune && foundIn.jsonl.length === 0,
    nextSid,
    footers,
  });
  // Whatever a date folder holds besides snapshot names is read like any input outside the layout.
  const extra = hive.others.length ? discoverInputs(hive.others) : null;
  const extraPq = extra
    ? await footers.read(
        extra.parquet.filter((f) => !gone.has(f)),
        nextSid,
      )
    : null;
  const found: FoundInputs = {
    ...foundIn,
    parquet: [
      ...foundIn.parquet.filter((f) => !flatCovered.has(f)),
      ...hive.selected,
      ...(extra?.parquet ?? []),
    ].sort(),
    jsonl: [...foundIn.jsonl, ...(extra?.jsonl ?? [])].sort(),
    status: [...foundIn.status, ...(extra?.status ?? [])],
    syntheticMarkers: [...foundIn.syntheticMarkers, ...(extra?.syntheticMarkers ?? [])],
    skipped: [...foundIn.skipped, ...(extra?.skipped ?? [])],
  };
  const pq: ParquetCatalog = {
    snaps: [...flat.snaps, ...hive.snaps, ...(extraPq?.snaps ?? [])],
    skipped: [...flat.skipped, ...hive.skipped, ...(extraPq?.skipped ?? [])],
    syntheticLabels: [...flat.syntheticLabels, ...hive.syntheticLabels, ...(extraPq?.syntheticLabels ?? [])],
  };
  const discovery: Discovery = {
    listed: flatFiles.length + hive.listed + (extra?.parquet.length ?? 0),
    opened: footers.opensFiles ? flatFiles.length + hive.opened + (extra?.parquet.length ?? 0) : 0,
    hostFoldersPruned: foundIn.prunedHosts,
    dateFolders: hive.daysTotal,
    dateFoldersListed: hive.daysListed,
    prunedBefore: hive.prunedBefore,
  };
  opts.progress(
    `read ${discovery.opened} footer(s) of ${discovery.listed} snapshot file(s) listed (${hive.daysListed} of ${hive.daysTotal} date folder(s) listed, ${foundIn.prunedHosts} host folder(s) left out by --host)`,
  );
  opts.progress(`reading ${found.jsonl.length} JSONL file(s)`);
  const lg = await loadLegacyCatalog(
    c,
    found.jsonl,
    hostFilter?.single ?? null,
    nextSid,
    opts.jsonlRowsInDuckDB === true || pq.snaps.length > 0,
  );
  const fileSkips = [...found.skipped, ...excluded, ...pq.skipped];
  const times = rejectImpossibleTimes([...pq.snaps, ...lg.snaps], {
    now: opts.now,
    wallClockSec,
  });
  let snaps: SnapshotInfo[] = times.kept;
  // Legacy JSONL carries no host: a single literal --host names it, else its folder does (and is matched).
  if (hostFilter)
    snaps = snaps.filter(
      (s) => (s.format === "jsonl" && hostFilter.single !== null) || hostFilter.matches(s.host),
    );
  let latest = Number.NEGATIVE_INFINITY;
  for (const s of snaps) if (s.ts > latest) latest = s.ts;
  // Of every Parquet snapshot of the selected hosts, impossible times included (without a window, all count,
  // as in a report on the JSONL).
  const source = sumSourceSkips(
    recordedSkipsInWindow(
      pq.snaps.filter((s) => !hostFilter || hostFilter.matches(s.host)),
      latest,
      opts,
    ),
  );
  const skips: SkipTally = {
    list: [...fileSkips, ...source.list, ...lg.skipped, ...times.skipped],
    count: fileSkips.length + source.count + lg.skippedCount + times.skipped.length,
    lostUnits:
      fileSkips.length + source.lostUnits + (lg.skippedCount - lg.invalidRows) + times.skipped.length,
    invalidRows: source.invalidRows + lg.invalidRows,
    sourceUnits: source.lostUnits,
    sourceRows: source.invalidRows,
    lostFiles: [...fileSkips, ...times.skipped].map((x) => x.file),
    invalidByFile: new Map(),
  };
  if (snaps.length === 0)
    throw new ReportError(
      EXIT.USAGE,
      `no usable snapshot${opts.host ? ` for host ${opts.host}` : ""} in ${opts.inputs.join(", ")}: ${skips.count} file(s)/line(s) skipped${
        skips.list[0]
          ? ` (first: ${skips.list[0].file}${skips.list[0].line ? `:${skips.list[0].line}` : ""}: ${skips.list[0].reason})`
          : ""
      }`,
    );
  const cat: Catalog = {
    found,
    parquet: pq,
    legacy: lg,
    snaps,
    latest,
    skips,
    discovery,
    syntheticLabels: [
      ...pq.syntheticLabels,
      ...found.syntheticMarkers.map(
        (f) => readFileSync(f, "utf8").split("\n")[0]!.trim() || "synthetic data",
      ),
    ],
    writeErrors: readWriteErrors(found.status),
  };
  return { cat, guessedLatest: hive.guessedLatest };
}
