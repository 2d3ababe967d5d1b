// Thresholds of the default profile (spec §8): defaults, the --config file, and validation.
import { readFileSync } from "node:fs";
import { EXIT, ReportError } from "./exit-codes.js";
import type { ReportConfig } from "./model.js";

export const DEFAULT_CONFIG: Readonly<ReportConfig> = Object.freeze({
  syn_rate_threshold: 100,
  success_ratio_threshold: 0.1,
  min_syn: 10,
  vol_syn_rate: 500,
  vol_pkt_rate: 1000,
  vol_byte_rate: 1_000_000,
  min_packets: 100,
  block_duration_sec: 300,
  fp_safe_ratio: 0.5,
  min_samples_for_fp: 10,
  min_observed_sec: 0,
  max_fp_pct: 5,
  min_blocked_pct: 1,
  max_rules: 10_000,
});

/**
 * Skipped input beyond this share (%) of the files (whole files and JSONL lines) or of the rows (invalid rows)
 * makes the verdict NOT READY (reason INPUT_SKIPPED): a report cannot be READY on a fraction of its data.
 * Not a --config setting: it guards the data, not the policy.
 */
export const MAX_SKIPPED_INPUT_PCT = 1;

export type ConfigKey = keyof ReportConfig;
export const CONFIG_KEYS = Object.keys(DEFAULT_CONFIG) as ConfigKey[];

/** What each threshold means, for --help and the docs. */
export const CONFIG_HELP: Record<ConfigKey, string> = {
  syn_rate_threshold: "SYN_FLOOD_LIKE: SYN/s at or above this",
  success_ratio_threshold: "SYN_FLOOD_LIKE: handshake_ack/syn at or below this",
  min_syn: "SYN_FLOOD_LIKE: at least this many SYNs in the interval",
  vol_syn_rate: "VOLUMETRIC: SYN/s condition",
  vol_pkt_rate: "VOLUMETRIC: packets/s condition",
  vol_byte_rate: "VOLUMETRIC: bytes/s condition",
  min_packets: "VOLUMETRIC: at least this many packets in the interval",
  block_duration_sec: "seconds a fired rule blocks (re-armed while hot)",
  fp_safe_ratio: "success ratio at or above which blocked traffic is probably legitimate",
  min_samples_for_fp: "distinct non-allowlisted keys needed for a known FP bound",
  min_observed_sec: "observed seconds needed for a known FP bound",
  max_fp_pct: "READY needs the FP bound at or below this percentage",
  min_blocked_pct: "READY needs at least this share (%) of traffic would-dropped",
  max_rules: "READY needs peak concurrent blocks at or below this",
};

/** The allowed values of a threshold: a finite number in [min, max] (above min when `aboveMin`). */
export interface ValueRange {
  min: number;
  max: number;
  /** The value must be greater than min (a zero block or rate threshold makes the model meaningless). */
  aboveMin?: boolean;
  integer?: boolean;
}
/** Counts and rates stay exact in doubles and bigint conversions up to 2^53 - 1. */
const BIG = Number.MAX_SAFE_INTEGER;
const RATE: ValueRange = { min: 0, max: BIG, aboveMin: true };
const COUNT: ValueRange = { min: 0, max: BIG, integer: true };
const RATIO: ValueRange = { min: 0, max: 1 };
const PERCENT: ValueRange = { min: 0, max: 100 };
/** Durations: at most the span of the time range --since/--until accept (1970..9999). */
const SECONDS_MAX = 253_402_300_799;

/** The one table of threshold ranges, for flags and the --config file alike. */
export const CONFIG_RANGES: Readonly<Record<ConfigKey, ValueRange>> = {
  syn_rate_threshold: RATE,
  success_ratio_threshold: RATIO,
  min_syn: COUNT,
  vol_syn_rate: RATE,
  vol_pkt_rate: RATE,
  vol_byte_rate: RATE,
  min_packets: COUNT,
  block_duration_sec: { min: 0, max: SECONDS_MAX, aboveMin: true },
  fp_safe_ratio: RATIO,
  min_samples_for_fp: COUNT,
  min_observed_sec: { min: 0, max: SECONDS_MAX },
  max_fp_pct: PERCENT,
  min_blocked_pct: PERCENT,
  max_rules: COUNT,
};

/** Checks one value; returns an error text or null. */
export function checkConfigValue(key: ConfigKey, value: unknown): string | null {
  if (typeof value !== "number" || !Number.isFinite(value))
    return `${key} must be a finite number, got ${JSON.stringify(value)}`;
  const r = CONFIG_RANGES[key];
  if (value < r.min) return `${key} must not be negative, got ${value}`;
  if (r.aboveMin && value === r.min) return `${key} must be greater than ${r.min}`;
  if (r.integer && !Number.isInteger(value)) return `${key} must be an integer, got ${value}`;
  if (value > r.max) {
    if (r === RATIO) return `${key} is a ratio between 0 and 1, got ${value}`;
    if (r === PERCENT) return `${key} is a percentage between 0 and 100, got ${value}`;
    return `${key} must be at most ${r.max}, got ${value}`;
  }
  return null;
}

/** A decimal number as typed on a command line (no hex, no empty text, no Infinity); NaN otherwise. */
export function strictNumber(text: string): number {
  const s = text.trim();
  return /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/.test(s) ? Number(s) : Number.NaN;
}

/** A threshold flag's text -> its value, or ReportError(2) naming the flag. */
export function parseConfigFlag(key: ConfigKey, text: string): number {
  const v = strictNumber(text);
  const flag = `--${key.replaceAll("_", "-")}`;
  if (Number.isNaN(v)) throw new ReportError(EXIT.USAGE, `${flag} ${JSON.stringify(text)}: not a number`);
  const problem = checkConfigValue(key, v);
  if (problem) throw new ReportError(EXIT.USAGE, `${flag}: ${problem}`);
  return v;
}

/** Parses a --config JSON file: an object of known keys only; unknown keys are named. Throws ReportError(3). */
export function loadConfigFile(path: string): Partial<ReportConfig> {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    throw new ReportError(EXIT.CONFIG, `cannot read config ${path}: ${err.code ?? ""} ${err.message}`.trim());
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    throw new ReportError(EXIT.CONFIG, `config ${path} is not valid JSON: ${(e as Error).message}`);
  }
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed))
    throw new ReportError(EXIT.CONFIG, `config ${path} must be a JSON object of thresholds`);
  const obj = parsed as Record<string, unknown>;
  const unknown = Object.keys(obj).filter((k) => !(CONFIG_KEYS as string[]).includes(k));
  if (unknown.length > 0)
    throw new ReportError(
      EXIT.CONFIG,
      `config ${path}: unknown key${unknown.length > 1 ? "s" : ""} ${unknown.map((k) => JSON.stringify(k)).join(", ")} (known: ${CONFIG_KEYS.join(", ")})`,
    );
  const out: Partial<ReportConfig> = {};
  for (const [k, v] of Object.entries(obj)) {
    const key = k as ConfigKey;
    const problem = checkConfigValue(key, v);
    if (problem) throw new ReportError(EXIT.CONFIG, `config ${path}: ${problem}`);
    out[key] = v as number;
  }
  return out;
}

/** Defaults, then the file, then flags (flags win). Every value is validated. */
export function resolveConfig(file: Partial<ReportConfig>, flags: Partial<ReportConfig>): ReportConfig {
  const out: ReportConfig = { ...DEFAULT_CONFIG, ...file };
  for (const key of CONFIG_KEYS) {
    const v = flags[key];
    if (v === undefined) continue;
    const problem = checkConfigValue(key, v);
    if (problem) throw new ReportError(EXIT.USAGE, `--${key.replaceAll("_", "-")}: ${problem}`);
    out[key] = v;
  }
  return out;
}
