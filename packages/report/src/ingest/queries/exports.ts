// The one question the export merge asks of the per-key table (which stays in DuckDB, whatever its size): which
// proposed entries (export_check_t: a prefix on a port, port 0 = any) overlap a key with traffic in the window
// that is not itself an enforceable key (export_keys_t)? Addresses are compared as 128-bit numbers (IPv4 in the
// leading 32 bits, as the key table stores them), prefixes on their common leading bits.

/** A 16-byte big-endian address column as a UHUGEINT. */
function value128(col: string): string {
  return `((('0x' || substr(hex(${col}), 1, 16))::UBIGINT::UHUGEINT << 64) | ('0x' || substr(hex(${col}), 17, 16))::UBIGINT::UHUGEINT)`;
}

/** Entries and keys are joined on their leading bits at this length (a hash join); shorter ones pairwise. */
function bucketLen(family: string): string {
  return `CASE WHEN ${family} = 4 THEN $v4_bucket ELSE $v6_bucket END`;
}

/** `v >> n` for a 128-bit v (DuckDB shifts a UHUGEINT only by a UHUGEINT; by 128 it gives 0). */
const shr = (v: string, n: string) => `(${v} >> (${n})::UHUGEINT)`;

const BUCKET = (len: string, family: string, v: string) =>
  `CASE WHEN ${len} >= ${bucketLen(family)} THEN ${shr(v, `128 - ${bucketLen(family)}`)} END`;

/** Two prefixes overlap when their leading min(len) bits are equal; same port, or either "any port". */
const OVERLAP = `(k.dst_port = c.port OR k.dst_port = 0 OR c.port = 0)
  AND ${shr("k.v", "128 - least(k.prefix_len, c.len)")} = ${shr("c.v", "128 - least(k.prefix_len, c.len)")}`;

/** The cid of every export_check_t entry with other traffic inside (or around) it. */
export const EXPORT_CONFLICTS_SQL = `WITH k AS (
  SELECT k.family, k.prefix_len, k.dst_port, ${value128("k.src")} AS v
  FROM keys_v k
  ANTI JOIN export_keys_t e
    ON e.family = k.family AND e.src = k.src AND e.prefix_len = k.prefix_len AND e.dst_port = k.dst_port
), kb AS (SELECT *, ${BUCKET("prefix_len", "family", "v")} AS b FROM k),
c AS (SELECT cid, family, port, len, ${value128("net")} AS v FROM export_check_t),
cb AS (SELECT *, ${BUCKET("len", "family", "v")} AS b FROM c)
SELECT c.cid FROM cb c JOIN kb k ON k.family = c.family AND k.b = c.b WHERE ${OVERLAP}
UNION
SELECT c.cid FROM cb c JOIN kb k ON k.family = c.family WHERE (k.b IS NULL OR c.b IS NULL) AND ${OVERLAP}`;
