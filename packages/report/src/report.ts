// Generates a report directory for the default profile: engine -> model -> renderers -> one writer.
import { dirname } from "node:path";
import type { Allowlist } from "./allowlist.js";
import { type ReportResult, type RunReportOptions, runReport } from "./engine.js";
import type { OutputFormat } from "./formats.js";
import type { ReportModel } from "./model.js";
import { type StagedOutput, stageOutput } from "./output.js";
import { renderEvidenceFile } from "./render/csv.js";
import { renderHtml } from "./render/html.js";
import { renderSummaryJson } from "./render/json.js";
import { renderMarkdown } from "./render/markdown.js";
import {
  renderHostRulesNft,
  renderHostRulesTxt,
  renderRulesNft,
  renderRulesTxt,
} from "./render/rules-export.js";

export { ALL_FORMATS, type OutputFormat } from "./formats.js";

export interface GenerateOptions extends Omit<RunReportOptions, "outputs" | "scratchDir"> {
  outDir: string | null;
  formats: readonly OutputFormat[];
  allowlist: Allowlist;
}

export interface Generated {
  outDir: string;
  files: string[];
  result: ReportResult;
  summaryJson: string;
  /** The history record appended (null: history off or nothing recorded). */
  historyFile: string | null;
  /** Why the history record could not be appended although the report was written (a warning, not a failure). */
  historyWarning: string | null;
}

/** Every file's renderer: each a pure function of the model. */
const RENDERERS: Readonly<Record<string, (m: ReportModel) => string>> = {
  "report.html": renderHtml,
  "report.md": renderMarkdown,
  "summary.json": renderSummaryJson,
  "rules.json": (m) => m.rules.json,
  "rules.nft": renderRulesNft,
  "rules.txt": renderRulesTxt,
  "evidence.csv": renderEvidenceFile,
};

/** A fleet report's per-host rules files (names from the model, already safe as plain file names). */
function hostFileRenderer(m: ReportModel, name: string): ((m: ReportModel) => string) | undefined {
  for (const h of m.rules.byHost ?? []) {
    if (name === h.files.json) return () => h.rules.json;
    if (name === h.files.nft) return (mm) => renderHostRulesNft(mm, h);
    if (name === h.files.txt) return (mm) => renderHostRulesTxt(mm, h);
  }
  return undefined;
}

/** Files the engine produced whole, by name: where the model says they are. */
const ARTIFACTS: Readonly<Record<string, (m: ReportModel) => string | undefined>> = {
  "evidence.parquet": (m) => m.machine.evidence.parquet?.path,
};

export function defaultOutDir(model: ReportModel): string {
  return `./ibsr-report-${model.generatedAt.iso.slice(0, 10)}`;
}

/**
 * The one writer: every file the model lists, rendered or moved into the staging directory, then committed.
 * `rendered` receives each rendered text by file name (so a caller that also prints one renders it once).
 */
export function writeReport(
  pending: StagedOutput,
  model: ReportModel,
  outDir: string | null,
  rendered: Map<string, string> = new Map(),
): string {
  for (const name of model.files) {
    const render = RENDERERS[name] ?? hostFileRenderer(model, name);
    const artifact = ARTIFACTS[name]?.(model);
    if (render) {
      const text = render(model);
      rendered.set(name, text);
      pending.write(name, text);
    } else if (artifact !== undefined) pending.moveIn(name, artifact);
    else throw new Error(`the report model lists ${name}, which nothing renders`);
  }
  return outDir === null
    ? pending.commitTo(
        defaultOutDir(model),
        `the default output directory ${defaultOutDir(model)} (give -o to choose another)`,
      )
    : pending.commitTo(outDir);
}

export async function generateReport(opts: GenerateOptions): Promise<Generated> {
  // Without -o the directory is named after generated_at, known only after reading: stage in the working
  // directory under a temporary name, then rename (same filesystem, so still atomic).
  const pending = stageOutput(
    opts.outDir ?? `./.ibsr-report-pending-${process.pid}`,
    opts.inputs,
    opts.outDir === null ? "the working directory (where the default output directory goes)" : undefined,
  );
  let result: ReportResult | null = null;
  try {
    result = await runReport({ ...opts, outputs: opts.formats, scratchDir: dirname(pending.staging) });
    const model = result.model;
    const rendered = new Map<string, string>();
    opts.progress?.("rendering and writing");
    const outDir = writeReport(pending, model, opts.outDir, rendered);
    opts.progress?.("written");
    const summaryJson = rendered.get("summary.json") ?? renderSummaryJson(model);
    // Only a written report is recorded: the record is linked into the store after the commit.
    let historyFile: string | null = null;
    let historyWarning: string | null = null;
    try {
      historyFile = result.history?.commit() ?? null;
    } catch (e) {
      historyWarning = `the report was written, but its history record could not be added to ${model.history?.dir}: ${(e as Error).message}`;
    }
    if (model.history && !model.history.recorded)
      historyWarning = model.history.notes.find((n) => n.includes("cannot be written")) ?? historyWarning;
    return { outDir, files: model.files, result, summaryJson, historyFile, historyWarning };
  } catch (e) {
    pending.abort();
    throw e;
  } finally {
    result?.dispose();
  }
}
