// Every flag of ibsr-collect, once: name, short alias, kind, unit, range, default, environment variable and
// help. Parsing (main.ts), the help text, the effective configuration (--print-config) and the flags table in
// docs/collector.md come from here; the value rules and numeric ranges live in options.ts (NUMBER_RULES). Environment variables: docs/collector.md, "Configuration from the environment".
import { DATE_DIR_PREFIX, HOST_DIR_PREFIX } from "@ibsr/contract";
import type { FlagSpec } from "@ibsr/contract/cli";
import { STATUS_FORMATS } from "./commands/status.js";
import { DEFAULTS, NUMBER_RULES } from "./options.js";

const COLLECTION = "Collection";
const LOGGING = "Logging (stderr)";

/** A flag of `run`; `setting` joins flags that set one thing (their precedence is decided together). */
export interface RunFlagSpec extends FlagSpec {
  readonly group: string;
  readonly setting?: string;
}

const range = (k: keyof typeof NUMBER_RULES) => `${NUMBER_RULES[k].min}-${NUMBER_RULES[k].max}`;

export const RUN_FLAGS: readonly RunFlagSpec[] = [
  {
    name: "iface",
    short: "i",
    kind: "string",
    value: "name",
    group: COLLECTION,
    env: "IBSR_IFACE",
    help: "Interface to attach to",
    default: "the interface of the default route, IPv4 then IPv6",
  },
  {
    name: "dst-port",
    short: "p",
    kind: "list",
    value: "port",
    group: COLLECTION,
    setting: "ports",
    range: "1-65535",
    help: "TCP destination port to monitor; any number of ports; merged with --dst-ports",
  },
  {
    name: "dst-ports",
    kind: "string",
    value: "port,...",
    group: COLLECTION,
    setting: "ports",
    env: "IBSR_PORTS",
    help: "Comma-separated ports (e.g. 22,443)",
  },
  {
    name: "out-dir",
    short: "o",
    kind: "string",
    value: "dir",
    group: COLLECTION,
    env: "IBSR_OUT_DIR",
    help: `Snapshot directory (Hive layout ${HOST_DIR_PREFIX}…/${DATE_DIR_PREFIX}…/)`,
    default: DEFAULTS.outDir,
  },
  {
    name: "snapshot-interval-sec",
    kind: "number",
    value: "seconds",
    group: COLLECTION,
    env: "IBSR_SNAPSHOT_INTERVAL_SEC",
    help: "Time between snapshots",
    range: range("snapshot-interval-sec"),
    default: String(DEFAULTS.snapshotIntervalSec),
  },
  {
    name: "duration-sec",
    kind: "number",
    value: "seconds",
    group: COLLECTION,
    env: "IBSR_DURATION_SEC",
    help: "Stop after this long",
    default: "run until SIGINT/SIGTERM",
  },
  {
    name: "map-size",
    kind: "number",
    value: "entries",
    group: COLLECTION,
    env: "IBSR_MAP_SIZE",
    help: "Flow map capacity in (source, port) entries; IPv4 and IPv6 maps split it 3:1",
    range: range("map-size"),
    default: String(DEFAULTS.mapSize),
  },
  {
    name: "max-kernel-mem",
    kind: "string",
    value: "bytes",
    group: COLLECTION,
    env: "IBSR_MAX_KERNEL_MEM",
    help: "Refuse a map needing more kernel memory than this (≈157 B per entry); K/M/G suffixes",
    default: "512M",
  },
  {
    name: "ipv6-prefix-len",
    kind: "number",
    value: "bits",
    group: COLLECTION,
    env: "IBSR_IPV6_PREFIX_LEN",
    help: "IPv6 sources are counted per prefix of this length",
    range: range("ipv6-prefix-len"),
    default: String(DEFAULTS.ipv6PrefixLen),
  },
  {
    name: "xdp-mode",
    kind: "string",
    value: "mode",
    group: COLLECTION,
    env: "IBSR_XDP_MODE",
    help: "XDP attach mode: auto tries native, then generic",
    range: "auto|native|generic",
    default: DEFAULTS.xdpMode,
  },
  {
    name: "max-files",
    kind: "number",
    value: "count",
    group: COLLECTION,
    env: "IBSR_MAX_FILES",
    help: "Keep at most this many snapshot files in the whole out dir",
    range: range("max-files"),
    default: `${DEFAULTS.maxFiles}, a week at 60 s`,
  },
  {
    name: "max-age",
    kind: "string",
    value: "duration",
    group: COLLECTION,
    env: "IBSR_MAX_AGE",
    help: "Delete snapshot files older than this; s/m/h/d suffix",
    default: "7d",
  },
  {
    name: "host",
    kind: "string",
    value: "name",
    group: COLLECTION,
    env: "IBSR_HOST",
    help: "Host name recorded in snapshots and paths",
    default: "hostname",
  },
  {
    name: "object",
    kind: "string",
    value: "file",
    group: COLLECTION,
    // Read where the default path is found (kernel/file.ts), so `verify` sees it too.
    env: "IBSR_BPF_OBJECT",
    help: "BPF object to verify and load",
    default: "bpf/build/ibsr.bpf.o",
  },
  {
    name: "metrics-textfile",
    kind: "string",
    value: "file.prom",
    group: COLLECTION,
    env: "IBSR_METRICS_TEXTFILE",
    help: "Write Prometheus metrics to this file after every snapshot (atomically), for node_exporter's textfile collector",
  },
  {
    name: "print-config",
    kind: "boolean",
    group: COLLECTION,
    help: "Print the effective settings and where each came from (flag, environment, IBSR_ARGS, default), then exit",
  },
  {
    name: "verbose",
    short: "v",
    kind: "boolean",
    group: LOGGING,
    setting: "log-level",
    env: "IBSR_VERBOSE",
    help: "Debug logging, including libbpf's messages",
  },
  {
    name: "quiet",
    short: "q",
    kind: "boolean",
    group: LOGGING,
    setting: "log-level",
    env: "IBSR_QUIET",
    help: "Warnings and errors only",
  },
  {
    name: "json-logs",
    kind: "boolean",
    group: LOGGING,
    env: "IBSR_JSON_LOGS",
    help: "Log JSON lines instead of text",
  },
  {
    name: "log-priority-prefix",
    kind: "boolean",
    group: LOGGING,
    env: "IBSR_LOG_PRIORITY_PREFIX",
    help: "Start each line with its syslog priority <N> (automatic when stderr is the journal)",
  },
];

export const VERIFY_FLAGS: readonly FlagSpec[] = [
  { name: "source", kind: "string", value: "file.c", help: "Also check this C source file (clang AST)" },
  { name: "json", kind: "boolean", help: "Print the findings as JSON" },
];

export const STATUS_FORMAT_FLAG: FlagSpec = {
  name: "format",
  kind: "string",
  value: "format",
  range: STATUS_FORMATS.join("|"),
  help: "Output; prometheus is the exposition format, for node_exporter",
  default: "text",
};
export const STATUS_FLAGS: readonly FlagSpec[] = [
  STATUS_FORMAT_FLAG,
  { name: "json", kind: "boolean", help: "Same as --format json" },
];

/** The flags string from the environment: read after the per-flag variables (docs/collector.md). */
export const ARGS_ENV = "IBSR_ARGS";

/** Environment values that turn a boolean flag on / off (anything else is refused, naming the variable). */
export const ENV_TRUE = ["1", "true", "yes", "on"];
export const ENV_FALSE = ["0", "false", "no", "off"];
