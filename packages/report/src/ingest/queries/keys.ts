// The per-key table (pass 1's key grouping, temp table agg) stays in DuckDB: evidence, roll-ups and key counts
// are SQL over views of it, so a snapshot of millions of keys never becomes millions of JS objects, and nothing
// per key is materialised twice (DuckDB streams the views, and sorts or spills within its memory limit).
import { blockedSql, decisionSql, successRatioSql } from "../../analysis/key-decision.js";
import { COUNTER_COLS } from "./scan.js";

/** Key order: family, address bytes (unsigned, as Buffer.compare), prefix length, port. */
const KEY_ORDER = "family, src, prefix_len, dst_port";

/** Every key with traffic in the window. */
export const KEYS_VIEW_SQL = `CREATE OR REPLACE TEMP VIEW keys_v AS
SELECT family, src, prefix_len, dst_port, ${COUNTER_COLS.map((c) => `${c}::BIGINT AS ${c}`).join(", ")},
  coalesce(peak_syn_rate, 0)::DOUBLE AS peak_syn_rate
FROM agg WHERE g_key = 0 AND (packets > 0 OR syn > 0 OR bytes > 0)`;

/**
 * The source prefixes TypeScript formats and checks against the allowlist, numbered for paging: the IPv6
 * ones (RFC 5952 text is formatPrefix's job), or every one when an allowlist is configured.
 */
export function jsPrefixesTableSql(all: boolean): string {
  return `CREATE OR REPLACE TEMP TABLE js_prefixes_t AS
SELECT row_number() OVER () AS pid, family, src, prefix_len
FROM (SELECT DISTINCT family, src, prefix_len FROM keys_v${all ? "" : " WHERE family <> 4"})`;
}

export const JS_PREFIXES_SQL =
  "SELECT pid, family, src, prefix_len FROM js_prefixes_t WHERE pid BETWEEN $lo AND $hi";

/** js_prefixes_t with what TypeScript returned for each (prefix_text_t: pid, text, allowed). */
export const PREFIX_JS_TABLE_SQL = `CREATE OR REPLACE TEMP TABLE prefix_js_t AS
SELECT j.family, j.src, j.prefix_len, t.text, t.allowed FROM js_prefixes_t j JOIN prefix_text_t t ON t.pid = j.pid`;

const JOIN_PREFIX =
  "LEFT JOIN prefix_js_t p ON p.family = k.family AND p.src = k.src AND p.prefix_len = k.prefix_len";

/** Keys with traffic, and how many of them are allowlisted. */
export const KEY_COUNTS_SQL = `SELECT count(*) AS keys, count(*) FILTER (WHERE p.allowed) AS allowlisted FROM keys_v k ${JOIN_PREFIX}`;

/** Per host (pass 1's g_key = 2 rows, several hosts only): its keys with traffic that are not allowlisted. */
export const HOST_KEY_COUNTS_SQL = `SELECT k.host, count(*) - count(*) FILTER (WHERE p.allowed) AS n
FROM (SELECT host, family, src, prefix_len, dst_port FROM agg WHERE g_key = 2 AND (packets > 0 OR syn > 0 OR bytes > 0)) k
${JOIN_PREFIX} GROUP BY k.host`;

export const KEY_PORTS_SQL = "SELECT DISTINCT dst_port FROM keys_v WHERE dst_port > 0 ORDER BY dst_port";

/** IPv4 text as formatPrefix writes it: dotted decimal, "/len" below 32. */
const IPV4_TEXT = `(k.v >> 24)::VARCHAR || '.' || ((k.v >> 16) & 255)::VARCHAR || '.' || ((k.v >> 8) & 255)::VARCHAR
    || '.' || (k.v & 255)::VARCHAR || CASE WHEN k.prefix_len = 32 THEN '' ELSE '/' || k.prefix_len::VARCHAR END`;

/** A key of keys_v joined with hot_sims_t: hot when it has a class there. */
const KEY_FLAGS = { hot: "h.cls IS NOT NULL", allowlisted: "k.al" };

const JOIN_HOT =
  "LEFT JOIN hot_sims_t h ON h.family = k.family AND h.src = k.src AND h.prefix_len = k.prefix_len AND h.dst_port = k.dst_port";

/**
 * One row per key with traffic, as evidence.parquet stores it (same columns and types), plus the key's
 * address bytes (key_src) for ordering. Hot keys (hot_sims_t: hot at the configured thresholds) carry their
 * class; the non-allowlisted ones are blocked.
 */
export const EVIDENCE_VIEW_SQL = `CREATE OR REPLACE TEMP VIEW evidence_v AS
WITH k AS (
  SELECT k.*, coalesce(p.allowed, false) AS al,
    coalesce(p.text, CASE WHEN k.family = 4 THEN ${IPV4_TEXT} END) AS text
  FROM (SELECT *, ('0x' || substr(hex(src), 1, 8))::UBIGINT AS v FROM keys_v) k ${JOIN_PREFIX}
)
SELECT k.src AS key_src,
  (CASE WHEN k.family = 6 THEN '[' || k.text || ']' ELSE k.text END
    || CASE WHEN k.dst_port = 0 THEN '' ELSE ':' || k.dst_port::VARCHAR END)::VARCHAR AS source,
  k.family::TINYINT AS family, k.text::VARCHAR AS src, k.prefix_len::SMALLINT AS prefix_len, k.dst_port::INTEGER AS dst_port,
  h.cls::VARCHAR AS abuse_class, k.peak_syn_rate::DOUBLE AS syn_rate,
  (${successRatioSql({ syn: "k.syn", handshakeAck: "k.handshake_ack", cast: "::DOUBLE" })})::DOUBLE AS success_ratio,
  (${decisionSql(KEY_FLAGS)})::VARCHAR AS decision,
  k.al AS allowlisted,
  ${COUNTER_COLS.map((c) => `k.${c}::BIGINT AS ${c}`).join(", ")},
  ${["packets", "bytes", "syn"]
    .map((m) => `(CASE WHEN ${blockedSql(KEY_FLAGS)} THEN h.drop_${m} ELSE 0 END)::BIGINT AS would_drop_${m}`)
    .join(", ")}
FROM k ${JOIN_HOT}`;

export const EVIDENCE_COLUMNS =
  "source, family, src, prefix_len, dst_port, abuse_class, syn_rate, success_ratio, decision, allowlisted, syn, ack, handshake_ack, rst, packets, bytes, would_drop_packets, would_drop_bytes, would_drop_syn";

const EVIDENCE_ORDER = KEY_ORDER.replace("src", "key_src");

/** Every evidence row in key order (the COPY source of evidence.parquet). */
export const EVIDENCE_ALL_SQL = `SELECT ${EVIDENCE_COLUMNS} FROM evidence_v ORDER BY ${EVIDENCE_ORDER}`;

/** The `$cap` most important keys (would-drop, then traffic, then key order), listed in key order. */
export const EVIDENCE_TOP_SQL = `SELECT ${EVIDENCE_COLUMNS} FROM (
  SELECT * FROM evidence_v ORDER BY would_drop_packets DESC, packets DESC, ${EVIDENCE_ORDER} LIMIT $cap
) ORDER BY ${EVIDENCE_ORDER}`;

/**
 * The /24 (IPv4) or /48 (IPv6) roll-up of `$family`: a key's network is its leading 32 or 48 address bits
 * masked to min(24 or 48, prefix length). Most would-drop packets first, then traffic, then network; at most $cap.
 */
export const ROLLUP_SQL = `WITH k AS (
  SELECT k.src, k.prefix_len, k.packets, k.bytes, k.syn,
    CASE WHEN k.family = 4 THEN least(24, k.prefix_len) ELSE least(48, k.prefix_len) END AS len,
    CASE WHEN k.family = 4 THEN 32 ELSE 48 END AS bits,
    ${KEY_FLAGS.hot} AS hot, ${blockedSql({ ...KEY_FLAGS, allowlisted: "h.allowlisted" })} AS blocked,
    h.drop_packets, h.drop_bytes, h.drop_syn
  FROM keys_v k ${JOIN_HOT}
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
