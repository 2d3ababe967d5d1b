// Generates a report directory for the default profile: engine -> model -> renderers -> atomic output.
import { join } from "node:path";
import type { Allowlist } from "./allowlist.js";
import { type ReportResult, type RunReportOptions, runReport } from "./engine.js";
import type { ReportModel } from "./model.js";
import { stageOutput } from "./output.js";
import { capEvidence, renderEvidenceCsv } from "./render/csv.js";
import { renderHtml } from "./render/html.js";
import { renderSummaryJson, SUMMARY_SOURCES_CAP } from "./render/json.js";
import { renderMarkdown } from "./render/markdown.js";
import { buildRules } from "./render/rules.js";

export type OutputFormat = "html" | "md" | "json" | "csv";
export const ALL_FORMATS: readonly OutputFormat[] = ["html", "md", "json", "csv"];

export interface GenerateOptions extends Omit<RunReportOptions, "evidenceParquet"> {
  outDir: string | null;
  formats: readonly OutputFormat[];
  allowlist: Allowlist;
}

export interface Generated {
  outDir: string;
  files: string[];
  result: ReportResult;
  summaryJson: string;
}

export function defaultOutDir(model: ReportModel): string {
  return `./ibsr-report-${model.generatedAt.iso.slice(0, 10)}`;
}

export async function generateReport(opts: GenerateOptions): Promise<Generated> {
  const html = opts.formats.includes("html") ? renderHtml : null;
  const md = opts.formats.includes("md") ? renderMarkdown : null;
  // Without -o the directory is named after generated_at, known only after reading: stage in the working
  // directory under a temporary name, then rename (same filesystem, so still atomic).
  const pending = stageOutput(
    opts.outDir ?? `./.ibsr-report-pending-${process.pid}`,
    opts.inputs,
    opts.outDir === null ? "the working directory (where the default output directory goes)" : undefined,
  );
  try {
    const wantCsv = opts.formats.includes("csv");
    const result = await runReport({
      ...opts,
      evidenceParquet: wantCsv ? join(pending.staging, "evidence.parquet") : null,
    });
    const model = result.model;
    model.rules = buildRules(model, result.sources, opts.allowlist);
    const files: string[] = [];
    if (html) files.push("report.html");
    if (md) files.push("report.md");
    if (opts.formats.includes("json")) files.push("summary.json", "rules.json");
    if (wantCsv) files.push("evidence.csv", "evidence.parquet");
    model.files = files;
    const summaryJson = renderSummaryJson(model, result.sources, result.episodes);
    if (html) pending.write("report.html", html(model));
    if (md) pending.write("report.md", md(model));
    if (opts.formats.includes("json")) {
      pending.write("summary.json", summaryJson);
      pending.write("rules.json", model.rules.json);
    }
    if (wantCsv)
      pending.write(
        "evidence.csv",
        renderEvidenceCsv(capEvidence(result.evidence, SUMMARY_SOURCES_CAP).rows),
      );
    const outDir =
      opts.outDir === null
        ? pending.commitTo(
            defaultOutDir(model),
            `the default output directory ${defaultOutDir(model)} (give -o to choose another)`,
          )
        : pending.commitTo(opts.outDir);
    return { outDir, files, result, summaryJson };
  } catch (e) {
    pending.abort();
    throw e;
  }
}
