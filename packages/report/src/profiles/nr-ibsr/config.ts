// The reference's config.json (conformance fixtures) read as it is: window_sec, syn_rate_threshold,
// success_ratio_threshold, block_duration_sec, fp_safe_ratio, min_samples_for_fp, dst_ports. Types are checked
// as serde checks them (an integer field rejects 10.0). The reference runner requires every member; here a
// missing member takes the reference CLI's default instead, and vol_* may be given (the runner cannot).
import { readFile } from "node:fs/promises";
import { EXIT, ReportError } from "../../exit-codes.js";
import { parseStrictJson, type RawJson, rawUnsigned, U16_MAX, U64_MAX } from "./strict-json.js";

export interface NrIbsrConfig {
  /** Only informative: the conformance runner replaces it with the first snapshot's header ports. */
  dstPorts: number[] | undefined;
  windowSec: bigint;
  synRateThreshold: number;
  successRatioThreshold: number;
  blockDurationSec: bigint;
  fpSafeRatio: number;
  minSamplesForFp: bigint;
  volSynRate: number;
  volPktRate: number;
  volByteRate: number;
}

/** The reference CLI's defaults (spec §15, §18). */
export function defaultConfig(): NrIbsrConfig {
  return {
    dstPorts: undefined,
    windowSec: 10n,
    synRateThreshold: 100.0,
    successRatioThreshold: 0.1,
    blockDurationSec: 300n,
    fpSafeRatio: 0.5,
    minSamplesForFp: 10n,
    volSynRate: 500.0,
    volPktRate: 1000.0,
    volByteRate: 1_000_000.0,
  };
}

/** Exit code 3 (configuration). */
export class ConfigError extends ReportError {
  override name = "ConfigError";
  constructor(message: string) {
    super(EXIT.CONFIG, message);
  }
}

function float(v: RawJson, field: string): number {
  if (v.t !== "num") throw new TypeError(`${field}: expected a number`);
  const x = Number(v.text);
  if (!Number.isFinite(x)) throw new RangeError(`${field}: ${v.text} is out of range for f64`);
  return x;
}

/** Parses config.json text; `where` names the file in errors. */
export function parseConfig(text: string, where: string): NrIbsrConfig {
  const cfg = defaultConfig();
  try {
    const root = parseStrictJson(text);
    if (root.t !== "obj") throw new TypeError("expected a JSON object");
    const seen = new Set<string>();
    for (const [k, v] of root.members) {
      if (seen.has(k)) throw new TypeError(`duplicate field \`${k}\``);
      seen.add(k);
      switch (k) {
        case "dst_ports":
          if (v.t !== "arr") throw new TypeError("dst_ports: expected an array of ports");
          cfg.dstPorts = v.items.map((p, i) => Number(rawUnsigned(p, `dst_ports[${i}]`, U16_MAX)));
          break;
        case "window_sec":
          cfg.windowSec = rawUnsigned(v, k, U64_MAX);
          break;
        case "block_duration_sec":
          cfg.blockDurationSec = rawUnsigned(v, k, U64_MAX);
          break;
        case "min_samples_for_fp":
          cfg.minSamplesForFp = rawUnsigned(v, k, U64_MAX);
          break;
        case "syn_rate_threshold":
          cfg.synRateThreshold = float(v, k);
          break;
        case "success_ratio_threshold":
          cfg.successRatioThreshold = float(v, k);
          break;
        case "fp_safe_ratio":
          cfg.fpSafeRatio = float(v, k);
          break;
        case "vol_syn_rate":
          cfg.volSynRate = float(v, k);
          break;
        case "vol_pkt_rate":
          cfg.volPktRate = float(v, k);
          break;
        case "vol_byte_rate":
          cfg.volByteRate = float(v, k);
          break;
        default:
          break; // the reference ignores unknown members
      }
    }
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    throw new ConfigError(
      `failed to parse config ${where}: ${why} (expected the reference's config.json fields)`,
    );
  }
  return cfg;
}

export async function loadConfig(path: string): Promise<NrIbsrConfig> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    throw new ConfigError(`failed to read config ${path}: ${e.code ?? ""} ${e.message}`.trim());
  }
  return parseConfig(text, path);
}
