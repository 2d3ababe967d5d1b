// ibsr-collect: the table of contents. Reads the command line against the flag tables (flags.ts, with
// node:util parseArgs: nothing heavy loads before a command runs), then hands a typed options object to the
// command's handler in commands/<name>.ts. This file alone turns errors into exit codes (exit-codes.ts).
// Command modules load lazily so `status` and `--help` never load libbpf. The process entry is cli.ts,
// which installs the signal handlers before importing this file.
import {
  FlagError,
  type FlagSpec,
  HELP_FLAG,
  packageVersion,
  parseFlags,
  suggest,
  VERSION_FLAG,
} from "@ibsr/contract/cli";
import { STATUS_FORMATS, type StatusFormat, statusCommand } from "./commands/status.js";
import { exitCodeFor, hintOf, UsageError } from "./errors.js";
import { ExitCode } from "./exit-codes.js";
import { ENV_TRUE, RUN_FLAGS, STATUS_FLAGS, VERIFY_FLAGS } from "./flags.js";
import { COMMANDS, type CommandName, helpText, PROGRAM } from "./help.js";
import { createLogger, errorFields, type Logger } from "./log/logger.js";
import { priorityPrefixWanted } from "./log/priority.js";
import { DEFAULTS, parseRunOptions, type RawRunArgs, type RunOptions } from "./options.js";
import { attributeError, type EffectiveRunArgs, effectiveRunArgs } from "./settings.js";
import type { SignalState } from "./signals.js";

/** What the command line asked for, before anything runs (tests map argv to this). */
export type Invocation =
  | { command: "run"; raw: RawRunArgs; settings: EffectiveRunArgs; printConfig: boolean }
  | { command: "verify"; object: string | undefined; source: string | undefined; json: boolean }
  | { command: "status"; outDir: string; format: StatusFormat }
  /** --help or --version: the text to print on stdout. */
  | { command: "printed"; text: string };

const FLAGS_OF: Record<CommandName, readonly FlagSpec[]> = {
  run: [...RUN_FLAGS, HELP_FLAG, VERSION_FLAG],
  verify: [...VERIFY_FLAGS, HELP_FLAG, VERSION_FLAG],
  status: [...STATUS_FLAGS, HELP_FLAG, VERSION_FLAG],
};

function usageFromFlagError(err: FlagError, command: CommandName): UsageError {
  const help = command === "run" ? `${PROGRAM} --help` : `${PROGRAM} ${command} --help`;
  const rule = err.suggestion ? `${err.rule}; did you mean ${err.suggestion}?` : err.rule;
  return new UsageError(err.flag, undefined, rule, `see ${help}`);
}

function unexpectedWord(word: string, command: CommandName): UsageError {
  const near = suggest(word, COMMANDS);
  if (command === "run" && near) {
    return new UsageError(
      PROGRAM,
      undefined,
      `unknown command "${word}"; did you mean "${near}"?`,
      `see ${PROGRAM} --help`,
    );
  }
  const what =
    command === "run"
      ? `unknown command "${word}" (commands: ${COMMANDS.join(", ")})`
      : `unexpected argument "${word}"`;
  return new UsageError(
    PROGRAM,
    undefined,
    what,
    `see ${PROGRAM}${command === "run" ? "" : ` ${command}`} --help`,
  );
}

/** Parses argv (without node and script) into an Invocation; throws UsageError for a bad command line. */
export async function parseCommandLine(
  argv: string[],
  env: NodeJS.ProcessEnv = process.env,
): Promise<Invocation> {
  // The command is the first word when it is not a flag; `run` is the default.
  const first = argv[0];
  let command: CommandName = "run";
  let rest = argv;
  if (first !== undefined && !first.startsWith("-")) {
    if (!(COMMANDS as readonly string[]).includes(first)) throw unexpectedWord(first, "run");
    command = first as CommandName;
    rest = argv.slice(1);
  }
  let parsed: ReturnType<typeof parseFlags>;
  try {
    parsed = parseFlags(rest, FLAGS_OF[command]);
  } catch (err) {
    throw err instanceof FlagError ? usageFromFlagError(err, command) : err;
  }
  const { values, positionals } = parsed;
  if (values.get("help") === true) return { command: "printed", text: helpText(command) };
  if (values.get("version") === true)
    return { command: "printed", text: `${packageVersion(import.meta.url)}\n` };
  const str = (name: string) => values.get(name) as string | undefined;
  switch (command) {
    case "run": {
      if (positionals.length > 0) throw unexpectedWord(positionals[0]!, "run");
      const settings = effectiveRunArgs(parsed, env);
      return {
        command: "run",
        raw: settings.raw,
        settings,
        printConfig: values.get("print-config") === true,
      };
    }
    case "verify": {
      if (positionals.length > 1) throw unexpectedWord(positionals[1]!, "verify");
      return {
        command: "verify",
        object: positionals[0],
        source: str("source"),
        json: values.get("json") === true,
      };
    }
    case "status": {
      if (positionals.length > 1) throw unexpectedWord(positionals[1]!, "status");
      const format = str("format");
      if (format !== undefined && !(STATUS_FORMATS as readonly string[]).includes(format))
        throw new UsageError("--format", format, `must be one of ${STATUS_FORMATS.join(", ")}`);
      const envDir = env.IBSR_OUT_DIR?.trim() ? env.IBSR_OUT_DIR : undefined;
      return {
        command: "status",
        outDir: positionals[0] ?? envDir ?? DEFAULTS.outDir,
        format: (format as StatusFormat | undefined) ?? (values.get("json") === true ? "json" : "text"),
      };
    }
  }
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
export async function main(
  argv: string[],
  signals?: SignalState,
  env: NodeJS.ProcessEnv = process.env,
): Promise<number> {
  // Until the flags are parsed, --json-logs is read from argv (and its variable) directly, so that a
  // command line that fails to parse is still reported as a JSON line to a log pipeline that expects them.
  // The syslog priority prefix likewise: asked for on the command line, or stderr is the journal.
  const priorityPrefix = priorityPrefixWanted(argv);
  let log: Logger = createLogger({ level: "info", json: jsonLogsRequested(argv, env), priorityPrefix });
  try {
    const inv = await parseCommandLine(argv, env);
    if (inv.command !== "run") signals?.release();
    switch (inv.command) {
      case "printed":
        process.stdout.write(inv.text);
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
        let opts: RunOptions;
        try {
          opts = parseRunOptions(inv.raw);
        } catch (err) {
          throw attributeError(err, inv.settings);
        }
        if (inv.printConfig) {
          signals?.release();
          const { renderConfig } = await import("./print-config.js");
          process.stdout.write(renderConfig(opts, inv.settings));
          return ExitCode.OK;
        }
        log = createLogger({ level: opts.logLevel, json: opts.jsonLogs, priorityPrefix });
        signals?.useLogger(log);
        return await (await loadRun()).runCollector(opts, log, signals);
      }
    }
  } catch (err) {
    const code = exitCodeFor(err);
    const fields = errorFields(err);
    if (code === ExitCode.USAGE && !fields.hint) fields.hint = hintOf(err) ?? `see ${PROGRAM} --help`;
    log.error(code === ExitCode.USAGE ? "usage.error" : "collector.failed", { exit: code, ...fields });
    return code;
  }
}

/**
 * --json-logs before the flags are parsed: the last of --json-logs / --no-json-logs on the command line,
 * else its variable IBSR_JSON_LOGS.
 */
export function jsonLogsRequested(argv: string[], env: NodeJS.ProcessEnv = {}): boolean {
  let json: boolean | undefined;
  for (const a of argv) {
    if (a === "--") break;
    if (a === "--json-logs" || a === "--json-logs=true") json = true;
    else if (a === "--no-json-logs" || a === "--json-logs=false") json = false;
  }
  const name = RUN_FLAGS.find((f) => f.name === "json-logs")?.env;
  return json ?? ENV_TRUE.includes(((name && env[name]) || "").trim().toLowerCase());
}
