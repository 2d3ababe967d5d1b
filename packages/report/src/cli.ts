#!/usr/bin/env node
// ibsr-report: the table of contents. Parses flags, then hands over to the command that does the work: the
// report (default profile or nr-ibsr) or `explain`. The engine, DuckDB and the renderers are imported only
// when a command runs, so --help starts fast (test/report-startup.test.ts).
import { existsSync, realpathSync } from "node:fs";
import { basename } from "node:path";
import { fileURLToPath } from "node:url";
import {
  endQuietlyOnEpipe,
  type FlagSpec,
  flagSections,
  HELP_FLAG,
  packageVersion,
  renderHelp,
  suggest,
  VERSION_FLAG,
} from "@ibsr/contract/cli";
import { cleanUpOnSignals, runCleanups } from "./cleanup.js";
import {
  CATALOG_COMMAND,
  COMMANDS,
  COMPACT_COMMAND,
  EXPLAIN_COMMAND,
  IMPORT_JSONL_COMMAND,
  SQL_COMMAND,
} from "./commands/names.js";
import { EXIT, ReportError } from "./exit-codes.js";
import { ALL_FORMATS, type OutputFormat } from "./formats.js";
import { resolveHistoryDir } from "./history/options.js";
import { checkOutputTarget, inputRealDirs, makeDirs, markReportDirectory } from "./output.js";
import { progressLine } from "./progress-line.js";
import { oneValue, parseCommandFlags, RUN_FLAG_SPECS, readRunFlags, resolveRunInputs } from "./run-flags.js";

/** Each subcommand's entry point, loaded only when it runs. */
const COMMAND_MAINS: Record<(typeof COMMANDS)[number], () => Promise<(argv: string[]) => Promise<number>>> = {
  [EXPLAIN_COMMAND]: async () => (await import("./commands/explain.js")).explainMain,
  [SQL_COMMAND]: async () => (await import("./commands/sql.js")).sqlMain,
  [CATALOG_COMMAND]: async () => (await import("./commands/sql.js")).catalogMain,
  [COMPACT_COMMAND]: async () => (await import("./commands/compact.js")).compactMain,
  [IMPORT_JSONL_COMMAND]: async () => (await import("./commands/import-jsonl.js")).importJsonlMain,
};
export const PROFILES = ["ibsr", "nr-ibsr"] as const;

const OUTPUT = "Output";
const REPORT_FLAGS: readonly FlagSpec[] = [
  {
    name: "out",
    short: "o",
    kind: "string",
    value: "dir",
    group: OUTPUT,
    help: "Output directory",
    default: "./ibsr-report-<UTC date of generated_at>",
  },
  {
    name: "format",
    kind: "list",
    value: "format,...",
    group: OUTPUT,
    help: `Outputs to write, a subset of ${ALL_FORMATS.join(",")}`,
    default: "all",
  },
  {
    name: "profile",
    kind: "string",
    value: "name",
    group: OUTPUT,
    range: PROFILES.join("|"),
    help: "nr-ibsr writes the reference's conformance outputs",
    default: "ibsr",
  },
  {
    name: "history",
    kind: "string",
    value: "dir",
    group: OUTPUT,
    help: "History store: each report appends a record and compares itself with the earlier ones",
    default: "ibsr-history beside the output directory",
  },
  { name: "no-history", kind: "boolean", group: OUTPUT, help: "Neither read nor write the history store" },
  { name: "json", kind: "boolean", group: OUTPUT, help: "Print summary.json on stdout" },
  {
    name: "candidates",
    kind: "string",
    value: "file",
    group: OUTPUT,
    help: "Take the heavy pass's result from this Parquet/CSV (ibsr-report sql) instead of scanning the rows",
  },
  {
    name: "catalog",
    kind: "string",
    value: "file",
    group: OUTPUT,
    help: "With --candidates: the snapshot catalog from this sidecar (ibsr-report catalog), so no snapshot file is opened",
  },
  { name: "quiet", short: "q", kind: "boolean", group: OUTPUT, help: "Print nothing on success" },
  ...RUN_FLAG_SPECS,
  HELP_FLAG,
  VERSION_FLAG,
];

export function reportHelp(width?: number): string {
  return renderHelp(
    {
      usage: [
        `ibsr-report <dir>... [options]`,
        `ibsr-report ${EXPLAIN_COMMAND} <address|CIDR> <dir>... [options]`,
      ],
      description: [
        "Turn IBSR snapshots (collector Parquet or reference JSONL) into an enforcement-simulation report.",
        `\`${EXPLAIN_COMMAND}\` shows, interval by interval, why one address or CIDR was blocked or not (see ibsr-report ${EXPLAIN_COMMAND} --help).`,
      ],
      sections: [
        {
          title: "Commands",
          entries: [
            {
              term: "ibsr-report <dir>...",
              text: "Write a report on the snapshots under the directories [default]",
            },
            {
              term: `ibsr-report ${EXPLAIN_COMMAND} <address|CIDR> <dir>...`,
              text: "Why a source was blocked or not",
            },
            {
              term: `ibsr-report ${COMPACT_COMMAND} <dir>...`,
              text: `Merge each finished host-day into one Parquet file (see ibsr-report ${COMPACT_COMMAND} --help)`,
            },
            {
              term: `ibsr-report ${IMPORT_JSONL_COMMAND} <dir>... <out>`,
              text: "Convert the reference collector's JSONL into collector Parquet, once",
            },
          ],
        },
        ...flagSections(REPORT_FLAGS),
      ],
      examples: [
        {
          command: "ibsr-report /var/lib/ibsr/snapshots",
          text: "everything on disk, into ./ibsr-report-<date>",
        },
        {
          command: "ibsr-report ./snaps --since -24h --allowlist ok.txt -o today",
          text: "the last day, with an allowlist",
        },
        {
          command: "ibsr-report ./snaps --json -q | jq .verdict",
          text: "the verdict for a script or cron job",
        },
        {
          command: "ibsr-report ./fixture --profile nr-ibsr --config config.json --now 1000",
          text: "the reference's outputs",
        },
        {
          command: `ibsr-report ${EXPLAIN_COMMAND} 198.18.5.5 ./snaps --since -24h`,
          text: "why this source was (not) blocked",
        },
        {
          command: `ibsr-report ./${EXPLAIN_COMMAND}`,
          text: `report on a directory named "${EXPLAIN_COMMAND}"`,
        },
        { command: `ibsr-report -- ${EXPLAIN_COMMAND}`, text: "the same" },
      ],
      notes: [
        "Exit codes: 0 ok (also with skipped input lines, which the report lists), 1 I/O failure, 2 usage or no usable input, 3 bad allowlist or config. Docs: docs/report.md",
      ],
    },
    width,
  );
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

/** A word that is not a directory but looks like a mistyped command: say so, with the command. */
function checkMistypedCommand(inputs: string[]): void {
  for (const w of inputs) {
    const near = suggest(w, COMMANDS);
    if (near && !existsSync(w))
      throw new ReportError(
        EXIT.USAGE,
        `${JSON.stringify(w)} is neither a directory nor a command; did you mean ${JSON.stringify(near)}? (see ibsr-report --help)`,
      );
  }
}

export async function main(argv: string[]): Promise<number> {
  const command = argv[0];
  if (command !== undefined && Object.hasOwn(COMMAND_MAINS, command))
    return (await COMMAND_MAINS[command as keyof typeof COMMAND_MAINS]())(argv.slice(1));
  const { raw, positionals: inputs } = parseCommandFlags(argv, REPORT_FLAGS, "ibsr-report");
  if (raw.help === true) {
    process.stdout.write(reportHelp());
    return EXIT.OK;
  }
  if (raw.version === true) {
    process.stdout.write(`${packageVersion(import.meta.url)}\n`);
    return EXIT.OK;
  }
  checkMistypedCommand(inputs);
  if (inputs.length === 0)
    throw new ReportError(EXIT.USAGE, "give at least one directory of snapshots (see ibsr-report --help)");
  const args = { json: raw.json === true, quiet: raw.quiet === true, format: raw.format };
  const outDir = oneValue(raw, "out");
  const profile = oneValue(raw, "profile") ?? "ibsr";
  if (!(PROFILES as readonly string[]).includes(profile))
    throw new ReportError(
      EXIT.USAGE,
      `--profile ${JSON.stringify(profile)}: must be one of ${PROFILES.join(", ")}`,
    );
  const flags = readRunFlags(raw);
  const formats = parseFormats(args.format);

  if (profile === "nr-ibsr") {
    if (!outDir) throw new ReportError(EXIT.USAGE, "--profile nr-ibsr needs -o/--out");
    // The profile writes its files straight into the directory: the same -o rule, checked before reading.
    const target = checkOutputTarget(outDir, inputRealDirs(inputs));
    makeDirs(target.path);
    const { runNrIbsrProfile } = await import("./profiles/nr-ibsr/index.js");
    const res = await runNrIbsrProfile({
      inputs,
      outDir,
      configPath: flags.configPath,
      allowlistPath: flags.allowlistPath,
      now: flags.nowText,
    });
    markReportDirectory(
      target.path,
      res.files.map((f) => basename(f)),
      res.reportVersion,
    );
    if (args.json) process.stdout.write(`${JSON.stringify(res.summary, null, 2)}\n`);
    else if (!args.quiet) process.stdout.write(`Generated ${res.files.join(", ")} in ${outDir}\n`);
    return EXIT.OK;
  }

  const run = {
    ...resolveRunInputs(flags, inputs),
    candidates: oneValue(raw, "candidates") ?? null,
    catalog: oneValue(raw, "catalog") ?? null,
  };
  if (run.catalog !== null && run.candidates === null)
    throw new ReportError(
      EXIT.USAGE,
      "--catalog goes with --candidates (the heavy pass's result from another engine); without it the report reads the snapshots themselves",
    );
  const history = resolveHistoryDir(oneValue(raw, "history"), raw["no-history"] === true, outDir, inputs);
  const progress = progressLine(!args.quiet && !args.json);
  const { generateReport } = await import("./report.js");
  try {
    const out = await generateReport({
      ...run,
      outDir: outDir ?? null,
      formats,
      engine: flags.engine,
      progress: progress.update,
      history,
    });
    progress.done();
    // The report is the product: a history store that cannot be written is a warning (also in the report).
    if (out.historyWarning) process.stderr.write(`ibsr-report: warning: ${out.historyWarning}\n`);
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
  endQuietlyOnEpipe(process.stdout, runCleanups);
  main(process.argv.slice(2)).then(
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
