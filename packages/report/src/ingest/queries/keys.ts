// The per-key table (pass 1's key grouping) stays in DuckDB: evidence, roll-ups and key counts are SQL over
// it, so a snapshot of millions of keys never becomes millions of JS objects.
import { COUNTER_COLS } from "./scan.js";

/** Every key with traffic in the window, numbered in key order (family, address bytes, prefix length, port). */
export const KEYS_TABLE_SQL = `CREATE OR REPLACE TEMP TABLE keys_t AS
SELECT row_number() OVER (ORDER BY family, src, prefix_len, dst_port) AS ord,
  family, src, prefix_len, dst_port, ${COUNTER_COLS.map((c) => `${c}::BIGINT AS ${c}`).join(", ")},
  coalesce(peak_syn_rate, 0)::DOUBLE AS peak_syn_rate
FROM agg WHERE g_key = 0 AND (packets > 0 OR syn > 0 OR bytes > 0)`;

/**
 * Distinct source prefixes of keys_t. IPv4 text is plain dotted decimal (plus /len below 32), made here; IPv6
 * text (RFC 5952) is left to formatPrefix in TypeScript (text4 NULL).
 */
export const PREFIXES_TABLE_SQL = `CREATE OR REPLACE TEMP TABLE prefixes_t AS
SELECT family, src, prefix_len, CASE WHEN family = 4 THEN
    (v >> 24)::VARCHAR || '.' || ((v >> 16) & 255)::VARCHAR || '.' || ((v >> 8) & 255)::VARCHAR || '.' || (v & 255)::VARCHAR
    || CASE WHEN prefix_len = 32 THEN '' ELSE '/' || prefix_len::VARCHAR END
  END AS text4
FROM (SELECT family, src, prefix_len, ('0x' || substr(hex(src), 1, 8))::UBIGINT AS v
  FROM (SELECT DISTINCT family, src, prefix_len FROM keys_t))`;

/** The prefixes TypeScript must see, numbered for paging: IPv6 ones, or all when an allowlist is to be checked. */
export function jsPrefixesTableSql(all: boolean): string {
  return `CREATE OR REPLACE TEMP TABLE js_prefixes_t AS
SELECT row_number() OVER () AS pid, family, src, prefix_len FROM prefixes_t${all ? "" : " WHERE text4 IS NULL"}`;
}

export const JS_PREFIXES_SQL =
  "SELECT pid, family, src, prefix_len FROM js_prefixes_t WHERE pid BETWEEN $lo AND $hi";

/** Every prefix with its text and allowlist flag (prefix_text_t: what TypeScript returned for js_prefixes_t). */
export const PREFIX_FINAL_SQL = `CREATE OR REPLACE TEMP TABLE prefix_final_t AS
SELECT p.family, p.src, p.prefix_len, coalesce(t.text, p.text4) AS text, coalesce(t.allowed, false) AS allowed
FROM prefixes_t p
LEFT JOIN js_prefixes_t j ON j.family = p.family AND j.src = p.src AND j.prefix_len = p.prefix_len
LEFT JOIN prefix_text_t t ON t.pid = j.pid`;

/** Keys with traffic, and how many of them are allowlisted (allowed_t holds the allowlisted prefixes). */
export const KEY_COUNTS_SQL = `SELECT count(*) AS keys, count(a.family) AS allowlisted
FROM keys_t k LEFT JOIN allowed_t a ON a.family = k.family AND a.src = k.src AND a.prefix_len = k.prefix_len`;

export const ALLOWED_TABLE_SQL = `CREATE OR REPLACE TEMP TABLE allowed_t AS
SELECT family, src, prefix_len FROM prefix_final_t WHERE allowed`;

export const KEY_PORTS_SQL = "SELECT DISTINCT dst_port FROM keys_t WHERE dst_port > 0 ORDER BY dst_port";

const JOIN_HOT = `LEFT JOIN hot_sims_t h ON h.family = k.family AND h.src = k.src AND h.prefix_len = k.prefix_len AND h.dst_port = k.dst_port`;

/**
 * One row per key with traffic, as evidence.parquet stores it (same columns and types), plus ord. Hot keys
 * (hot_sims_t: hot at the configured thresholds) carry their class; the non-allowlisted ones are blocked.
 */
export const EVIDENCE_TABLE_SQL = `CREATE OR REPLACE TEMP TABLE evidence_t AS
SELECT k.ord,
  (CASE WHEN k.family = 6 THEN '[' || p.text || ']' ELSE p.text END
    || CASE WHEN k.dst_port = 0 THEN '' ELSE ':' || k.dst_port::VARCHAR END)::VARCHAR AS source,
  k.family::TINYINT AS family, p.text::VARCHAR AS src, k.prefix_len::SMALLINT AS prefix_len, k.dst_port::INTEGER AS dst_port,
  h.cls::VARCHAR AS abuse_class, k.peak_syn_rate::DOUBLE AS syn_rate,
  (CASE WHEN k.syn > 0 THEN least(1.0, k.handshake_ack::DOUBLE / k.syn::DOUBLE) END)::DOUBLE AS success_ratio,
  (CASE WHEN h.cls IS NOT NULL AND a.family IS NULL THEN 'block' ELSE 'allow' END)::VARCHAR AS decision,
  a.family IS NOT NULL AS allowlisted,
  ${COUNTER_COLS.map((c) => `k.${c}::BIGINT AS ${c}`).join(", ")},
  ${["packets", "bytes", "syn"]
    .map(
      (m) =>
        `(CASE WHEN h.cls IS NOT NULL AND a.family IS NULL THEN h.drop_${m} ELSE 0 END)::BIGINT AS would_drop_${m}`,
    )
    .join(", ")}
FROM keys_t k
JOIN prefix_final_t p ON p.family = k.family AND p.src = k.src AND p.prefix_len = k.prefix_len
${JOIN_HOT}
LEFT JOIN allowed_t a ON a.family = k.family AND a.src = k.src AND a.prefix_len = k.prefix_len`;

export const EVIDENCE_COLUMNS =
  "source, family, src, prefix_len, dst_port, abuse_class, syn_rate, success_ratio, decision, allowlisted, syn, ack, handshake_ack, rst, packets, bytes, would_drop_packets, would_drop_bytes, would_drop_syn";

/** The `$cap` most important keys (would-drop, then traffic, then key order), listed in key order. */
export const EVIDENCE_TOP_SQL = `SELECT ${EVIDENCE_COLUMNS} FROM (
  SELECT * FROM evidence_t ORDER BY would_drop_packets DESC, packets DESC, ord LIMIT $cap
) ORDER BY ord`;

/**
 * The /24 (IPv4) or /48 (IPv6) roll-up of `$family`: a key's network is its leading 32 or 48 address bits
 * masked to min(24 or 48, prefix length). Most would-drop packets first, then traffic, then network; at most $cap.
 */
export const ROLLUP_SQL = `WITH k AS (
  SELECT k.src, k.prefix_len, k.packets, k.bytes, k.syn,
    CASE WHEN k.family = 4 THEN least(24, k.prefix_len) ELSE least(48, k.prefix_len) END AS len,
    CASE WHEN k.family = 4 THEN 32 ELSE 48 END AS bits,
    h.cls IS NOT NULL AS hot, h.cls IS NOT NULL AND NOT h.allowlisted AS blocked,
    h.drop_packets, h.drop_bytes, h.drop_syn
  FROM keys_t k ${JOIN_HOT}
  WHERE k.family = $family
), n AS (
  SELECT *, ((('0x' || substr(hex(src), 1, bits // 4))::UBIGINT >> (bits - len)) << (bits - len)) AS net FROM k
), g AS (
  SELECT len, net, count(*) AS keys, count(DISTINCT (src, prefix_len)) AS sources,
    count(*) FILTER (WHERE hot) AS hot_keys, count(*) FILTER (WHERE blocked) AS blocked_keys,
    sum(packets) AS packets, sum(bytes) AS bytes, sum(syn) AS syn,
    coalesce(sum(drop_packets) FILTER (WHERE blocked), 0) AS drop_packets,
    coalesce(sum(drop_bytes) FILTER (WHERE blocked), 0) AS drop_bytes,
    coalesce(sum(drop_syn) FILTER (WHERE blocked), 0) AS drop_syn
  FROM n GROUP BY len, net
)
SELECT *, count(*) OVER () AS total FROM g ORDER BY drop_packets DESC, packets DESC, net, len LIMIT $cap`;
