// `ibsr-report --profile nr-ibsr`: the public Rust reference reporter's conformance pipeline
// (NullRabbitLabs/nr-ibsr c860aa9), reproduced byte for byte for comparison and migration. It shares no
// arithmetic with the default profile on purpose: its job is to be exactly as wrong as the reference
// (see docs/differences-from-nr-ibsr.md). The spec is shared/reference/nr-ibsr-reporter.md.
import { mkdir, rename, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { EXIT, ReportError } from "../../exit-codes.js";
import { type Allowlist, emptyAllowlist, loadAllowlist } from "./allowlist.js";
import { defaultConfig, loadConfig } from "./config.js";
import { analyse } from "./pipeline.js";
import { REPORT_VERSION, renderEvidence, renderReport, renderRules, renderSummary } from "./render.js";
import { loadSnapshots } from "./snapshots.js";

export { AllowlistError } from "./allowlist.js";
export { ConfigError } from "./config.js";
export { SnapshotLoadError } from "./snapshots.js";

export interface NrIbsrOptions {
  /** Directories of `*.jsonl` snapshots (a fixture directory's `snapshots/` is found too) or single files. */
  inputs: string[];
  outDir: string;
  /** The reference's config.json (window_sec, thresholds, ...); CLI defaults when absent. */
  configPath?: string;
  allowlistPath?: string;
  /** The clock (rules `generated_at`): unix seconds, or an ISO-8601 time; the wall clock when absent. */
  now?: string;
}

export interface NrIbsrResult {
  files: string[];
  summary: unknown;
  /** summary.json's report_version (the reference's, not the default profile's), for the directory marker. */
  reportVersion: number;
  /** What the reference CLI prints on success (sources analysed, blocked count, readiness). */
  stdout: string;
}

/** Exit code 2 (usage). */
export class NowError extends ReportError {
  override name = "NowError";
  constructor(message: string) {
    super(EXIT.USAGE, message);
  }
}

/** `--now`: unix seconds ("1005") or an ISO-8601 time ("2026-11-26T05:00:00Z"), as u64 seconds. */
export function parseNow(now: string | undefined): bigint {
  if (now === undefined) return BigInt(Math.floor(Date.now() / 1000));
  const t = now.trim();
  if (/^[0-9]+$/.test(t)) return BigInt(t);
  const ms = Date.parse(t);
  if (Number.isNaN(ms) || ms < 0) {
    throw new NowError(`--now ${JSON.stringify(now)}: expected unix seconds (like 1005) or an ISO-8601 time`);
  }
  return BigInt(Math.floor(ms / 1000));
}

/** Writes through a temporary sibling and renames, so a reader never sees half a file. */
async function writeAtomic(path: string, text: string): Promise<void> {
  const tmp = `${path}.tmp-${process.pid}`;
  await writeFile(tmp, text);
  await rename(tmp, path);
}

export async function runNrIbsrProfile(opts: NrIbsrOptions): Promise<NrIbsrResult> {
  const now = parseNow(opts.now);
  const snapshots = await loadSnapshots(opts.inputs);
  const cfg = opts.configPath === undefined ? defaultConfig() : await loadConfig(opts.configPath);
  const allowlist: Allowlist =
    opts.allowlistPath === undefined ? emptyAllowlist() : await loadAllowlist(opts.allowlistPath);
  const analysis = analyse(snapshots, cfg, allowlist);
  const rules = renderRules(analysis, cfg, allowlist, now);
  const texts: [string, string][] = [
    ["rules.json", rules],
    ["report.md", renderReport(analysis, cfg, allowlist, rules)],
    ["evidence.csv", renderEvidence(analysis)],
  ];
  const summary = renderSummary(analysis, cfg);
  texts.push(["summary.json", summary.text]);
  const outDir = resolve(opts.outDir);
  await mkdir(outDir, { recursive: true });
  const files: string[] = [];
  for (const [name, text] of texts) {
    const path = join(outDir, name);
    await writeAtomic(path, text);
    files.push(path);
  }
  const blocked = analysis.decisions.filter((d) => d.block).length;
  const lines = [
    `Generated files in ${opts.outDir}:`,
    ...texts.map(([name]) => `  - ${name}`),
    "",
    `Analyzed ${analysis.decisions.length} sources, ${blocked} would be blocked`,
    "",
  ];
  if (analysis.readinessReasons.length === 0) lines.push("Readiness: SAFE for autonomous enforcement");
  else {
    lines.push("Readiness: NOT SAFE for autonomous enforcement");
    for (const r of analysis.readinessReasons) lines.push(`  - ${r}`);
  }
  return {
    files,
    summary: JSON.parse(summary.text) as unknown,
    reportVersion: REPORT_VERSION,
    stdout: `${lines.join("\n")}\n`,
  };
}
