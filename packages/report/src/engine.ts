// The default profile end to end, as named stages (stages/): readCatalog -> buildIntervals -> heavyPass ->
// simulateKeys -> decideVerdict -> keyEvidence -> assembleModel -> history. The model it returns is complete: renderers
// and the writer need nothing else.

import { EXIT, ReportError } from "./exit-codes.js";
import type { OutputFormat } from "./formats.js";
import { sidecarFooters } from "./heavy/sidecar-catalog.js";
import type { PendingRecord } from "./history/store.js";
import { discoverInputs } from "./ingest/discover.js";
import { type EngineOptions, withDuckDB } from "./ingest/duckdb.js";
import { classifyEngineError, engineFailure } from "./ingest/engine-errors.js";
import { parseHostFilter } from "./ingest/host-filter.js";
import { JSONL_RETRY_MESSAGE, JsonlSumPastExact } from "./ingest/jsonl-scan.js";
import {
  type EpisodeRow,
  type EvidenceRow,
  type ReportModel,
  ROLLUP_ROWS_CAP,
  type SkippedInput,
  type SourceRow,
} from "./model.js";
import { makeScratchDir, type ScratchDir } from "./scratch.js";
import { assembleModel } from "./stages/assemble-model.js";
import { buildIntervals } from "./stages/build-intervals.js";
import { decideVerdict } from "./stages/decide-verdict.js";
import { heavyPass, RetryWithout } from "./stages/heavy-pass.js";
import { type HistoryOptions, historyStage } from "./stages/history.js";
import { keyEvidence } from "./stages/key-evidence.js";
import type { RunInputs, StageOptions } from "./stages/options.js";
import { type FoundInputs, readCatalog } from "./stages/read-catalog.js";
import { simulateKeys } from "./stages/simulate-keys.js";
import { pushAll } from "./util.js";

export type { EvidenceRow } from "./model.js";

export interface RunReportOptions extends RunInputs {
  engine?: EngineOptions;
  /** The output formats: the model lists their files; evidence.parquet is produced when csv is among them. */
  outputs?: readonly OutputFormat[];
  /** Where the engine creates its directory for whole files (evidence.parquet): the output's parent, so they move by rename. */
  scratchDir?: string;
  progress?: (msg: string) => void;
  /** The history store to read and append to (stages/history.ts); absent or null: no history. */
  history?: HistoryOptions | null;
}

export interface ReportResult {
  model: ReportModel;
  /** Every key with a hot interval, sorted by family, address, prefix length, port. */
  sources: SourceRow[];
  /**
   * evidence.csv's rows: every key with traffic in the window, same order, when there are at most
   * SUMMARY_SOURCES_CAP; else that many with the most would-drop packets, then packets (evidence.parquet has all).
   */
  evidence: EvidenceRow[];
  /** Keys with traffic in the window (rows of evidence.parquet). */
  evidenceTotal: number;
  episodes: EpisodeRow[];
  /** Every skipped input (the model keeps the first SKIP_REASONS_SHOWN). */
  skipped: SkippedInput[];
  /** This report's history record, written to a temp file: commit() once the report is written. */
  history: PendingRecord | null;
  /** Removes the engine's artifacts (model.machine.evidence.parquet) once the report is written or abandoned. */
  dispose(): void;
}

/**
 * The snapshot files under the inputs, host folders --host cannot select left out (date folders are listed
 * later, by the window); a usage error when there is nothing at all.
 */
export function discoverSnapshots(inputs: readonly string[], host: string | null = null): FoundInputs {
  const found = discoverInputs(inputs, host ? parseHostFilter(host) : null);
  const nothing =
    found.parquet.length + found.jsonl.length + found.skipped.length + found.hiveDays.length === 0;
  if (nothing && found.prunedHosts > 0)
    throw new ReportError(
      EXIT.USAGE,
      `--host ${host}: no host=<name> folder under ${inputs.join(", ")} can hold such a host (${found.prunedHosts} host folder(s) left out); check the name or pattern`,
    );
  if (nothing)
    throw new ReportError(
      EXIT.USAGE,
      `no snapshot files under ${inputs.join(", ")} (looked for *.parquet from ibsr-collect and *.jsonl[.gz] from the reference collector)`,
    );
  return found;
}

export async function runReport(opts: RunReportOptions): Promise<ReportResult> {
  const found = discoverSnapshots(opts.inputs, opts.host);
  const scratch = (opts.outputs ?? []).includes("csv") ? makeScratchDir(opts.scratchDir) : null;
  // A corrupt page shows only when the scan reads it: the run starts again without that file (each attempt
  // drops at least one file, so this ends), and the file is listed as skipped.
  const excluded: SkippedInput[] = [];
  let run = opts;
  try {
    for (;;) {
      try {
        return await reportOnce(run, found, excluded, scratch);
      } catch (e) {
        if (e instanceof JsonlSumPastExact && run.jsonlRowsInDuckDB !== true) {
          // Once at most: the DuckDB path sums exactly.
          run = { ...run, jsonlRowsInDuckDB: true };
          run.progress?.(JSONL_RETRY_MESSAGE);
          continue;
        }
        if (!(e instanceof RetryWithout)) throw e;
        pushAll(excluded, e.files);
      }
    }
  } catch (e) {
    scratch?.dispose();
    throw e;
  }
}

async function reportOnce(
  opts: RunReportOptions,
  found: FoundInputs,
  excluded: readonly SkippedInput[],
  scratch: ScratchDir | null,
): Promise<ReportResult> {
  const so: StageOptions = { ...opts, progress: opts.progress ?? (() => {}) };
  return withDuckDB(opts.engine ?? {}, async (c) => {
    try {
      const cat = await readCatalog(
        c,
        found,
        excluded,
        so,
        opts.catalog ? await sidecarFooters(c, opts.catalog, found) : undefined,
      );
      const tl = await buildIntervals(c, cat, so);
      const heavy = await heavyPass(c, cat, tl, so);
      const sim = simulateKeys(heavy, tl, so);
      const decided = decideVerdict(sim, cat, so);
      const ev = await keyEvidence(
        c,
        sim.sims,
        scratch,
        ROLLUP_ROWS_CAP,
        so,
        sim.hosts?.map((h) => h.sims) ?? null,
      );
      const assembled = assembleModel({ cat, tl, heavy, sim, decided, ev }, so, opts.outputs ?? []);
      const { sources, episodes } = assembled;
      const { model, pending } = await historyStage(c, assembled.model, sim, opts.history ?? null, so);
      return {
        model,
        sources,
        evidence: ev.rows,
        evidenceTotal: ev.total,
        episodes,
        skipped: cat.skips.list,
        history: pending,
        dispose: () => {
          pending?.abort();
          scratch?.dispose();
        },
      };
    } catch (e) {
      // Out of memory, temp space, interrupt: the run fails with a hint; never a verdict on part of the data.
      if (e instanceof ReportError || e instanceof RetryWithout || classifyEngineError(e) === "file") throw e;
      throw engineFailure(e, "building the report");
    }
  });
}
