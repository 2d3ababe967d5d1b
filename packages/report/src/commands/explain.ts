// `ibsr-report explain <address|CIDR> <dir>...`: why one source was blocked or not, interval by interval.
// The same window, host, port, threshold, config and allowlist flags as a report (run-flags.ts); --json for
// scripts. The engine and DuckDB are imported only once the command line is valid.
import yargs from "yargs";
import { EXIT, ReportError } from "../exit-codes.js";
import { progressLine } from "../progress-line.js";
import { addRunFlags, joinRelativeTimes, readRunFlags, resolveRunInputs } from "../run-flags.js";

export async function explainMain(argv: string[]): Promise<number> {
  const parser = addRunFlags(
    yargs(joinRelativeTimes(argv))
      .scriptName("ibsr-report explain")
      .usage(
        "$0 <address|CIDR> <dir>... [options]\n\nWhy a source was blocked or not: for every key of the address (its key on each port; an IPv6 address's /64 key) or every key inside the CIDR, each interval's rates next to the thresholds, which condition fired or which comparison failed, when a rule would have fired, the block windows and would-drop, and whether the allowlist spared it. The same analysis as the report, with the same flags.",
      ),
  )
    .option("json", {
      type: "boolean",
      default: false,
      describe: "print the explanation as one JSON document",
    })
    .option("quiet", { alias: "q", type: "boolean", default: false, describe: "no progress line" })
    .strictOptions()
    .exitProcess(false)
    .fail((msg, err) => {
      throw new ReportError(
        EXIT.USAGE,
        `${msg ?? err?.message ?? "bad command line"} (see ibsr-report explain --help)`,
      );
    })
    .example("$0 198.18.5.5 /var/lib/ibsr/snapshots", "one IPv4 source, on every port")
    .example("$0 2001:2:0:9::1 ./snaps --since -24h", "an IPv6 address: its /64 key")
    .example("$0 198.18.0.0/24 ./snaps --dst-ports 443", "every key of a /24 on port 443")
    .example("$0 198.18.5.5 ./snaps --json | jq '.keys[].block_windows'", "for a script")
    .epilogue(
      'An address with no traffic in the window prints "no traffic from <address> in the window" and exits 0. Exit codes: 0 ok, 1 I/O failure, 2 usage (an invalid address or CIDR) or no usable input, 3 bad allowlist or config. To report on a directory named explain, write ibsr-report ./explain. Docs: docs/report.md',
    )
    .help()
    .version(false)
    .wrap(Math.min(110, process.stdout.columns ?? 110));
  const args = await parser.parseAsync();
  if (args.help) return EXIT.OK;
  const [targetText, ...inputs] = args._.map(String);
  if (targetText === undefined)
    throw new ReportError(
      EXIT.USAGE,
      "explain: give an address or CIDR, then at least one directory of snapshots (see ibsr-report explain --help; to report on a directory named explain, write ibsr-report ./explain)",
    );
  // Checked before anything is read, so a mistyped address fails at once.
  const { parseTarget } = await import("../explain/target.js");
  const target = parseTarget(targetText);
  if (inputs.length === 0)
    throw new ReportError(
      EXIT.USAGE,
      `explain ${targetText}: give at least one directory of snapshots after the address`,
    );
  const flags = readRunFlags(args as Record<string, unknown>);
  const run = resolveRunInputs(flags, inputs);
  const progress = progressLine(!args.quiet && !args.json);
  const [{ runExplain }, { renderExplainJson }, { renderExplainText }] = await Promise.all([
    import("../explain/explain.js"),
    import("../explain/render-json.js"),
    import("../explain/render-text.js"),
  ]);
  try {
    const model = await runExplain({ ...run, target, engine: flags.engine, progress: progress.update });
    progress.done();
    process.stdout.write(args.json ? renderExplainJson(model) : renderExplainText(model));
    return EXIT.OK;
  } finally {
    progress.done();
  }
}
