// `ibsr-collect run` options: the typed RunOptions and the one function that validates every flag before
// anything is loaded or attached. Each error is a UsageError naming the flag, the value and the rule;
// environment problems found here (interface missing, object missing) are EnvironmentErrors.
import { existsSync, statSync } from "node:fs";
import { hostname as osHostname } from "node:os";
import { resolve } from "node:path";
import { DEFAULT_MAP_SIZE, MIN_MAP_SIZE } from "@ibsr/contract";
import { EnvironmentError, UsageError } from "./errors.js";
import { defaultObjectPath } from "./kernel/file.js";
import type { LogLevel } from "./log/logger.js";
import { TEXTFILE_SUFFIX } from "./metrics/prometheus.js";
import { type DefaultRoute, requireInterface, resolveDefaultInterface } from "./system/iface.js";

export type XdpMode = "auto" | "native" | "generic";
export const XDP_MODES: readonly XdpMode[] = ["auto", "native", "generic"];

/** Defaults, with the reason for each in docs/collector.md. */
export const DEFAULTS = {
  outDir: "/var/lib/ibsr/snapshots",
  snapshotIntervalSec: 60,
  mapSize: DEFAULT_MAP_SIZE,
  maxKernelMem: 512 * 1024 * 1024,
  ipv6PrefixLen: 64,
  /** One week of snapshots at the default 60 s interval for one interface. */
  maxFiles: 10_080,
  /** Seven days. */
  maxAgeSec: 7 * 86_400,
  xdpMode: "auto" as XdpMode,
} as const;

export const LIMITS = {
  mapSizeMax: 2_000_000,
  /** Below 1 s is meant for tests; the drain and write of a full map take longer than that. */
  snapshotIntervalMinSec: 0.1,
  snapshotIntervalMaxSec: 86_400,
} as const;

/** Ranges of the numeric flags: validated here, shown in help (flags.ts). */
export const NUMBER_RULES = {
  "snapshot-interval-sec": {
    min: LIMITS.snapshotIntervalMinSec,
    max: LIMITS.snapshotIntervalMaxSec,
    integer: false,
    unit: "seconds",
  },
  // At least one entry in each flow map (mapSizes() in @ibsr/contract splits the total).
  "map-size": { min: MIN_MAP_SIZE, max: LIMITS.mapSizeMax, integer: true, unit: "entries" },
  "ipv6-prefix-len": { min: 1, max: 128, integer: true, unit: "bits" },
  "max-files": { min: 1, max: 100_000_000, integer: true, unit: "files" },
  "duration-sec": { min: 0, max: 100 * 365 * 86_400, integer: false, unit: "seconds" },
} as const;

/**
 * Kernel memory per LRU hash entry, measured for this layout: element header (48 B, hash and LRU list
 * nodes) + key (ibsr_flows6: 16 B for the 12-byte key, 24 B; ibsr_flows4: 8 B) + value 72 B, each rounded
 * to 8 B, + hash bucket and LRU bookkeeping ≈ 157 B (an IPv4 entry ~8 B less: the estimate is the upper one).
 */
export const KERNEL_BYTES_PER_ENTRY = 157;
/** The port bitmap (8 KiB), the per-CPU globals and map headers: small, counted once. */
export const KERNEL_FIXED_BYTES = 64 * 1024;

/** Estimated kernel memory of the flow map for `mapSize` entries, in bytes. */
export function estimateKernelMemory(mapSize: number): number {
  return mapSize * KERNEL_BYTES_PER_ENTRY + KERNEL_FIXED_BYTES;
}

/** The largest --map-size whose estimate fits in `maxKernelMem` bytes (0: not even one entry fits). */
export function largestMapSize(maxKernelMem: number): number {
  return Math.max(0, Math.floor((maxKernelMem - KERNEL_FIXED_BYTES) / KERNEL_BYTES_PER_ENTRY));
}

/** What to do when --map-size does not fit --max-kernel-mem; never a map size below MIN_MAP_SIZE. */
function kernelMemHint(maxKernelMem: number): string {
  const largest = largestMapSize(maxKernelMem);
  if (largest >= MIN_MAP_SIZE) return `lower --map-size to at most ${largest} or raise --max-kernel-mem`;
  return (
    `no --map-size fits in ${formatBytes(maxKernelMem)} (the fixed part alone is about ${formatBytes(KERNEL_FIXED_BYTES)}): ` +
    `raise --max-kernel-mem to at least ${formatBytes(estimateKernelMemory(MIN_MAP_SIZE))}`
  );
}

export interface RunOptions {
  iface: string;
  ifindex: number;
  /** Where the interface came from: the flag, or the IPv4/IPv6 default route. */
  ifaceSource: "flag" | "default-route-ipv4" | "default-route-ipv6";
  /** Monitored TCP destination ports, ascending, no duplicates, at least one. */
  dstPorts: number[];
  /** Absolute path. */
  outDir: string;
  snapshotIntervalSec: number;
  mapSize: number;
  /** Bytes. */
  maxKernelMem: number;
  /** estimateKernelMemory(mapSize), bytes: printed at start and stored in the metadata. */
  kernelMemEstimate: number;
  ipv6PrefixLen: number;
  maxFiles: number;
  maxAgeSec: number;
  /** null: run until SIGINT/SIGTERM. 0: the seq-0 snapshot, then the final one, then exit. */
  durationSec: number | null;
  xdpMode: XdpMode;
  host: string;
  logLevel: LogLevel;
  jsonLogs: boolean;
  /** Absolute path of the BPF object to verify and load. */
  object: string;
  /** Absolute path of the Prometheus textfile rewritten after every snapshot, or null. */
  metricsTextfile: string | null;
}

/** The flags' values as text (camel-cased keys), from any source; every field is checked, none is trusted. */
export interface RawRunArgs {
  iface?: unknown;
  dstPort?: unknown;
  dstPorts?: unknown;
  outDir?: unknown;
  snapshotIntervalSec?: unknown;
  mapSize?: unknown;
  maxKernelMem?: unknown;
  ipv6PrefixLen?: unknown;
  maxFiles?: unknown;
  maxAge?: unknown;
  durationSec?: unknown;
  xdpMode?: unknown;
  host?: unknown;
  verbose?: unknown;
  quiet?: unknown;
  jsonLogs?: unknown;
  object?: unknown;
  metricsTextfile?: unknown;
}

/** The machine-facing parts of validation, replaceable in tests. */
export interface OptionDeps {
  resolveDefaultIface?: () => DefaultRoute;
  /** Returns the ifindex or throws EnvironmentError naming the interfaces that exist. */
  requireIface?: (name: string) => number;
  hostname?: () => string;
  defaultObjectPath?: () => string;
  fileExists?: (path: string) => boolean;
}

/** Validates raw CLI values into RunOptions. Throws UsageError (exit 2) or EnvironmentError (exit 3). */
export function parseRunOptions(raw: RawRunArgs, deps: OptionDeps = {}): RunOptions {
  const dstPorts = parsePorts(raw.dstPort, raw.dstPorts);
  const snapshotIntervalSec = parseNumber("--snapshot-interval-sec", raw.snapshotIntervalSec, {
    def: DEFAULTS.snapshotIntervalSec,
    ...NUMBER_RULES["snapshot-interval-sec"],
  });
  const mapSize = parseNumber("--map-size", raw.mapSize, {
    def: DEFAULTS.mapSize,
    ...NUMBER_RULES["map-size"],
  });
  const maxKernelMem =
    raw.maxKernelMem === undefined ? DEFAULTS.maxKernelMem : parseBytes("--max-kernel-mem", raw.maxKernelMem);
  const kernelMemEstimate = estimateKernelMemory(mapSize);
  if (kernelMemEstimate > maxKernelMem) {
    throw new UsageError(
      "--max-kernel-mem",
      raw.maxKernelMem ?? formatBytes(maxKernelMem),
      `--map-size ${mapSize} needs about ${formatBytes(kernelMemEstimate)} of kernel memory ` +
        `(${KERNEL_BYTES_PER_ENTRY} B per entry), more than the ${formatBytes(maxKernelMem)} allowed`,
      kernelMemHint(maxKernelMem),
    );
  }
  const ipv6PrefixLen = parseNumber("--ipv6-prefix-len", raw.ipv6PrefixLen, {
    def: DEFAULTS.ipv6PrefixLen,
    ...NUMBER_RULES["ipv6-prefix-len"],
  });
  const maxFiles = parseNumber("--max-files", raw.maxFiles, {
    def: DEFAULTS.maxFiles,
    ...NUMBER_RULES["max-files"],
  });
  const maxAgeSec = raw.maxAge === undefined ? DEFAULTS.maxAgeSec : parseDuration("--max-age", raw.maxAge);
  if (maxAgeSec < snapshotIntervalSec) {
    throw new UsageError(
      "--max-age",
      raw.maxAge ?? `${maxAgeSec}s`,
      `must be at least the snapshot interval (${snapshotIntervalSec} s), or every snapshot is deleted on the next cycle`,
    );
  }
  const durationSec =
    raw.durationSec === undefined || raw.durationSec === null
      ? null
      : parseNumber("--duration-sec", raw.durationSec, { def: 0, ...NUMBER_RULES["duration-sec"] });
  const xdpMode = parseChoice("--xdp-mode", raw.xdpMode, XDP_MODES, DEFAULTS.xdpMode);
  const host = parseHost(raw.host, deps.hostname ?? osHostname);
  const verbose = raw.verbose !== undefined && raw.verbose !== false && raw.verbose !== 0;
  const quiet = raw.quiet === true;
  if (verbose && quiet) {
    throw new UsageError(
      "-v/--verbose",
      "with -q/--quiet",
      "the two contradict each other: pass one of them",
    );
  }
  const logLevel: LogLevel = quiet ? "warn" : verbose ? "debug" : "info";
  const jsonLogs = raw.jsonLogs === true;
  const outDir = parseOutDir(raw.outDir);
  const object = parseObject(raw.object, deps);
  const metricsTextfile = parseMetricsTextfile(raw.metricsTextfile);

  // Last: these touch the machine, and a usage error should win over an environment error.
  const { iface, ifaceSource } = parseIface(raw.iface, deps);
  const ifindex = (deps.requireIface ?? ((n: string) => requireInterface(n)))(iface);

  return {
    iface,
    ifindex,
    ifaceSource,
    dstPorts,
    outDir,
    snapshotIntervalSec,
    mapSize,
    maxKernelMem,
    kernelMemEstimate,
    ipv6PrefixLen,
    maxFiles,
    maxAgeSec,
    durationSec,
    xdpMode,
    host,
    logLevel,
    jsonLogs,
    object,
    metricsTextfile,
  };
}

/** Values of a repeatable flag, as strings. */
function listOf(value: unknown): string[] {
  if (value === undefined || value === null) return [];
  const items = Array.isArray(value) ? value : [value];
  return items.map((v) => String(v));
}

/** `-p` values and `--dst-ports` lists merged; at least one; 1-65535; duplicates rejected by name. */
export function parsePorts(dstPort: unknown, dstPorts: unknown): number[] {
  const seen = new Map<number, string>();
  const add = (flag: string, text: string): void => {
    const t = text.trim();
    if (!/^\d+$/.test(t)) {
      const list = flag !== "--dst-ports" && t.includes(",");
      throw new UsageError(
        flag,
        text,
        "a port must be an integer from 1 to 65535",
        list ? "for a list use --dst-ports 80,443 (or repeat -p)" : undefined,
      );
    }
    const port = Number(t);
    if (port < 1 || port > 65_535) throw new UsageError(flag, text, "a port must be from 1 to 65535");
    const first = seen.get(port);
    if (first !== undefined) {
      throw new UsageError(flag, text, `duplicate destination port ${port} (already given by ${first})`);
    }
    seen.set(port, flag);
  };
  for (const v of listOf(dstPort)) add("-p/--dst-port", v);
  for (const list of listOf(dstPorts)) {
    if (list.trim() === "")
      throw new UsageError("--dst-ports", list, "expects a comma-separated list of ports");
    for (const item of list.split(",")) {
      if (item.trim() === "")
        throw new UsageError("--dst-ports", list, "empty item in the comma-separated list");
      add("--dst-ports", item);
    }
  }
  if (seen.size === 0) {
    throw new UsageError(
      "-p/--dst-port",
      undefined,
      "at least one destination port is required",
      "e.g. `ibsr-collect -p 443` or `ibsr-collect --dst-ports 22,443,8899`",
    );
  }
  return [...seen.keys()].sort((a, b) => a - b);
}

interface NumberRule {
  def: number;
  min: number;
  max: number;
  integer: boolean;
  unit: string;
}

function parseNumber(flag: string, value: unknown, rule: NumberRule): number {
  if (value === undefined || value === null) return rule.def;
  const text = String(value).trim();
  const pattern = rule.integer ? /^\d+$/ : /^(\d+(\.\d*)?|\.\d+)$/;
  const kind = rule.integer ? "an integer" : "a number";
  if (Array.isArray(value)) throw new UsageError(flag, value, "may be given only once");
  if (!pattern.test(text)) {
    throw new UsageError(flag, value, `must be ${kind} from ${rule.min} to ${rule.max} (${rule.unit})`);
  }
  const n = Number(text);
  if (n < rule.min || n > rule.max) {
    throw new UsageError(flag, value, `must be ${kind} from ${rule.min} to ${rule.max} (${rule.unit})`);
  }
  return n;
}

const BYTE_UNITS: Record<string, number> = { "": 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4 };

/** "536870912", "512M", "512MiB", "1G", "64k" (binary units, powers of 1024). */
export function parseBytes(flag: string, value: unknown): number {
  const text = String(value).trim();
  const m = /^(\d+(?:\.\d+)?)\s*([kKmMgGtT]?)(?:i?[bB])?$/.exec(text);
  if (!m || Array.isArray(value)) {
    throw new UsageError(
      flag,
      value,
      "must be a size in bytes, optionally with K, M, G or T (powers of 1024), e.g. 512M",
    );
  }
  const bytes = Math.floor(Number(m[1]) * (BYTE_UNITS[(m[2] ?? "").toLowerCase()] ?? 1));
  if (bytes < 1) throw new UsageError(flag, value, "must be at least 1 byte");
  return bytes;
}

const DURATION_UNITS: Record<string, number> = { "": 1, s: 1, m: 60, h: 3600, d: 86_400 };

/** "3600", "3600s", "90m", "12h", "7d" -> seconds. */
export function parseDuration(flag: string, value: unknown): number {
  const text = String(value).trim();
  const m = /^(\d+(?:\.\d+)?)\s*([smhd]?)$/.exec(text);
  if (!m || Array.isArray(value)) {
    throw new UsageError(
      flag,
      value,
      "must be a duration: a number with s, m, h or d (e.g. 7d, 12h); plain numbers are seconds",
    );
  }
  const sec = Number(m[1]) * (DURATION_UNITS[m[2] ?? ""] ?? 1);
  if (sec < 1) throw new UsageError(flag, value, "must be at least 1 second");
  return sec;
}

function parseChoice<T extends string>(flag: string, value: unknown, choices: readonly T[], def: T): T {
  if (value === undefined || value === null) return def;
  if (typeof value === "string" && (choices as readonly string[]).includes(value)) return value as T;
  throw new UsageError(flag, value, `must be one of ${choices.join(", ")}`);
}

/** Host names go into a `host=<name>` folder: letters, digits, dot, dash, underscore only. */
function parseHost(value: unknown, hostname: () => string): string {
  const fromFlag = value !== undefined && value !== null;
  const host = fromFlag ? String(value) : hostname();
  if (!/^[A-Za-z0-9_][A-Za-z0-9._-]{0,252}$/.test(host)) {
    throw new UsageError(
      "--host",
      host,
      "must be 1-253 characters of letters, digits, '.', '-' or '_' (it names a host=<name> folder)",
      fromFlag ? undefined : "the system hostname is not usable here: pass --host",
    );
  }
  return host;
}

/** Interface names: at most 15 bytes (IFNAMSIZ - 1), no '/', no whitespace, not '.' or '..'. */
function parseIface(value: unknown, deps: OptionDeps): Pick<RunOptions, "iface" | "ifaceSource"> {
  if (value === undefined || value === null || value === "") {
    const route = (deps.resolveDefaultIface ?? (() => resolveDefaultInterface()))();
    return {
      iface: route.iface,
      ifaceSource: route.family === 4 ? "default-route-ipv4" : "default-route-ipv6",
    };
  }
  const name = String(value);
  if (Array.isArray(value) || name.length > 15 || /[/\s:]/.test(name) || name === "." || name === "..") {
    throw new UsageError(
      "-i/--iface",
      value,
      "must be an interface name: 1-15 characters, no '/', ':' or spaces",
    );
  }
  return { iface: name, ifaceSource: "flag" };
}

function parseOutDir(value: unknown): string {
  if (value === undefined || value === null) return DEFAULTS.outDir;
  if (Array.isArray(value) || typeof value !== "string" || value.trim() === "") {
    throw new UsageError("-o/--out-dir", value, "must be one directory path");
  }
  const abs = resolve(value);
  try {
    if (!statSync(abs).isDirectory())
      throw new UsageError("-o/--out-dir", value, "exists but is not a directory");
  } catch (err) {
    if (err instanceof UsageError) throw err;
    // Missing is fine: the writer creates it (and keeps retrying if it cannot).
  }
  return abs;
}

function parseMetricsTextfile(value: unknown): string | null {
  if (value === undefined || value === null) return null;
  const flag = "--metrics-textfile";
  if (Array.isArray(value) || typeof value !== "string" || value.trim() === "")
    throw new UsageError(flag, value, "must be one file path");
  if (!value.endsWith(TEXTFILE_SUFFIX)) {
    throw new UsageError(
      flag,
      value,
      `must end in ${TEXTFILE_SUFFIX}: node_exporter's textfile collector reads only *${TEXTFILE_SUFFIX} files`,
      "e.g. --metrics-textfile /var/lib/prometheus/node-exporter/ibsr.prom (docs/operate.md, Metrics)",
    );
  }
  const abs = resolve(value);
  try {
    if (statSync(abs).isDirectory()) throw new UsageError(flag, value, "is a directory: give a file path");
  } catch (err) {
    if (err instanceof UsageError) throw err;
    // Missing is fine: it is written after the first snapshot.
  }
  return abs;
}

function parseObject(value: unknown, deps: OptionDeps): string {
  const exists = deps.fileExists ?? existsSync;
  if (value !== undefined && value !== null) {
    if (Array.isArray(value) || typeof value !== "string" || value === "") {
      throw new UsageError("--object", value, "must be one file path");
    }
    const abs = resolve(value);
    if (!exists(abs)) throw new UsageError("--object", value, "no such file");
    return abs;
  }
  const path = (deps.defaultObjectPath ?? defaultObjectPath)();
  if (!exists(path)) {
    throw new EnvironmentError("object.find", `BPF object not found at ${path}`, {
      errnoName: "ENOENT",
      hint: "build it with `make -C bpf` (or `pnpm build`), set IBSR_BPF_OBJECT, or pass --object",
    });
  }
  return path;
}

/** 536870912 -> "512 MiB"; used in messages and the start-up log. */
export function formatBytes(bytes: number): string {
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let v = bytes;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${Number.isInteger(v) ? v : v.toFixed(1)} ${units[i]}`;
}
