// Stage 3, heavyPass: one scan of every stored delta in the window (candidates, per-interval and per-port
// totals, invalid rows), then the per-key table in DuckDB. A file whose data turns out unreadable makes the
// run start again without it (RetryWithout).
import type { DuckDBConnection } from "@duckdb/node-api";
import { buildKeyTable, type KeyTableStats } from "../analysis/key-table.js";
import { EXIT, ReportError } from "../exit-codes.js";
import { scanFromCandidates } from "../heavy/candidates.js";
import { classifyEngineError } from "../ingest/engine-errors.js";
import { IN_PROCESS_SCAN_MESSAGE, scanJsonl } from "../ingest/jsonl-scan.js";
import { findUnreadableParquet } from "../ingest/parquet-catalog.js";
import { type ScanResult, scan } from "../ingest/scan.js";
import type { SkippedInput } from "../model.js";
import { plural } from "../render/format.js";
import type { Timeline } from "./build-intervals.js";
import type { StageOptions } from "./options.js";
import type { Catalog } from "./read-catalog.js";

/** Thrown inside one attempt when the scan met Parquet files whose data is unreadable: run again without them. */
export class RetryWithout extends Error {
  constructor(readonly files: SkippedInput[]) {
    super("retry without unreadable files");
  }
}

export interface HeavyPass {
  scan: ScanResult;
  keys: KeyTableStats;
}

export async function heavyPass(
  c: DuckDBConnection,
  cat: Catalog,
  tl: Timeline,
  opts: StageOptions,
): Promise<HeavyPass> {
  let sc: ScanResult;
  if (opts.candidates) {
    if (cat.legacy.snaps.length > 0)
      throw new ReportError(
        EXIT.USAGE,
        `--candidates works on collector Parquet snapshots only: the inputs include reference-collector JSONL (${cat.found.jsonl[0]}), whose heavy pass no SQL engine runs; report on it without --candidates (the heavy pass then runs here), or leave the JSONL files out of the inputs`,
      );
    opts.progress(`reading the heavy pass's result from ${opts.candidates}`);
    sc = await scanFromCandidates(c, opts.candidates, tl, opts.cfg.block_duration_sec);
    return finish(c, cat, sc, opts);
  }
  const inProcess = cat.legacy.inProcess;
  opts.progress(`${inProcess ? IN_PROCESS_SCAN_MESSAGE : "scanning"}: ${plural(tl.live.length, "interval")}`);
  if (inProcess) {
    try {
      sc = await scanJsonl(
        c,
        {
          ...inProcess,
          live: tl.live,
          perHost: new Set(tl.runs.map((r) => r.host)).size > 1,
          ports: opts.ports,
        },
        opts.cfg,
      );
    } finally {
      inProcess.spool.dispose();
      cat.legacy.inProcess = null;
    }
    return finish(c, cat, sc, opts);
  }
  try {
    sc = await scan(
      c,
      {
        runs: tl.runs,
        intervals: tl.intervals,
        snapsById: tl.snapsById,
        ports: opts.ports,
        hasJsonl: cat.legacy.snaps.length > 0,
        batchFiles: opts.scanBatchFiles,
      },
      opts.cfg,
    );
  } catch (e) {
    if (e instanceof ReportError || classifyEngineError(e) === "engine") throw e;
    opts.progress("the scan failed on file content: reading each Parquet file to find the unreadable one(s)");
    const bad = await findUnreadableParquet(
      c,
      cat.parquet.snaps.map((s) => s.file),
    );
    if (bad.length === 0) throw e;
    throw new RetryWithout(bad);
  }
  return finish(c, cat, sc, opts);
}

/** Invalid rows into the skipped list, then the key table. */
async function finish(
  c: DuckDBConnection,
  cat: Catalog,
  sc: ScanResult,
  opts: StageOptions,
): Promise<HeavyPass> {
  const skips = cat.skips;
  for (const x of sc.invalid) {
    skips.list.push({ file: x.file, line: null, reason: `${plural(x.rows, "row")} skipped: ${x.reason}` });
    skips.count += x.rows;
    skips.invalidRows += x.rows;
    skips.invalidByFile.set(x.file, (skips.invalidByFile.get(x.file) ?? 0) + x.rows);
  }
  opts.progress("counting keys");
  const keys = await buildKeyTable(c, opts.allowlist);
  return { scan: sc, keys };
}
