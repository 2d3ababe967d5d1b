// The subcommand words of ibsr-report, each defined once: cli.ts dispatches on them and each command's usage,
// help and error texts name itself with them. Constants only, so cli.ts reads them without loading a command
// (--help starts fast: test/report-startup.test.ts).

/** `explain <address|CIDR> <dir>...` (commands/explain.ts). */
export const EXPLAIN_COMMAND = "explain";
/** `sql --engine ...` (commands/sql.ts). */
export const SQL_COMMAND = "sql";
/** `catalog <dir>... -o FILE` (commands/sql.ts). */
export const CATALOG_COMMAND = "catalog";
/** `compact <dir>...` (commands/compact.ts). */
export const COMPACT_COMMAND = "compact";
/** `import-jsonl <dir>... <out>` (commands/import-jsonl.ts). */
export const IMPORT_JSONL_COMMAND = "import-jsonl";

/** Every subcommand word (only as the first argument; a directory named so is `./<word>`). */
export const COMMANDS = [
  EXPLAIN_COMMAND,
  SQL_COMMAND,
  CATALOG_COMMAND,
  COMPACT_COMMAND,
  IMPORT_JSONL_COMMAND,
] as const;
