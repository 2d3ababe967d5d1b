// `ibsr-report import-jsonl <dir>... <out>`: converts the reference collector's JSONL into collector snapshot
// files (ingest/import-jsonl.ts) once, so later reports on <out> read Parquet. docs/report.md: Importing
// reference JSONL.
import { existsSync, realpathSync } from "node:fs";
import { resolve, sep } from "node:path";
import { SNAPSHOT_GLOB } from "@ibsr/contract";
import { type FlagSpec, flagSections, HELP_FLAG, packageVersion, renderHelp } from "@ibsr/contract/cli";
import { EXIT, ReportError } from "../exit-codes.js";
import { parseCommandFlags, RUN_FLAG_SPECS, readRunFlags } from "../run-flags.js";
import { IMPORT_JSONL_COMMAND } from "./names.js";

/** Skip reasons printed; the count covers all of them. */
const REASONS_SHOWN = 20;

const ENGINE_FLAGS = new Set(["memory-limit", "threads", "temp-dir"]);

const IMPORT_FLAGS: readonly FlagSpec[] = [
  {
    name: "host",
    kind: "string",
    value: "name",
    group: "Input",
    help: "Host name of the snapshots",
    default: "the folder holding each file (host=<name> gives <name>)",
  },
  { name: "quiet", short: "q", kind: "boolean", group: "Output", help: "Print nothing on success" },
  ...RUN_FLAG_SPECS.filter((f) => ENGINE_FLAGS.has(f.name)),
  HELP_FLAG,
];

export function importJsonlHelp(width?: number): string {
  return renderHelp(
    {
      usage: ["ibsr-report import-jsonl <dir>... <out> [options]"],
      description: [
        `Converts the reference collector's JSONL snapshots under the directories into ibsr-collect snapshot files under <out> (${SNAPSHOT_GLOB}, one Parquet file per snapshot, deltas computed), so that later reports on <out> read Parquet. Lines a report would skip are skipped, counted and recorded in the output (a report on it counts them as skipped input). Existing files in <out> are never replaced.`,
      ],
      sections: flagSections(IMPORT_FLAGS),
      notes: [
        'The reference\'s JSONL names no interface (imported as "unknown") and no insert time (first_seen_mono_ns is NULL). A run whose snapshots repeat or come out of time order is refused: report on the JSONL directly. Docs: docs/report.md',
      ],
      examples: [
        { command: "ibsr-report import-jsonl ./reference-snaps ./snaps", text: "convert once" },
        { command: "ibsr-report ./snaps --since -24h", text: "then report on the Parquet" },
        { command: "ibsr-report import-jsonl ./old --host edge-1 ./snaps", text: "name the host" },
        { command: "ibsr-report import-jsonl ./old ./snaps --memory-limit 1GB", text: "a smaller engine" },
      ],
    },
    width,
  );
}

export async function importJsonlMain(argv: string[]): Promise<number> {
  const { raw, positionals } = parseCommandFlags(argv, IMPORT_FLAGS, `ibsr-report ${IMPORT_JSONL_COMMAND}`);
  if (raw.help === true) {
    process.stdout.write(importJsonlHelp());
    return EXIT.OK;
  }
  if (positionals.length < 2)
    throw new ReportError(
      EXIT.USAGE,
      `${IMPORT_JSONL_COMMAND}: give the JSONL directories and then the output directory (see ibsr-report ${IMPORT_JSONL_COMMAND} --help)`,
    );
  const out = resolve(positionals[positionals.length - 1]!);
  const inputs = positionals.slice(0, -1);
  for (const d of inputs) {
    if (!existsSync(d)) throw new ReportError(EXIT.USAGE, `${IMPORT_JSONL_COMMAND}: ${d} does not exist`);
    const real = realpathSync(d);
    const outReal = existsSync(out) ? realpathSync(out) : out;
    // Inside the input, the next import or report would read the output as input; around it, the reverse.
    if (outReal === real || outReal.startsWith(real + sep) || real.startsWith(outReal + sep))
      throw new ReportError(
        EXIT.USAGE,
        `${IMPORT_JSONL_COMMAND}: the output ${out} and the input ${d} must not contain each other`,
      );
  }
  const engine = readRunFlags(
    Object.fromEntries(Object.entries(raw).filter(([k]) => ENGINE_FLAGS.has(k))),
  ).engine;

  const host = typeof raw.host === "string" && raw.host !== "" ? raw.host : null;
  const [{ discoverInputs }, { withDuckDB }, { importJsonl }] = await Promise.all([
    import("../ingest/discover.js"),
    import("../ingest/duckdb.js"),
    import("../ingest/import-jsonl.js"),
  ]);
  const found = discoverInputs(inputs);
  if (found.jsonl.length === 0)
    throw new ReportError(
      EXIT.USAGE,
      `${IMPORT_JSONL_COMMAND}: no *.jsonl[.gz] files under ${inputs.join(", ")} (the reference collector's snapshots)`,
    );
  const version = `ibsr-report ${packageVersion(new URL("../cli.js", import.meta.url).href)} ${IMPORT_JSONL_COMMAND}`;
  const res = await withDuckDB(engine, (c) => importJsonl(c, found.jsonl, out, { hostFlag: host, version }));
  if (raw.quiet !== true) {
    const lines = [
      `Imported ${res.files.length} snapshot(s), ${res.rows} row(s), from ${found.jsonl.length} JSONL file(s) into ${out}`,
    ];
    if (found.parquet.length > 0)
      lines.push(
        `Left alone: ${found.parquet.length} Parquet file(s) under the input (already collector snapshots)`,
      );
    if (res.skippedCount > 0) {
      lines.push(
        `Skipped: ${res.skippedCount} (lines, buckets or files, as a report on the JSONL skips them; recorded in the snapshots, so a report on the output counts them too)`,
      );
      for (const s of res.skipped.slice(0, REASONS_SHOWN))
        lines.push(`  - ${s.file}${s.line !== null ? `:${s.line}` : ""}: ${s.reason}`);
      if (res.skipped.length > REASONS_SHOWN)
        lines.push(`  - ... ${res.skipped.length - REASONS_SHOWN} more`);
    }
    process.stdout.write(`${lines.join("\n")}\n`);
  }
  return EXIT.OK;
}
