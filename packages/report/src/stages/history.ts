// Stage 8, history: this report's record is written to a temp file in the history store (linked into place
// once the report itself is written), and the store's earlier records of the same scope become the model's
// history section. The store is never allowed to fail the report: an unwritable directory or an unreadable
// file is a note in the report, not an error (the report is the product).
import type { DuckDBConnection } from "@duckdb/node-api";
import { buildRecord } from "../history/record.js";
import { type PendingRecord, readStore, type StoreContents, writePending } from "../history/store.js";
import { historyTrends } from "../history/trends.js";
import type { ReportModel } from "../model.js";
import type { StageOptions } from "./options.js";
import type { Simulation } from "./simulate-keys.js";

/** Where the store is; null: history off (--no-history, and always for the nr-ibsr profile). */
export interface HistoryOptions {
  dir: string;
}

export interface HistoryStage {
  model: ReportModel;
  /** This report's record, to commit once the report is written (null: nothing to record). */
  pending: PendingRecord | null;
}

const errorText = (e: unknown) =>
  `${(e as NodeJS.ErrnoException).code ?? "error"}: ${(e instanceof Error ? e.message : String(e)).split("\n")[0]}`;

export async function historyStage(
  c: DuckDBConnection,
  model: ReportModel,
  sim: Simulation,
  history: HistoryOptions | null,
  opts: StageOptions,
): Promise<HistoryStage> {
  if (history === null) return { model, pending: null };
  opts.progress("history");
  const { dir } = history;
  const current = buildRecord(model, sim);
  let store: StoreContents = { records: [], skipped: [] };
  const writeNotes: string[] = [];
  try {
    store = await readStore(c, dir);
  } catch (e) {
    writeNotes.push(`The history store ${dir} cannot be read (${errorText(e)}): no earlier report compared.`);
  }
  if (current === null) {
    const notes = [
      ...writeNotes,
      "Nothing was analysed (no window): this report is not recorded in the history.",
    ];
    return { model: { ...model, history: emptyHistory(dir, notes) }, pending: null };
  }
  let pending: PendingRecord | null = null;
  try {
    pending = await writePending(c, dir, current);
  } catch (e) {
    writeNotes.push(
      `The history store ${dir} cannot be written (${errorText(e)}): this report is not recorded, so the next one cannot compare itself with it.`,
    );
  }
  const h = historyTrends({ dir, current, store, recorded: pending !== null, writeNotes });
  return { model: { ...model, history: h }, pending };
}

function emptyHistory(dir: string, notes: string[]): ReportModel["history"] {
  return {
    dir,
    recorded: false,
    earlierReports: 0,
    reports: [],
    leftOut: 0,
    hosts: null,
    keys: { rows: [], total: 0, leftOut: 0 },
    newKeys: 0,
    recurringKeys: 0,
    healthyBefore: { rows: [], total: 0, leftOut: 0 },
    thresholdChanges: [],
    notes,
  };
}
