// Quoting for the few places where a value cannot be bound as a parameter (file lists inside
// read_parquet(), table names, COPY targets). Everything else is bound.

/** A SQL string literal: single quotes doubled; NUL rejected because DuckDB cannot represent it. */
export function quoteLiteral(value: string): string {
  if (value.includes("\0")) throw new Error(`cannot quote a string containing NUL: ${JSON.stringify(value)}`);
  return `'${value.replaceAll("'", "''")}'`;
}

/** A SQL identifier: double quotes doubled. */
export function quoteIdent(name: string): string {
  if (name.includes("\0"))
    throw new Error(`cannot quote an identifier containing NUL: ${JSON.stringify(name)}`);
  return `"${name.replaceAll('"', '""')}"`;
}

/** A list literal of strings: ['a', 'b']. */
export function quoteList(values: readonly string[]): string {
  return `[${values.map(quoteLiteral).join(", ")}]`;
}

/** Characters DuckDB's file functions treat as a pattern (read_parquet, read_json, parquet_metadata, ...). */
const GLOB_CHARS = /[*?[\]{}]/;

/**
 * A file path as DuckDB must receive it to open exactly that file: every pattern character becomes a
 * one-character class (`*` -> `[*]`, `[` -> `[[]`), measured to match only itself; the `filename` column
 * still gives the real path. A backslash cannot be put in a class, so a path with both a backslash and a
 * pattern character cannot be named: null (the caller skips the file with a reason). Paths without pattern
 * characters are passed as they are (DuckDB does not glob them).
 */
export function literalPath(path: string): string | null {
  if (!GLOB_CHARS.test(path)) return path;
  if (path.includes("\\")) return null;
  return path.replace(/[*?[\]{}]/g, (m) => `[${m}]`);
}

/** The reason a path cannot be given to DuckDB, for the skipped list (null when it can). */
export function unreadablePathReason(path: string): string | null {
  return literalPath(path) === null
    ? "the path has both a backslash and a glob character (* ? [ ] { }), which DuckDB cannot open literally: rename the file or folder"
    : null;
}

/** The one way a list of input files reaches DuckDB: a list literal of literal paths (never patterns). */
export function fileList(files: readonly string[]): string {
  return quoteList(
    files.map((f) => {
      const p = literalPath(f);
      if (p === null) throw new Error(`internal: ${f} reached DuckDB although it cannot be named literally`);
      return p;
    }),
  );
}
