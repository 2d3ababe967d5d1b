// A check of SQL text printed for Trino, which cannot run here: every function it calls is one Trino has
// with the meaning the query needs, and no other engine's syntax is left in it. Test-only.

/**
 * Functions the Trino query may call, each in Trino's documentation with these semantics: aggregates sum,
 * max, count; least/greatest (scalar, any comparable type); floor/ceil (double); lower; to_hex/from_hex
 * (varbinary <-> hex text); length/substr (varbinary: bytes); coalesce; CAST; grouping (0 when the column is in
 * the row's grouping set, 1 when not); regexp_extract(s, pattern) (the first match, NULL without one); count(*) OVER
 * (PARTITION BY ...) (a window).
 */
export const TRINO_FUNCTIONS = new Set([
  "cast",
  "sum",
  "max",
  "count",
  "least",
  "greatest",
  "floor",
  "ceil",
  "lower",
  "to_hex",
  "from_hex",
  "length",
  "substr",
  "coalesce",
  "grouping",
  "regexp_extract",
]);

/** Words that may stand before "(" without being a call. */
const KEYWORDS = new Set([
  "in",
  "as",
  "from",
  "join",
  "on",
  "and",
  "or",
  "not",
  "when",
  "then",
  "else",
  "select",
  "where",
  "exists",
  "over",
  "sets",
]);

/** Other engines' syntax: DuckDB casts, slices, parameters, struct literals; ClickHouse settings and backticks. */
const FORBIDDEN: readonly [RegExp, string][] = [
  [/::/, "DuckDB/PostgreSQL cast (::)"],
  [/\[/, "DuckDB list slice or literal ([)"],
  [/(?<!")\$/, 'a bound parameter ($; the Hive connector\'s "$path" column is fine)'],
  [/\{/, "a struct literal ({)"],
  [/`/, "a backtick-quoted name"],
  [/\bSETTINGS\b/i, "ClickHouse SETTINGS"],
  [/\bread_parquet\b/i, "a DuckDB table function"],
  [/\/\//, "DuckDB integer division (//)"],
];

/** What in `sql` Trino would not run (empty when nothing). */
export function trinoProblems(sql: string): string[] {
  const text = sql.replace(/'(?:[^']|'')*'/g, "''");
  const out: string[] = [];
  for (const [re, what] of FORBIDDEN) if (re.test(text)) out.push(what);
  for (const m of text.matchAll(/([A-Za-z_][A-Za-z0-9_]*)\s*\(/g)) {
    const name = m[1]!.toLowerCase();
    if (!KEYWORDS.has(name) && !TRINO_FUNCTIONS.has(name)) out.push(`function ${m[1]}`);
  }
  return [...new Set(out)];
}
