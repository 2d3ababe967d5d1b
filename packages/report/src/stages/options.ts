// The options of a run that the stages read (the engine's RunReportOptions extends them).
import type { Allowlist } from "../allowlist.js";
import type { ReportConfig } from "../model.js";
import type { TimeSpec } from "../timespec.js";

export interface RunInputs {
  inputs: string[];
  cfg: ReportConfig;
  allowlist: Allowlist;
  since: TimeSpec | null;
  until: TimeSpec | null;
  now: number | null;
  host: string | null;
  ports: number[] | null;
  /** Read the heavy pass's result from this file (heavy/candidates.ts) instead of scanning the rows. */
  candidates?: string | null;
  /** With candidates: the snapshot catalog from this sidecar (heavy/sidecar-catalog.ts), no footer opened. */
  catalog?: string | null;
  /**
   * Keep JSONL deltas in DuckDB (jrows) and run the heavy pass over them in SQL, as inputs mixed with Parquet
   * do: `explain` reads jrows, and tests compare the two paths. Otherwise JSONL-only input is scanned in process.
   */
  jsonlRowsInDuckDB?: boolean;
  /** Parquet files per scan batch (ingest/scan.ts SCAN_BATCH_FILES when absent; tests set it small). */
  scanBatchFiles?: number;
}

/** What every stage reads: the run's inputs and a progress callback (a no-op when none was given). */
export interface StageOptions extends RunInputs {
  progress: (msg: string) => void;
}
