#!/usr/bin/env node
// ibsr-report: the table of contents. Parses flags, then hands over to the command that does the work: the
// report (default profile or nr-ibsr) or `explain`. The engine, DuckDB and the renderers are imported only
// when a command runs, so --help starts fast (test/report-startup.test.ts).
import { realpathSync } from "node:fs";
import { basename } from "node:path";
import { fileURLToPath } from "node:url";
import yargs from "yargs";
import { hideBin } from "yargs/helpers";
import { cleanUpOnSignals } from "./cleanup.js";
import { EXIT, ReportError } from "./exit-codes.js";
import { ALL_FORMATS, type OutputFormat } from "./formats.js";
import { checkOutputTarget, inputRealDirs, makeDirs, markReportDirectory } from "./output.js";
import { progressLine } from "./progress-line.js";
import { addRunFlags, joinRelativeTimes, oneValue, readRunFlags, resolveRunInputs } from "./run-flags.js";

export { joinRelativeTimes } from "./run-flags.js";

/** The subcommand word; only as the first argument (a directory named so is `./explain`, or after `--`). */
export const EXPLAIN_COMMAND = "explain";

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

export async function main(argv: string[]): Promise<number> {
  if (argv[0] === EXPLAIN_COMMAND) {
    const { explainMain } = await import("./commands/explain.js");
    return explainMain(argv.slice(1));
  }
  const parser = addRunFlags(
    yargs(joinRelativeTimes(argv))
      .scriptName("ibsr-report")
      .usage(
        `$0 <dir>... [options]\n$0 ${EXPLAIN_COMMAND} <address|CIDR> <dir>... [options]\n\nTurn IBSR snapshots (collector Parquet or reference JSONL) into an enforcement-simulation report.\n\`${EXPLAIN_COMMAND}\` shows, interval by interval, why one address or CIDR was blocked or not (see ibsr-report ${EXPLAIN_COMMAND} --help).`,
      )
      .option("out", {
        alias: "o",
        type: "string",
        describe: "output directory (default ./ibsr-report-<UTC date of generated_at>)",
      }),
  )
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
    .example(`$0 ${EXPLAIN_COMMAND} 198.18.5.5 ./snaps --since -24h`, "why this source was (not) blocked")
    .example(
      `$0 ./${EXPLAIN_COMMAND}`,
      `report on a directory named "${EXPLAIN_COMMAND}" (or: $0 -- ${EXPLAIN_COMMAND})`,
    )
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
  const profile = oneValue(raw, "profile");
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

  const run = resolveRunInputs(flags, inputs);
  const progress = progressLine(!args.quiet && !args.json);
  const { generateReport } = await import("./report.js");
  try {
    const out = await generateReport({
      ...run,
      outDir: outDir ?? null,
      formats,
      engine: flags.engine,
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
