#!/usr/bin/env node
// ibsr-report: the table of contents. Parses flags, then hands over to the profile that does the work.
import { realpathSync } from "node:fs";
import { basename } from "node:path";
import { fileURLToPath } from "node:url";
import yargs from "yargs";
import { hideBin } from "yargs/helpers";
import { EMPTY_ALLOWLIST, loadAllowlist } from "./allowlist.js";
import { cleanUpOnSignals } from "./cleanup.js";
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
import { checkMemoryLimit, checkThreads } from "./ingest/duckdb.js";
import type { ReportConfig } from "./model.js";
import { checkOutputTarget, inputRealDirs, makeDirs, markReportDirectory } from "./output.js";
import { runNrIbsrProfile } from "./profiles/nr-ibsr/index.js";
import { ALL_FORMATS, generateReport, type OutputFormat } from "./report.js";
import { parseTimeSpec, resolveTimeSpec } from "./timespec.js";

const flagName = (k: ConfigKey) => k.replaceAll("_", "-");

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

function parseFormats(v: unknown): OutputFormat[] {
  if (v === undefined) return [...ALL_FORMATS];
  const parts = (Array.isArray(v) ? v : [v])
    .flatMap((x) => String(x).split(","))
    .map((s) => s.trim())
    .filter(Boolean);
  for (const p of parts)
    if (!(ALL_FORMATS as readonly string[]).includes(p))
      throw new ReportError(
        EXIT.USAGE,
        `--format: unknown format ${JSON.stringify(p)} (choose from ${ALL_FORMATS.join(",")})`,
      );
  if (parts.length === 0)
    throw new ReportError(EXIT.USAGE, `--format: no format given (choose from ${ALL_FORMATS.join(",")})`);
  return [...new Set(parts)] as OutputFormat[];
}

/**
 * The one value of a single-valued flag (undefined when absent). yargs turns a repeated flag into an array
 * and an empty one into "": both are refused, naming the flag.
 */
function oneValue(args: Record<string, unknown>, name: string): string | undefined {
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

/** A single-line progress indicator on a TTY; silent otherwise (cron logs stay clean). */
function progressLine(enabled: boolean): { update(msg: string): void; done(): void } {
  if (!enabled || !process.stderr.isTTY) return { update() {}, done() {} };
  const t0 = Date.now();
  let shown = false;
  return {
    update(msg) {
      shown = true;
      const s = ((Date.now() - t0) / 1000).toFixed(1);
      process.stderr.write(`\r\x1b[2K[${s}s] ${msg}`);
    },
    done() {
      if (shown) process.stderr.write("\r\x1b[2K");
    },
  };
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

export async function main(argv: string[]): Promise<number> {
  let parser = yargs(joinRelativeTimes(argv))
    .scriptName("ibsr-report")
    .usage(
      "$0 <dir>... [options]\n\nTurn IBSR snapshots (collector Parquet or reference JSONL) into an enforcement-simulation report.",
    )
    .option("out", {
      alias: "o",
      type: "string",
      describe: "output directory (default ./ibsr-report-<UTC date of generated_at>)",
    })
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
      describe: "only this host (collector Parquet); the host name for legacy JSONL",
    })
    .option("dst-ports", {
      type: "string",
      array: true,
      describe: "only these destination ports (comma-separated)",
    })
    .option("profile", {
      type: "string",
      choices: ["ibsr", "nr-ibsr"],
      default: "ibsr",
      describe: "ibsr (default) or nr-ibsr (reference conformance outputs)",
    })
    .option("format", {
      type: "string",
      describe: `outputs to write, subset of ${ALL_FORMATS.join(",")} (default all)`,
    })
    .option("quiet", { alias: "q", type: "boolean", default: false, describe: "print nothing on success" })
    .option("json", { type: "boolean", default: false, describe: "print summary.json on stdout" })
    .option("memory-limit", {
      type: "string",
      describe: "DuckDB memory limit, e.g. 2GB (default: 40% of RAM, at most 4 GB)",
    })
    .option("threads", { type: "string", describe: "DuckDB threads (1-256)" })
    .option("temp-dir", {
      type: "string",
      describe: "DuckDB spill directory (default: a fresh one under the OS temp dir)",
    });
  for (const k of CONFIG_KEYS)
    parser = parser.option(flagName(k), { type: "string", describe: CONFIG_HELP[k] });
  parser = parser
    .demandCommand(1, "give at least one directory of snapshots")
    .strictOptions()
    .exitProcess(false)
    .fail((msg, err) => {
      throw new ReportError(
        EXIT.USAGE,
        `${msg ?? err?.message ?? "bad command line"} (see ibsr-report --help)`,
      );
    })
    .example("$0 /var/lib/ibsr/snapshots", "everything on disk, into ./ibsr-report-<date>")
    .example("$0 ./snaps --since -24h --allowlist ok.txt -o today", "the last day, with an allowlist")
    .example("$0 ./snaps --json -q | jq .verdict", "the verdict for a script or cron job")
    .example("$0 ./fixture --profile nr-ibsr --config config.json --now 1000", "the reference's outputs")
    .epilogue(
      "Exit codes: 0 ok (also with skipped input lines, which the report lists), 1 I/O failure, 2 usage or no usable input, 3 bad allowlist or config. Docs: docs/report.md",
    )
    .help()
    .version(false)
    .wrap(Math.min(110, process.stdout.columns ?? 110));
  const args = await parser.parseAsync();
  if (args.help) return EXIT.OK;
  const inputs = args._.map(String);
  if (inputs.length === 0) return EXIT.OK; // --help

  const raw = args as Record<string, unknown>;
  const outDir = oneValue(raw, "out");
  const configPath = oneValue(raw, "config");
  const allowlistPath = oneValue(raw, "allowlist");
  const nowText = oneValue(raw, "now");
  const sinceText = oneValue(raw, "since");
  const untilText = oneValue(raw, "until");
  const host = oneValue(raw, "host");
  const profile = oneValue(raw, "profile");
  const memoryLimit = parseMemoryLimit(oneValue(raw, "memory-limit"));
  const threads = parseThreads(oneValue(raw, "threads"));
  const tempDirectory = oneValue(raw, "temp-dir");
  const flags: Partial<ReportConfig> = {};
  for (const k of CONFIG_KEYS) {
    const v = oneValue(raw, flagName(k));
    if (v !== undefined) flags[k] = parseConfigFlag(k, v);
  }
  const formats = parseFormats(args.format);
  const ports = args["dst-ports"] === undefined ? null : parsePorts(args["dst-ports"]);
  const nowSpec = nowText === undefined ? null : parseTimeSpec(nowText, "--now");
  if (nowSpec?.kind === "rel")
    throw new ReportError(EXIT.USAGE, "--now must be an absolute time (Unix seconds or ISO 8601)");
  const since = sinceText === undefined ? null : parseTimeSpec(sinceText, "--since");
  const until = untilText === undefined ? null : parseTimeSpec(untilText, "--until");

  if (profile === "nr-ibsr") {
    if (!outDir) throw new ReportError(EXIT.USAGE, "--profile nr-ibsr needs -o/--out");
    // The profile writes its files straight into the directory: the same -o rule, checked before reading.
    const target = checkOutputTarget(outDir, inputRealDirs(inputs));
    makeDirs(target.path);
    const res = await runNrIbsrProfile({ inputs, outDir, configPath, allowlistPath, now: nowText });
    markReportDirectory(
      target.path,
      res.files.map((f) => basename(f)),
      res.reportVersion,
    );
    if (args.json) process.stdout.write(`${JSON.stringify(res.summary, null, 2)}\n`);
    else if (!args.quiet) process.stdout.write(`Generated ${res.files.join(", ")} in ${outDir}\n`);
    return EXIT.OK;
  }

  const fileCfg = configPath === undefined ? {} : loadConfigFile(configPath);
  const cfg = resolveConfig(fileCfg, flags);
  const allowlist = allowlistPath === undefined ? EMPTY_ALLOWLIST : loadAllowlist(allowlistPath);
  const progress = progressLine(!args.quiet && !args.json);
  try {
    const out = await generateReport({
      inputs,
      cfg,
      allowlist,
      since,
      until,
      now: resolveTimeSpec(nowSpec, 0),
      host: host ?? null,
      ports,
      outDir: outDir ?? null,
      formats,
      engine: { memoryLimit, threads, tempDirectory },
      progress: progress.update,
    });
    progress.done();
    const m = out.result.model;
    if (args.json) process.stdout.write(out.summaryJson);
    else if (!args.quiet) {
      const lines = [
        `Report written to ${out.outDir}: ${out.files.join(", ")}`,
        `Verdict: ${m.verdict.label} - ${m.verdict.headline}`,
        ...m.verdict.reasons.map((r) => `  - ${r.text}`),
      ];
      if (m.scope.skipped.count > 0)
        lines.push(`Skipped input: ${m.scope.skipped.count} (listed in the report)`);
      process.stdout.write(`${lines.join("\n")}\n`);
    }
    return EXIT.OK;
  } finally {
    progress.done();
  }
}

/** The exit code and stderr text for an error that ended the run. */
export function describeFailure(e: unknown): { code: number; text: string } {
  if (e instanceof ReportError) return { code: e.exitCode, text: e.message };
  const err = e as NodeJS.ErrnoException;
  if (err && typeof err.code === "string" && /^E[A-Z]+$/.test(err.code))
    return { code: EXIT.IO, text: `${err.code}: ${err.message}` };
  const msg = (e instanceof Error ? e.message : String(e)).split("\n")[0]!;
  if (/Out of Memory/i.test(msg))
    return {
      code: EXIT.IO,
      text: `report failed: ${msg} (raise --memory-limit, lower --threads, or give --temp-dir on a larger disk)`,
    };
  // DuckDB reports file problems as IO Error; anything else is an engine failure while reading input.
  return { code: EXIT.IO, text: `report failed: ${msg}` };
}

function invokedDirectly(): boolean {
  const arg = process.argv[1];
  if (!arg) return false;
  try {
    return realpathSync(arg) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

if (invokedDirectly()) {
  cleanUpOnSignals();
  main(hideBin(process.argv)).then(
    (code) => {
      process.exitCode = code;
    },
    (e: unknown) => {
      const { code, text } = describeFailure(e);
      process.stderr.write(`ibsr-report: error: ${text}\n`);
      process.exitCode = code;
    },
  );
}
