// The flags a report and `explain` share (window, host, ports, thresholds, config, allowlist, engine): one
// definition of each, read and validated the same way for both commands. Loads nothing heavy (no DuckDB).
import { FlagError, type FlagSpec, parseFlags } from "@ibsr/contract/cli";
import { EMPTY_ALLOWLIST, loadAllowlist } from "./allowlist.js";
import {
  CONFIG_HELP,
  CONFIG_KEYS,
  CONFIG_RANGES,
  type ConfigKey,
  DEFAULT_CONFIG,
  loadConfigFile,
  parseConfigFlag,
  resolveConfig,
  strictNumber,
} from "./config.js";
import { EXIT, ReportError } from "./exit-codes.js";
import { checkMemoryLimit, checkThreads, type EngineOptions } from "./ingest/engine-options.js";
import { hostFlagText } from "./ingest/host-filter.js";
import type { ReportConfig } from "./model.js";
import type { RunInputs } from "./stages/options.js";
import { parseTimeSpec, resolveTimeSpec, type TimeSpec } from "./timespec.js";

export const flagName = (k: ConfigKey) => k.replaceAll("_", "-");

const WINDOW = "Input and window";
const THRESHOLDS = "Thresholds (override --config)";
const ENGINE = "Engine (DuckDB)";

/** The placeholder of a threshold flag in help, from its range. */
function thresholdValue(k: ConfigKey): string {
  const r = CONFIG_RANGES[k];
  if (k.endsWith("_sec")) return "seconds";
  if (r.max === 1) return "ratio";
  if (r.max === 100) return "percent";
  return r.integer ? "count" : "rate";
}

/** The flags a report and `explain` share, in help order. */
export const RUN_FLAG_SPECS: readonly FlagSpec[] = [
  {
    name: "since",
    kind: "string",
    value: "time",
    group: WINDOW,
    help: "Start of the window: Unix seconds, ISO 8601 (UTC unless it has an offset), or relative like -24h",
  },
  { name: "until", kind: "string", value: "time", group: WINDOW, help: "End of the window (same forms)" },
  {
    name: "now",
    kind: "string",
    value: "time",
    group: WINDOW,
    help: "Reference time for relative --since/--until and generated_at",
    default: "latest snapshot",
  },
  {
    name: "host",
    kind: "list",
    value: "name,...",
    group: WINDOW,
    help: "Only these hosts: names or glob patterns (edge-*), comma-separated or repeated; \\ makes a character literal. One plain name also names legacy JSONL's host",
  },
  {
    name: "dst-ports",
    kind: "list",
    value: "port,...",
    group: WINDOW,
    help: "Only these destination ports, comma-separated",
  },
  {
    name: "allowlist",
    kind: "string",
    value: "file",
    group: THRESHOLDS,
    help: "File of IPv4/IPv6 addresses and CIDRs never to block",
  },
  {
    name: "config",
    kind: "string",
    value: "file.json",
    group: THRESHOLDS,
    help: "JSON file of thresholds (flags override it)",
  },
  ...CONFIG_KEYS.map(
    (k): FlagSpec => ({
      name: flagName(k),
      kind: "number",
      value: thresholdValue(k),
      group: THRESHOLDS,
      help: CONFIG_HELP[k],
      default: String(DEFAULT_CONFIG[k]),
    }),
  ),
  {
    name: "memory-limit",
    kind: "string",
    value: "size",
    group: ENGINE,
    help: "DuckDB memory limit, e.g. 2GB",
    default: "40% of RAM, at most 4 GB",
  },
  { name: "threads", kind: "number", value: "count", group: ENGINE, help: "DuckDB threads", range: "1-256" },
  {
    name: "temp-dir",
    kind: "string",
    value: "dir",
    group: ENGINE,
    help: "DuckDB spill directory",
    default: "a fresh one under the OS temp dir",
  },
];

/**
 * Reads argv against a command's flags: values by long name, and the positional words. A shape error
 * (unknown flag, missing value, repeated flag) is a usage error naming the flag, with a suggestion.
 */
export function parseCommandFlags(
  argv: string[],
  specs: readonly FlagSpec[],
  command: string,
): { raw: Record<string, unknown>; positionals: string[] } {
  try {
    const { values, positionals } = parseFlags(argv, specs);
    return { raw: Object.fromEntries(values), positionals };
  } catch (e) {
    if (!(e instanceof FlagError)) throw e;
    const near = e.suggestion ? `; did you mean ${e.suggestion}?` : "";
    throw new ReportError(EXIT.USAGE, `${e.message}${near} (see ${command} --help)`);
  }
}

/**
 * The one value of a single-valued flag (undefined when absent). An empty value is refused, naming the flag
 * (a repeated flag is refused by the parser).
 */
export function oneValue(args: Record<string, unknown>, name: string): string | undefined {
  const v = args[name];
  if (v === undefined) return undefined;
  if (Array.isArray(v)) throw new ReportError(EXIT.USAGE, `--${name} given ${v.length} times (give it once)`);
  const s = String(v);
  if (s.trim() === "") throw new ReportError(EXIT.USAGE, `--${name}: empty value`);
  return s;
}

function parseThreads(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const problem = checkThreads(strictNumber(text));
  if (problem) throw new ReportError(EXIT.USAGE, `--threads ${JSON.stringify(text)}: ${problem}`);
  return Number(text);
}

function parseMemoryLimit(text: string | undefined): string | undefined {
  if (text === undefined) return undefined;
  const problem = checkMemoryLimit(text);
  if (problem) throw new ReportError(EXIT.USAGE, `--memory-limit ${JSON.stringify(text)}: ${problem}`);
  return text.trim();
}

function parsePorts(values: unknown): number[] | null {
  if (values === undefined) return null;
  const list = (Array.isArray(values) ? values : [values]).flatMap((v) => String(v).split(","));
  const out: number[] = [];
  for (const raw of list) {
    const s = raw.trim();
    if (s === "") continue;
    const n = Number(s);
    if (!/^\d+$/.test(s) || n < 1 || n > 65535)
      throw new ReportError(EXIT.USAGE, `--dst-ports: ${JSON.stringify(s)} is not a TCP port (1-65535)`);
    out.push(n);
  }
  if (out.length === 0)
    throw new ReportError(EXIT.USAGE, "--dst-ports: no port given (e.g. --dst-ports 80,443)");
  return [...new Set(out)].sort((a, b) => a - b);
}

/** The shared flags as given, checked for form (files are read later, by resolveRunInputs). */
export interface RunFlags {
  configPath: string | undefined;
  allowlistPath: string | undefined;
  nowText: string | undefined;
  now: TimeSpec | null;
  since: TimeSpec | null;
  until: TimeSpec | null;
  host: string | undefined;
  ports: number[] | null;
  engine: EngineOptions;
  thresholds: Partial<ReportConfig>;
}

/** Reads and checks the shared flags (usage errors name the flag). */
export function readRunFlags(raw: Record<string, unknown>): RunFlags {
  const configPath = oneValue(raw, "config");
  const allowlistPath = oneValue(raw, "allowlist");
  const nowText = oneValue(raw, "now");
  const sinceText = oneValue(raw, "since");
  const untilText = oneValue(raw, "until");
  const host = hostFlagText(raw.host);
  const memoryLimit = parseMemoryLimit(oneValue(raw, "memory-limit"));
  const threads = parseThreads(oneValue(raw, "threads"));
  const tempDirectory = oneValue(raw, "temp-dir");
  const thresholds: Partial<ReportConfig> = {};
  for (const k of CONFIG_KEYS) {
    const v = oneValue(raw, flagName(k));
    if (v !== undefined) thresholds[k] = parseConfigFlag(k, v);
  }
  return {
    configPath,
    allowlistPath,
    nowText,
    host,
    engine: { memoryLimit, threads, tempDirectory },
    thresholds,
    ...parseWindow(raw, nowText, sinceText, untilText),
  };
}

function parseWindow(
  raw: Record<string, unknown>,
  nowText: string | undefined,
  sinceText: string | undefined,
  untilText: string | undefined,
): Pick<RunFlags, "now" | "since" | "until" | "ports"> {
  const ports = raw["dst-ports"] === undefined ? null : parsePorts(raw["dst-ports"]);
  const now = nowText === undefined ? null : parseTimeSpec(nowText, "--now");
  if (now?.kind === "rel")
    throw new ReportError(EXIT.USAGE, "--now must be an absolute time (Unix seconds or ISO 8601)");
  const since = sinceText === undefined ? null : parseTimeSpec(sinceText, "--since");
  const until = untilText === undefined ? null : parseTimeSpec(untilText, "--until");
  return { now, since, until, ports };
}

/** Loads the config file and allowlist (exit 3 when invalid) and returns what the stages read. */
export function resolveRunInputs(f: RunFlags, inputs: string[]): RunInputs {
  const fileCfg = f.configPath === undefined ? {} : loadConfigFile(f.configPath);
  return {
    inputs,
    cfg: resolveConfig(fileCfg, f.thresholds),
    allowlist: f.allowlistPath === undefined ? EMPTY_ALLOWLIST : loadAllowlist(f.allowlistPath),
    since: f.since,
    until: f.until,
    now: resolveTimeSpec(f.now, 0),
    host: f.host ?? null,
    ports: f.ports,
  };
}
