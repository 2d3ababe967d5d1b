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
