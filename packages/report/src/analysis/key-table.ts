// Everything the report needs about every key (not only candidates) is computed in DuckDB over the key table:
// counts, ports, evidence (evidence.parquet copied straight from SQL, evidence.csv's capped rows) and the
// /24 and /48 roll-ups. TypeScript only formats each distinct source prefix once and asks the allowlist about
// it, streaming chunk by chunk, so time stays linear and memory bounded by DuckDB's limit whatever the key count.
import type { DuckDBConnection } from "@duckdb/node-api";
import { type Family, formatPrefix } from "@ibsr/contract";
import type { Allowlist } from "../allowlist.js";
import { insertRows, queryRows } from "../ingest/duckdb.js";
import {
  EVIDENCE_ALL_SQL,
  EVIDENCE_TOP_SQL,
  EVIDENCE_VIEW_SQL,
  HOST_KEY_COUNTS_SQL,
  JS_PREFIXES_SQL,
  jsPrefixesTableSql,
  KEY_COUNTS_SQL,
  KEY_PORTS_SQL,
  KEYS_VIEW_SQL,
  PREFIX_JS_TABLE_SQL,
  ROLLUP_SQL,
} from "../ingest/queries/keys.js";
import { quoteLiteral } from "../ingest/sql.js";
import type { AbuseClass, Counters, EvidenceRow, KeyDecision, RollupRow, Rollups } from "../model.js";
import { pct } from "./decide.js";
import type { KeySim } from "./simulate.js";

/** Prefixes formatted per round trip: bounds the JS memory of the key table whatever its size. */
const PREFIX_PAGE = 100_000;

export interface KeyTableStats {
  /** Keys with traffic in the window. */
  keys: number;
  /** Of those, keys whose source the allowlist contains. */
  allowlisted: number;
  /** Their destination ports (0 = any port left out), ascending. */
  ports: number[];
  /** Several hosts: each host's keys with traffic that are not allowlisted (absent host: none). */
  nonAllowlistedByHost: Map<string, number>;
}

/**
 * Builds the key table from pass 1 (temp table agg) and, per distinct source prefix, its text and whether the
 * allowlist contains it. Call after scan().
 */
export async function buildKeyTable(c: DuckDBConnection, allowlist: Allowlist): Promise<KeyTableStats> {
  await c.run(KEYS_VIEW_SQL);
  const check = allowlist.entries.length > 0;
  await c.run(jsPrefixesTableSql(check));
  await c.run("CREATE OR REPLACE TEMP TABLE prefix_text_t (pid BIGINT, text VARCHAR, allowed BOOLEAN)");
  const [count] = await queryRows<{ n: bigint }>(c, "SELECT count(*) AS n FROM js_prefixes_t");
  const prefixes = Number(count?.n ?? 0);
  // Page by pid rather than stream: the appender flushes on the same connection, which ends an open stream.
  for (let lo = 1; lo <= prefixes; lo += PREFIX_PAGE) {
    const page = (await c.runAndReadAll(JS_PREFIXES_SQL, { lo, hi: lo + PREFIX_PAGE - 1 })).getRowsJS();
    const app = await c.createAppender("prefix_text_t", "main", "temp");
    try {
      for (const r of page) {
        const prefix = { family: Number(r[1]) as Family, bytes: r[2] as Uint8Array, prefixLen: Number(r[3]) };
        const allowed = check && allowlist.contains(prefix);
        // An IPv4 prefix the allowlist does not contain needs nothing beyond what SQL has: keep the table small.
        if (prefix.family === 4 && !allowed) continue;
        app.appendBigInt(r[0] as bigint);
        app.appendVarchar(formatPrefix(prefix));
        app.appendBoolean(allowed);
        app.endRow();
      }
      app.flushSync();
    } finally {
      app.closeSync();
    }
  }
  await c.run(PREFIX_JS_TABLE_SQL);
  const [n] = await queryRows<{ keys: bigint; allowlisted: bigint }>(c, KEY_COUNTS_SQL);
  const ports = await queryRows<{ dst_port: number }>(c, KEY_PORTS_SQL);
  const byHost = await queryRows<{ host: string; n: bigint }>(c, HOST_KEY_COUNTS_SQL);
  return {
    nonAllowlistedByHost: new Map(byHost.map((r) => [r.host, Number(r.n)])),
    keys: Number(n?.keys ?? 0),
    allowlisted: Number(n?.allowlisted ?? 0),
    ports: ports.map((p) => Number(p.dst_port)),
  };
}

/** Puts the hot keys' simulation (at the configured thresholds) beside the key table. */
export async function loadHotSims(c: DuckDBConnection, sims: readonly KeySim[]): Promise<void> {
  await insertRows(
    c,
    "hot_sims_t",
    [
      "family TINYINT",
      "src BLOB",
      "prefix_len SMALLINT",
      "dst_port INTEGER",
      "cls VARCHAR",
      "allowlisted BOOLEAN",
      "drop_packets BIGINT",
      "drop_bytes BIGINT",
      "drop_syn BIGINT",
    ],
    sims
      .filter((s) => s.hotIntervals > 0)
      .map((s) => {
        const k = s.cand.key;
        return [
          k.family,
          k.src,
          k.prefixLen,
          k.dstPort,
          s.cls,
          s.allowlisted,
          s.drop.packets,
          s.drop.bytes,
          s.drop.syn,
        ];
      }),
  );
}

/** A row of EVIDENCE_*_SQL: the key, its decision, its counters (Counters) and its would-drop measures. */
interface EvidenceSqlRow extends Counters {
  source: string;
  family: number;
  src: string;
  prefix_len: number;
  dst_port: number;
  abuse_class: string | null;
  syn_rate: number;
  success_ratio: number | null;
  decision: KeyDecision;
  allowlisted: boolean;
  would_drop_packets: bigint;
  would_drop_bytes: bigint;
  would_drop_syn: bigint;
}

/**
 * Evidence of every key with traffic: written to `parquet` (when given) straight from SQL, in key order.
 * Returns the `cap` most important rows (would-drop packets, then packets, then key order), in key order,
 * and the number of keys.
 */
export async function writeEvidence(
  c: DuckDBConnection,
  parquet: string | null,
  cap: number,
): Promise<{ rows: EvidenceRow[]; total: number }> {
  await c.run(EVIDENCE_VIEW_SQL);
  if (parquet !== null)
    await c.run(`COPY (${EVIDENCE_ALL_SQL}) TO ${quoteLiteral(parquet)} (FORMAT parquet, COMPRESSION zstd)`);
  const [n] = await queryRows<{ n: bigint }>(c, "SELECT count(*) AS n FROM keys_v");
  const top = (
    await c.runAndReadAll(EVIDENCE_TOP_SQL, { cap })
  ).getRowObjectsJS() as unknown as EvidenceSqlRow[];
  const rows = top.map(
    (r): EvidenceRow => ({
      family: Number(r.family) as Family,
      src: r.src,
      prefixLen: Number(r.prefix_len),
      dstPort: Number(r.dst_port),
      display: r.source,
      abuseClass: r.abuse_class as AbuseClass | null,
      synRate: r.syn_rate,
      successRatio: r.success_ratio,
      decision: r.decision,
      allowlisted: r.allowlisted,
      totals: {
        syn: r.syn,
        ack: r.ack,
        handshake_ack: r.handshake_ack,
        rst: r.rst,
        packets: r.packets,
        bytes: r.bytes,
      },
      wouldDrop: { packets: r.would_drop_packets, bytes: r.would_drop_bytes, syn: r.would_drop_syn },
    }),
  );
  return { rows, total: Number(n?.n ?? 0) };
}

interface RollupSqlRow {
  len: number;
  net: bigint;
  keys: bigint;
  sources: bigint;
  hot_keys: bigint;
  blocked_keys: bigint;
  packets: bigint;
  bytes: bigint;
  syn: bigint;
  drop_packets: bigint;
  drop_bytes: bigint;
  drop_syn: bigint;
  total: bigint;
}

/** The network's address bytes: `net` holds its leading 32 (IPv4) or 48 (IPv6) bits. */
function netBytes(family: Family, net: bigint): Uint8Array {
  const out = new Uint8Array(16);
  const n = family === 4 ? 4 : 6;
  for (let i = 0; i < n; i++) out[i] = Number((net >> BigInt(8 * (n - 1 - i))) & 0xffn);
  return out;
}

/** /24 (IPv4) and /48 (IPv6) roll-ups of every key with traffic; call after loadHotSims. */
export async function keyRollups(c: DuckDBConnection, sims: Iterable<KeySim>, cap: number): Promise<Rollups> {
  let allDrop = 0n;
  for (const s of sims) if (!s.allowlisted) allDrop += s.drop.packets;
  const finish = async (family: Family) => {
    const list = (
      await c.runAndReadAll(ROLLUP_SQL, { family, cap })
    ).getRowObjectsJS() as unknown as RollupSqlRow[];
    const rows = list.map(
      (g): RollupRow => ({
        family,
        prefix: formatPrefix({ family, bytes: netBytes(family, BigInt(g.net)), prefixLen: Number(g.len) }),
        prefixLen: Number(g.len),
        keys: Number(g.keys),
        sources: Number(g.sources),
        hotKeys: Number(g.hot_keys),
        blockedKeys: Number(g.blocked_keys),
        total: { packets: BigInt(g.packets), bytes: BigInt(g.bytes), syn: BigInt(g.syn) },
        wouldDrop: { packets: BigInt(g.drop_packets), bytes: BigInt(g.drop_bytes), syn: BigInt(g.drop_syn) },
        wouldDropSharePct: pct(BigInt(g.drop_packets), allDrop),
      }),
    );
    const total = list.length ? Number(list[0]!.total) : 0;
    return { rows, total, leftOut: Math.max(0, total - cap) };
  };
  const v4 = await finish(4);
  const v6 = await finish(6);
  return {
    v4: v4.rows,
    v4Total: v4.total,
    v4LeftOut: v4.leftOut,
    v6: v6.rows,
    v6Total: v6.total,
    v6LeftOut: v6.leftOut,
  };
}
