// `ibsr-report explain <address|CIDR> <dir>...`: why one source was blocked or not, interval by interval.
// The same window, host, port, threshold, config and allowlist flags as a report (run-flags.ts); --json for
// scripts. The engine and DuckDB are imported only once the command line is valid.
import { flagSections, HELP_FLAG, packageVersion, renderHelp, VERSION_FLAG } from "@ibsr/contract/cli";
import { EXIT, ReportError } from "../exit-codes.js";
import { progressLine } from "../progress-line.js";
import { parseCommandFlags, RUN_FLAG_SPECS, readRunFlags, resolveRunInputs } from "../run-flags.js";
import { EXPLAIN_COMMAND } from "./names.js";

const EXPLAIN_FLAGS = [
  { name: "json", kind: "boolean", group: "Output", help: "Print the explanation as one JSON document" },
  { name: "quiet", short: "q", kind: "boolean", group: "Output", help: "No progress line" },
  ...RUN_FLAG_SPECS,
  HELP_FLAG,
  VERSION_FLAG,
] as const;

export function explainHelp(width?: number): string {
  return renderHelp(
    {
      usage: [`ibsr-report ${EXPLAIN_COMMAND} <address|CIDR> <dir>... [options]`],
      description: [
        "Why a source was blocked or not: for every key of the address (its key on each port; an IPv6 address's /64 key) or every key inside the CIDR, each interval's rates next to the thresholds, which condition fired or which comparison failed, when a rule would have fired, the block windows and would-drop, and whether the allowlist spared it. The same analysis as the report, with the same flags.",
      ],
      sections: flagSections(EXPLAIN_FLAGS),
      examples: [
        {
          command: `ibsr-report ${EXPLAIN_COMMAND} 198.18.5.5 /var/lib/ibsr/snapshots`,
          text: "one IPv4 source, on every port",
        },
        {
          command: `ibsr-report ${EXPLAIN_COMMAND} 2001:2:0:9::1 ./snaps --since -24h`,
          text: "an IPv6 address: its /64 key",
        },
        {
          command: `ibsr-report ${EXPLAIN_COMMAND} 198.18.0.0/24 ./snaps --dst-ports 443`,
          text: "every key of a /24 on port 443",
        },
        {
          command: `ibsr-report ${EXPLAIN_COMMAND} 198.18.5.5 ./snaps --json | jq '.keys[].block_windows'`,
          text: "for a script",
        },
      ],
      notes: [
        'An address with no traffic in the window prints "no traffic from <address> in the window" and exits 0. Exit codes: 0 ok, 1 I/O failure, 2 usage (an invalid address or CIDR) or no usable input, 3 bad allowlist or config. To report on a directory named explain, write ibsr-report ./explain. Docs: docs/report.md',
      ],
    },
    width,
  );
}

export async function explainMain(argv: string[]): Promise<number> {
  const { raw, positionals } = parseCommandFlags(argv, EXPLAIN_FLAGS, `ibsr-report ${EXPLAIN_COMMAND}`);
  if (raw.help === true) {
    process.stdout.write(explainHelp());
    return EXIT.OK;
  }
  if (raw.version === true) {
    process.stdout.write(`${packageVersion(new URL("..", import.meta.url).href)}\n`);
    return EXIT.OK;
  }
  const args = { json: raw.json === true, quiet: raw.quiet === true };
  const [targetText, ...inputs] = positionals;
  if (targetText === undefined)
    throw new ReportError(
      EXIT.USAGE,
      `${EXPLAIN_COMMAND}: give an address or CIDR, then at least one directory of snapshots (see ibsr-report ${EXPLAIN_COMMAND} --help; to report on a directory named ${EXPLAIN_COMMAND}, write ibsr-report ./${EXPLAIN_COMMAND})`,
    );
  // Checked before anything is read, so a mistyped address fails at once.
  const { parseTarget } = await import("../explain/target.js");
  const target = parseTarget(targetText);
  if (inputs.length === 0)
    throw new ReportError(
      EXIT.USAGE,
      `explain ${targetText}: give at least one directory of snapshots after the address`,
    );
  const flags = readRunFlags(raw);
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
