// The one rule for a stored row (Parquet) or bucket (reference JSONL): a SQL CASE that is NULL for a valid row
// and names the first broken rule otherwise. Invalid rows are skipped and counted per file and reason, never
// analysed. Reasons are fixed texts (no values) so they can be grouped.

/**
 * Largest counter or delta accepted: 2^53 - 1, so every value (and the per-key BigInt totals built from them)
 * stays exact as a JS number, and DuckDB sums (BIGINT -> HUGEINT) cannot overflow.
 */
export const MAX_COUNTER = 2 ** 53 - 1;

export interface RowColumns {
  /** SQL expressions for the key parts. */
  family: string;
  prefixLen: string;
  /** 16-byte big-endian address; null when the format checks its address elsewhere (JSONL text). */
  src: string | null;
  dstPort: string;
  /** Counter expressions with the names used in reasons, e.g. [["syn_delta", "p.syn_delta"]]. */
  counters: readonly (readonly [name: string, expr: string])[];
}

const ZERO12 = "from_hex('000000000000000000000000')";

/** The byte-string functions the rule uses, per engine (DuckDB's by default). */
export interface BytesDialect {
  octetLength(e: string): string;
  /** Bytes 5 to 16 of a 16-byte string. */
  tail12(e: string): string;
  /** Twelve zero bytes. */
  zero12: string;
}

export const DUCKDB_BYTES: BytesDialect = {
  octetLength: (e) => `octet_length(${e})`,
  tail12: (e) => `${e}[5:]`,
  zero12: ZERO12,
};

/** NULL for a valid row, else the reason (VARCHAR). */
export function rowReasonSql(c: RowColumns, b: BytesDialect = DUCKDB_BYTES): string {
  const inRange = (e: string) => `coalesce(${e} BETWEEN 0 AND ${MAX_COUNTER}, false)`;
  // The counters are checked together first: only an invalid row pays for finding which one.
  const which = c.counters
    .map(
      ([name, e]) => `WHEN ${e} IS NULL THEN '${name} is missing (NULL)'
      WHEN ${e} < 0 THEN '${name} is negative'
      WHEN ${e} > ${MAX_COUNTER} THEN '${name} is above 2^53-1'`,
    )
    .join("\n      ");
  const src =
    c.src === null
      ? ""
      : `
  WHEN ${c.src} IS NULL THEN 'src is missing (NULL)'
  WHEN ${b.octetLength(c.src)} <> 16 THEN 'src is not 16 bytes'
  WHEN ${c.family} = 4 AND ${b.tail12(c.src)} <> ${b.zero12} THEN 'IPv4 src has non-zero bytes after the first 4'`;
  const valid = [
    `${c.family} IN (4, 6)`,
    `${c.prefixLen} BETWEEN 1 AND (CASE WHEN ${c.family} = 4 THEN 32 ELSE 128 END)`,
    ...(c.src === null
      ? []
      : [`${b.octetLength(c.src)} = 16`, `(${c.family} = 6 OR ${b.tail12(c.src)} = ${b.zero12})`]),
    `${c.dstPort} BETWEEN 0 AND 65535`,
    ...c.counters.map(([, e]) => `${e} BETWEEN 0 AND ${MAX_COUNTER}`),
  ].join(" AND ");
  // The conjunction is the fast path every valid row takes (NULL anywhere makes it NULL: not valid); only an
  // invalid row evaluates the CASE that names its first broken rule.
  return `(CASE WHEN ${valid} THEN NULL ELSE (CASE
  WHEN ${c.family} IS NULL OR ${c.family} NOT IN (4, 6) THEN 'family is not 4 or 6'
  WHEN ${c.prefixLen} IS NULL OR ${c.prefixLen} < 1 OR ${c.prefixLen} > (CASE WHEN ${c.family} = 4 THEN 32 ELSE 128 END)
    THEN 'prefix_len out of range (1-32 for IPv4, 1-128 for IPv6)'${src}
  WHEN ${c.dstPort} IS NULL OR ${c.dstPort} < 0 OR ${c.dstPort} > 65535 THEN 'dst_port out of range (0-65535)'
  WHEN NOT (${c.counters.map(([, e]) => inRange(e)).join(" AND ")}) THEN (CASE
      ${which} END)
  ELSE 'invalid row' END) END)`;
}
