// ibsr-collect: the table of contents. Each command: description, options, examples, and a handler in
// commands/<name>.ts taking a typed options object. This file alone turns errors into exit codes
// (exit-codes.ts). Command modules load lazily so `status` and `--help` never load libbpf. The process
// entry is cli.ts, which installs the signal handlers before importing this file.
import { DATE_DIR_PREFIX, HOST_DIR_PREFIX } from "@ibsr/contract";
import yargs, { type Argv } from "yargs";
import { STATUS_FORMATS, type StatusFormat, statusCommand } from "./commands/status.js";
import { exitCodeFor, hintOf, UsageError } from "./errors.js";
import { ExitCode } from "./exit-codes.js";
import { createLogger, errorFields, type Logger } from "./log/logger.js";
import { priorityPrefixWanted } from "./log/priority.js";
import { DEFAULTS, LIMITS, parseRunOptions, type RawRunArgs, type RunOptions } from "./options.js";
import type { SignalState } from "./signals.js";

/** What the command line asked for, before anything runs (tests map argv to this). */
export type Invocation =
  | { command: "run"; raw: RawRunArgs }
  | { command: "verify"; object: string | undefined; source: string | undefined; json: boolean }
  | { command: "status"; outDir: string; format: StatusFormat }
  /** --help or --version was printed. */
  | { command: "printed" };

const RUN_EXAMPLES: [string, string][] = [
  ["$0 -p 443", "port 443 on the default-route interface"],
  ["$0 -i eth1 --dst-ports 22,443 -o /srv/ibsr", "two ports on eth1, snapshots under /srv/ibsr"],
  ["$0 -p 8899 --map-size 1000000", "a larger map (about 150 MiB of kernel memory)"],
  ["$0 -p 443 --duration-sec 600", "a 10-minute trial, then exit"],
  ["$0 verify bpf/build/ibsr.bpf.o", "check a BPF object against the safety rules"],
  ["$0 status --json", "is the collector healthy? (exit 0 / 1 / 2)"],
  ["$0 status --format prometheus", "the same, as Prometheus metrics"],
];

const RUN_FLAGS = [
  "iface",
  "dst-port",
  "dst-ports",
  "out-dir",
  "snapshot-interval-sec",
  "duration-sec",
  "map-size",
  "max-kernel-mem",
  "ipv6-prefix-len",
  "xdp-mode",
  "max-files",
  "max-age",
  "host",
  "object",
  "metrics-textfile",
];
const LOG_FLAGS = ["verbose", "quiet", "json-logs", "log-priority-prefix"];

function runOptions(y: Argv): Argv {
  return y
    .option("iface", {
      alias: "i",
      type: "string",
      describe: "Interface to attach to (default: the interface of the default route, IPv4 then IPv6)",
    })
    .option("dst-port", {
      alias: "p",
      type: "string",
      describe: "TCP destination port to monitor (repeatable; any number of ports, 1-65535)",
    })
    .option("dst-ports", { type: "string", describe: "Comma-separated ports, merged with -p (e.g. 22,443)" })
    .option("out-dir", {
      alias: "o",
      type: "string",
      describe: `Snapshot directory (Hive layout ${HOST_DIR_PREFIX}…/${DATE_DIR_PREFIX}…/) [default: ${DEFAULTS.outDir}]`,
    })
    .option("snapshot-interval-sec", {
      type: "string",
      describe: `Seconds between snapshots, ${LIMITS.snapshotIntervalMinSec}-${LIMITS.snapshotIntervalMaxSec} [default: ${DEFAULTS.snapshotIntervalSec}]`,
    })
    .option("map-size", {
      type: "string",
      describe: `Flow map capacity (source, port) entries, 1-${LIMITS.mapSizeMax} [default: ${DEFAULTS.mapSize}]`,
    })
    .option("max-kernel-mem", {
      type: "string",
      describe:
        "Refuse a map needing more kernel memory than this (≈157 B per entry; K/M/G suffixes) [default: 512M]",
    })
    .option("ipv6-prefix-len", {
      type: "string",
      describe: `IPv6 sources are counted per prefix of this length, 1-128 [default: ${DEFAULTS.ipv6PrefixLen}]`,
    })
    .option("max-files", {
      type: "string",
      describe: `Keep at most this many snapshot files in the whole out dir [default: ${DEFAULTS.maxFiles}, a week at 60 s]`,
    })
    .option("max-age", {
      type: "string",
      describe: "Delete snapshot files older than this (s/m/h/d suffix) [default: 7d]",
    })
    .option("duration-sec", {
      type: "string",
      describe: "Stop after this many seconds (default: run until SIGINT/SIGTERM)",
    })
    .option("xdp-mode", {
      type: "string",
      describe: "XDP attach mode: auto (native, then generic), native or generic [default: auto]",
    })
    .option("host", {
      type: "string",
      describe: "Host name recorded in snapshots and paths [default: hostname]",
    })
    .option("object", {
      type: "string",
      describe: "BPF object to verify and load [default: $IBSR_BPF_OBJECT or bpf/build/ibsr.bpf.o]",
    })
    .option("metrics-textfile", {
      type: "string",
      describe:
        "Write Prometheus metrics to this *.prom file after every snapshot (atomically), for node_exporter's textfile collector",
    })
    .option("verbose", {
      alias: "v",
      type: "boolean",
      describe: "Debug logging, including libbpf's messages",
    })
    .option("quiet", { alias: "q", type: "boolean", describe: "Warnings and errors only" })
    .option("json-logs", { type: "boolean", describe: "Log JSON lines instead of text (stderr)" })
    .option("log-priority-prefix", {
      type: "boolean",
      describe: "Start each line with its syslog priority <N> (automatic when stderr is the journal)",
    })
    .group(RUN_FLAGS, "Collection:")
    .group(LOG_FLAGS, "Logging (stderr):");
}

/** The yargs program; `sink` receives the chosen invocation (handlers only record, they never run). */
function program(argv: string[], sink: (inv: Invocation) => void): Argv {
  return yargs(argv)
    .scriptName("ibsr-collect")
    .usage(
      "$0 [run] [options]\n\nShadow-mode XDP collector: counts TCP traffic per source toward monitored ports and " +
        "writes Parquet snapshots. Never drops, modifies or redirects a packet.",
    )
    .command(
      ["run", "$0"],
      "Attach and collect snapshots until stopped (the default command)",
      (y) => runOptions(y),
      (args) => sink({ command: "run", raw: args as RawRunArgs }),
    )
    .command(
      "verify [object]",
      "Check a BPF object (or C source) against the safety rules; nothing is loaded",
      (y) =>
        y
          .positional("object", {
            type: "string",
            describe: "BPF object file [default: the collector's object]",
          })
          .option("source", { type: "string", describe: "Also check this C source file (clang AST)" })
          .option("json", { type: "boolean", default: false, describe: "Print the findings as JSON" }),
      (args) =>
        sink({
          command: "verify",
          object: args.object as string | undefined,
          source: args.source as string | undefined,
          json: args.json === true,
        }),
    )
    .command(
      "status [out-dir]",
      "Is the collector healthy? Reads the heartbeats (exit 0 healthy, 1 unhealthy, 2 no data)",
      (y) =>
        y
          .positional("out-dir", { type: "string", default: DEFAULTS.outDir, describe: "Snapshot directory" })
          .option("format", {
            type: "string",
            choices: STATUS_FORMATS,
            describe:
              "Output: text, json, or prometheus (exposition format, for node_exporter) [default: text]",
          })
          .option("json", { type: "boolean", default: false, describe: "Same as --format json" }),
      (args) =>
        sink({
          command: "status",
          outDir: String(args.outDir),
          format: (args.format as StatusFormat | undefined) ?? (args.json === true ? "json" : "text"),
        }),
    )
    .example(RUN_EXAMPLES)
    .epilogue(
      "Exit codes: 0 ok, 1 runtime failure, 2 usage error, 3 environment (not root, no BPF, interface missing, " +
        "XDP busy), 4 unsafe BPF object. SIGINT/SIGTERM: final snapshot, detach, exit 0; a second signal exits " +
        "at once. SIGHUP: write a snapshot now. Docs: docs/collector.md",
    )
    .strict()
    .help()
    .alias("help", "h")
    .version()
    .wrap(110)
    .exitProcess(false)
    .fail((msg, err) => {
      if (err) throw err;
      throw unknownFlagError(msg) ?? new UsageError("command line", undefined, msg);
    });
}

const KNOWN_FLAGS = [...RUN_FLAGS, ...LOG_FLAGS, "help", "version", "json", "format", "source"];

/** yargs lists an unknown flag twice (as typed and camel-cased): name it once, as a flag, with a suggestion. */
function unknownFlagError(msg: string): UsageError | null {
  const m = /^Unknown arguments?: (.+)$/.exec(msg);
  if (!m) return null;
  const names = m[1]!.split(", ");
  const typed = names.filter((n) => !names.some((o) => o !== n && camel(o) === n));
  const first = typed[0] ?? names[0]!;
  const flag = first.length === 1 ? `-${first}` : `--${first}`;
  const near = KNOWN_FLAGS.map((k) => ({ k, d: editDistance(first, k) })).sort((a, b) => a.d - b.d)[0];
  const hint = near && near.d <= 2 ? `did you mean --${near.k}? (see ibsr-collect --help)` : undefined;
  const more = typed.length > 1 ? ` (also unknown: ${typed.slice(1).join(", ")})` : "";
  return new UsageError(flag, undefined, `unknown flag or argument${more}`, hint);
}

function camel(s: string): string {
  return s.replace(/-([a-z])/g, (_m, c: string) => c.toUpperCase());
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_v, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cur = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = cur;
    }
  }
  return row[b.length]!;
}

/** Parses argv (without node and script) into an Invocation; throws UsageError for bad flags. */
export async function parseCommandLine(argv: string[]): Promise<Invocation> {
  let inv: Invocation = { command: "printed" };
  await program(argv, (i) => {
    inv = i;
  }).parseAsync();
  return inv;
}

interface RunModule {
  runCollector(opts: RunOptions, log: Logger, signals?: SignalState): Promise<number>;
}
interface VerifyModule {
  verifyCommand(opts: { object?: string; source?: string; json?: boolean }): Promise<number>;
}

// Variable specifiers: the modules load only when their command runs (and may not exist in a partial build).
async function loadRun(): Promise<RunModule> {
  const spec = "./commands/run.js";
  const mod = (await import(spec)) as Partial<RunModule>;
  if (typeof mod.runCollector !== "function") throw new Error(`${spec} does not export runCollector`);
  return mod as RunModule;
}
async function loadVerify(): Promise<VerifyModule> {
  const spec = "./commands/verify.js";
  const mod = (await import(spec)) as Partial<VerifyModule>;
  if (typeof mod.verifyCommand !== "function") throw new Error(`${spec} does not export verifyCommand`);
  return mod as VerifyModule;
}

/**
 * The entry point: returns the process exit code. Only here do errors become exit codes. `signals`, when
 * given, holds the handlers cli.ts installed at start-up: `run` keeps them, every other command hands the
 * signals back to their default effect.
 */
export async function main(argv: string[], signals?: SignalState): Promise<number> {
  // Until yargs has parsed the flags, --json-logs is read from argv directly, so that a flag yargs itself
  // rejects is still reported as a JSON line to a log pipeline that expects them.
  // The syslog priority prefix likewise: asked for on the command line, or stderr is the journal.
  const priorityPrefix = priorityPrefixWanted(argv);
  let log: Logger = createLogger({ level: "info", json: jsonLogsRequested(argv), priorityPrefix });
  try {
    const inv = await parseCommandLine(argv);
    if (inv.command !== "run") signals?.release();
    switch (inv.command) {
      case "printed":
        return ExitCode.OK;
      case "status":
        return await statusCommand({ outDir: inv.outDir, format: inv.format });
      case "verify":
        return await (await loadVerify()).verifyCommand({
          ...(inv.object !== undefined ? { object: inv.object } : {}),
          ...(inv.source !== undefined ? { source: inv.source } : {}),
          json: inv.json,
        });
      case "run": {
        const json = inv.raw.jsonLogs === true;
        log = createLogger({
          level: inv.raw.quiet ? "warn" : inv.raw.verbose ? "debug" : "info",
          json,
          priorityPrefix,
        });
        const opts = parseRunOptions(inv.raw);
        log = createLogger({ level: opts.logLevel, json: opts.jsonLogs, priorityPrefix });
        signals?.useLogger(log);
        return await (await loadRun()).runCollector(opts, log, signals);
      }
    }
  } catch (err) {
    const code = exitCodeFor(err);
    const fields = errorFields(err);
    if (code === ExitCode.USAGE && !fields.hint) fields.hint = hintOf(err) ?? "see ibsr-collect --help";
    log.error(code === ExitCode.USAGE ? "usage.error" : "collector.failed", { exit: code, ...fields });
    return code;
  }
}

/** --json-logs as yargs will read it (the last of --json-logs[=true|false] / --no-json-logs wins). */
export function jsonLogsRequested(argv: string[]): boolean {
  let json = false;
  for (const a of argv) {
    if (a === "--") break;
    if (a === "--json-logs" || a === "--json-logs=true") json = true;
    else if (a === "--no-json-logs" || a === "--json-logs=false") json = false;
  }
  return json;
}
