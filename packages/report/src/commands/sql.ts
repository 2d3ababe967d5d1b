// `ibsr-report sql --engine duckdb|clickhouse|trino --catalog CATALOG <location>`: prints the heavy pass as SQL
// for an engine the operator runs (heavy/heavy-sql.ts); and `ibsr-report catalog <dir>... -o CATALOG.parquet`:
// writes the catalog sidecar that query joins (heavy/catalog-table.ts). The same window, host, port and
// threshold flags as a report. docs/operate.md: running the heavy pass on ClickHouse or Trino.
import { existsSync, realpathSync } from "node:fs";
import { dirname, resolve, sep } from "node:path";
import { type FlagSpec, flagSections, HELP_FLAG, renderHelp } from "@ibsr/contract/cli";
import { EXIT, ReportError } from "../exit-codes.js";
import { oneValue, parseCommandFlags, RUN_FLAG_SPECS, readRunFlags, resolveRunInputs } from "../run-flags.js";

export { CATALOG_COMMAND, SQL_COMMAND } from "./names.js";

const ENGINE_NAMES = ["duckdb", "clickhouse", "trino"];

const SQL_FLAGS: readonly FlagSpec[] = [
  {
    name: "engine",
    kind: "string",
    value: "name",
    group: "Query",
    range: ENGINE_NAMES.join("|"),
    help: "The engine the SQL is for",
    default: "duckdb",
  },
  {
    name: "catalog",
    kind: "string",
    value: "file|table",
    group: "Query",
    help: "The catalog sidecar (ibsr-report catalog); a table name for Trino",
  },
  ...RUN_FLAG_SPECS,
  HELP_FLAG,
];

const CATALOG_FLAGS: readonly FlagSpec[] = [
  {
    name: "out",
    short: "o",
    kind: "string",
    value: "file.parquet",
    group: "Output",
    help: "The sidecar to write",
  },
  HELP_FLAG,
];

export function sqlHelp(width?: number): string {
  return renderHelp(
    {
      usage: [
        "ibsr-report sql --catalog <catalog> <location> [options]",
        "ibsr-report catalog <dir>... -o <catalog.parquet>",
      ],
      description: [
        "Prints the heavy pass (the scan of every snapshot row into candidate rows, per-interval and per-port totals, key totals and invalid rows) as one SQL query for DuckDB, ClickHouse or Trino. Run it there, save the result as Parquet or CSV, and give it to ibsr-report --candidates with the same snapshots and flags: the report is the same as the in-process one. The location is a directory or glob of snapshot files (DuckDB, ClickHouse; s3:// for ClickHouse) or the snapshot table (Trino). `catalog` writes the sidecar the query joins: one row per snapshot with its footer metadata and interval; rows join it by snapshot and file name, so originals kept beside a compacted file are not counted twice. The ClickHouse text needs ClickHouse 26.3 or later (MATERIALIZED in WITH; docs/operate.md says what to change for an older server).",
      ],
      sections: flagSections(SQL_FLAGS),
      examples: [
        {
          command: "ibsr-report catalog /var/lib/ibsr/snapshots -o /tmp/ibsr-catalog.parquet",
          text: "the sidecar",
        },
        {
          command:
            "ibsr-report sql --engine clickhouse --catalog /tmp/ibsr-catalog.parquet /var/lib/ibsr/snapshots --since -24h > heavy.sql",
          text: "the query for clickhouse-local",
        },
        {
          command: "ibsr-report /var/lib/ibsr/snapshots --since -24h --candidates candidates.parquet -o out",
          text: "the report from its result",
        },
      ],
      notes: ["Exit codes: 0 ok, 1 I/O failure, 2 usage or no usable input. Docs: docs/operate.md"],
    },
    width,
  );
}

export async function sqlMain(argv: string[]): Promise<number> {
  const { raw, positionals } = parseCommandFlags(argv, SQL_FLAGS, "ibsr-report sql");
  if (raw.help === true) {
    process.stdout.write(sqlHelp());
    return EXIT.OK;
  }
  const engine = oneValue(raw, "engine") ?? "duckdb";
  if (!ENGINE_NAMES.includes(engine))
    throw new ReportError(
      EXIT.USAGE,
      `--engine ${JSON.stringify(engine)}: must be one of ${ENGINE_NAMES.join(", ")}`,
    );
  const catalog = oneValue(raw, "catalog");
  if (catalog === undefined)
    throw new ReportError(
      EXIT.USAGE,
      "sql: give --catalog (the sidecar from ibsr-report catalog, or its Trino table)",
    );
  if (positionals.length !== 1)
    throw new ReportError(
      EXIT.USAGE,
      "sql: give exactly one snapshot location (a directory, a glob, or the Trino table)",
    );
  const flags = readRunFlags(raw);
  const run = resolveRunInputs(flags, positionals);
  const [{ DIALECTS }, { heavySql }] = await Promise.all([
    import("../heavy/dialects.js"),
    import("../heavy/heavy-sql.js"),
  ]);
  const d = DIALECTS[engine as keyof typeof DIALECTS];
  process.stdout.write(
    heavySql(d, {
      rows: d.rowsFrom(positionals[0]!),
      catalog: d.catalogFrom(catalog),
      cfg: run.cfg,
      since: run.since,
      until: run.until,
      now: run.now,
      host: run.host,
      ports: run.ports,
    }),
  );
  return EXIT.OK;
}

export async function catalogMain(argv: string[]): Promise<number> {
  const { raw, positionals } = parseCommandFlags(argv, CATALOG_FLAGS, "ibsr-report catalog");
  if (raw.help === true) {
    process.stdout.write(sqlHelp());
    return EXIT.OK;
  }
  const out = oneValue(raw, "out");
  if (out === undefined || positionals.length === 0)
    throw new ReportError(
      EXIT.USAGE,
      "catalog: give at least one snapshot directory and -o <catalog.parquet>",
    );
  if (existsSync(out))
    throw new ReportError(EXIT.USAGE, `catalog: ${out} exists; give a new file (nothing is overwritten)`);
  // Inside the tree, engines reading the tree would read the sidecar as a snapshot file.
  const outDir = realpathSync(dirname(resolve(out)));
  for (const d of positionals) {
    const real = existsSync(d) ? realpathSync(d) : resolve(d);
    if (outDir === real || outDir.startsWith(real + sep))
      throw new ReportError(EXIT.USAGE, `catalog: write ${out} outside the snapshot tree ${d}`);
  }
  const [{ discoverSnapshots }, { withDuckDB }, { readCatalog }, { writeCatalogTable }] = await Promise.all([
    import("../engine.js"),
    import("../ingest/duckdb.js"),
    import("../stages/read-catalog.js"),
    import("../heavy/catalog-table.js"),
  ]);
  const found = discoverSnapshots(positionals);
  if (found.jsonl.length > 0)
    throw new ReportError(
      EXIT.USAGE,
      "catalog: reference-collector JSONL cannot be read by SQL engines; report on it in-process",
    );
  const run = resolveRunInputs(readRunFlags({}), positionals);
  const n = await withDuckDB({}, async (c) => {
    const cat = await readCatalog(c, found, [], { ...run, progress: () => {} });
    return writeCatalogTable(c, cat.snaps, out);
  });
  process.stdout.write(`${n} snapshot(s) written to ${out}\n`);
  return EXIT.OK;
}
