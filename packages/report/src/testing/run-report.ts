// Tests run the engine the way the CLI does, with the defaults of an empty command line; each test states only
// what it changes (one helper instead of a copy of the option list in every test file).
import { EMPTY_ALLOWLIST } from "../allowlist.js";
import { DEFAULT_CONFIG } from "../config.js";
import { discoverSnapshots, type ReportResult, type RunReportOptions, runReport } from "../engine.js";
import { writeCatalogTable } from "../heavy/catalog-table.js";
import { withDuckDB } from "../ingest/duckdb.js";
import type { ReportConfig } from "../model.js";
import { readCatalog } from "../stages/read-catalog.js";

export type TestReportOptions = Partial<Omit<RunReportOptions, "cfg">> & { cfg?: Partial<ReportConfig> };

/** The run inputs of an empty command line (no allowlist, no window, no filters). */
export const DEFAULT_RUN_OPTIONS = {
  allowlist: EMPTY_ALLOWLIST,
  since: null,
  until: null,
  now: null,
  host: null,
  ports: null,
} as const;

/** runReport over `inputs` with default thresholds, no allowlist, no window and no filters, except `opts`. */
export function reportOn(inputs: string | string[], opts: TestReportOptions = {}): Promise<ReportResult> {
  return runReport({
    ...DEFAULT_RUN_OPTIONS,
    ...opts,
    inputs: Array.isArray(inputs) ? inputs : [inputs],
    cfg: { ...DEFAULT_CONFIG, ...opts.cfg },
  });
}

/** The catalog sidecar of `tree` written to `out`, as `ibsr-report catalog` writes it; its row count. */
export function writeSidecar(tree: string, out: string): Promise<number> {
  return withDuckDB({ threads: 1 }, async (c) => {
    const cat = await readCatalog(c, discoverSnapshots([tree]), [], {
      ...DEFAULT_RUN_OPTIONS,
      inputs: [tree],
      cfg: DEFAULT_CONFIG,
      progress: () => {},
    });
    return writeCatalogTable(c, cat.snaps, out);
  });
}
