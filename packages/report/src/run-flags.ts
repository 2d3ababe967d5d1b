// The flags a report and `explain` share (window, host, ports, thresholds, config, allowlist, engine): one
// definition of each, read and validated the same way for both commands. Loads nothing heavy (no DuckDB).
import type { Argv } from "yargs";
import { EMPTY_ALLOWLIST, loadAllowlist } from "./allowlist.js";
import {
  CONFIG_HELP,
  CONFIG_KEYS,
  type ConfigKey,
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

/** Adds the shared flags to a command's parser. */
export function addRunFlags<T>(parser: Argv<T>): Argv<T> {
  let p = parser
    .option("allowlist", { type: "string", describe: "file of IPv4/IPv6 addresses and CIDRs never to block" })
    .option("config", { type: "string", describe: "JSON file of thresholds (flags override it)" })
    .option("since", {
      type: "string",
      describe: "start of the window: Unix seconds, ISO 8601, or relative like -24h",
    })
    .option("until", { type: "string", describe: "end of the window (same forms)" })
    .option("now", {
      type: "string",
      describe: "reference time for relative --since/--until and generated_at (default: latest snapshot)",
    })
    .option("host", {
      type: "string",
      describe:
        "only these hosts: names or glob patterns (edge-*), comma-separated or repeated; \\ makes a character literal. One plain name also names legacy JSONL's host",
    })
    .option("dst-ports", {
      type: "string",
      array: true,
      describe: "only these destination ports (comma-separated)",
    })
    .option("memory-limit", {
      type: "string",
      describe: "DuckDB memory limit, e.g. 2GB (default: 40% of RAM, at most 4 GB)",
    })
    .option("threads", { type: "string", describe: "DuckDB threads (1-256)" })
    .option("temp-dir", {
      type: "string",
      describe: "DuckDB spill directory (default: a fresh one under the OS temp dir)",
    }) as Argv<T>;
  for (const k of CONFIG_KEYS)
    p = p.option(flagName(k), { type: "string", describe: CONFIG_HELP[k] }) as Argv<T>;
  return p;
}

// A relative time like `--since -24h` (or a negative number like `--memory-limit -5GB`) looks like a cluster
// of short flags to yargs; join such a value to its flag (`--since=-24h`) so it is read, then judged, as typed.
const TIME_FLAGS = new Set([
  "--since",
  "--until",
  "--now",
  "--memory-limit",
  "--threads",
  ...CONFIG_KEYS.map((k) => `--${flagName(k)}`),
]);
export function joinRelativeTimes(argv: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const next = argv[i + 1];
    if (TIME_FLAGS.has(a) && next !== undefined && /^-\d/.test(next)) {
      out.push(`${a}=${next}`);
      i++;
    } else out.push(a);
  }
  return out;
}

/**
 * The one value of a single-valued flag (undefined when absent). yargs turns a repeated flag into an array
 * and an empty one into "": both are refused, naming the flag.
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
