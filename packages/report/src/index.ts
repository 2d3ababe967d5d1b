// @ibsr/report: the reporter as a library (the CLI is cli.ts). Renderers read ReportModel only.
export { type Allowlist, EMPTY_ALLOWLIST, loadAllowlist, parseAllowlist } from "./allowlist.js";
export { DEFAULT_CONFIG, loadConfigFile, resolveConfig } from "./config.js";
export { type ReportResult, type RunReportOptions, runReport } from "./engine.js";
export { EXIT, type ExitCode, ReportError } from "./exit-codes.js";
export { TEMPLATE_ENV as JSONL_TEMPLATE_ENV } from "./ingest/jsonl-buckets.js";
export * from "./model.js";
export { NFT_SETS, NFT_TABLE, renderRulesNft, renderRulesTxt } from "./render/rules-export.js";
export {
  ALL_FORMATS,
  type Generated,
  type GenerateOptions,
  generateReport,
  type OutputFormat,
} from "./report.js";
export { parseTimeSpec, type TimeSpec } from "./timespec.js";
