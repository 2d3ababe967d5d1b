// The targeted scan behind `explain`: every row of every key overlapping the address or CIDR, in every interval
// of the window with traffic (not only the intervals the report's heavy pass keeps), read through the same
// row source as the report (ingest/queries/scan.ts rowsSql: file lists via ingest/sql.ts fileList, the row
// rule of ingest/queries/row-rules.ts, merged intervals summed, legacy JSONL deltas from jrows).
import type { DuckDBConnection } from "@duckdb/node-api";
import { hotParams } from "../analysis/hot-predicate.js";
import { share } from "../analysis/simulate.js";
import { insertRows, queryRows } from "../ingest/duckdb.js";
import { COUNTER_COLS, HOT_PREDICATE, rowsSql } from "../ingest/queries/scan.js";
import {
  type Candidate,
  counts,
  deltas,
  type IntervalTables,
  type KeyTotals,
  keyId,
} from "../ingest/scan.js";
import type { ReportConfig } from "../model.js";
import { overlapSql, type Target } from "./target.js";

export interface TargetRows {
  /** Keys overlapping the target with traffic in the window. */
  matched: number;
  /** The kept keys (at most `cap`: hot ones first, then by packets), each with all its rows, ascending iv. */
  candidates: Candidate[];
}

export async function scanTarget(
  c: DuckDBConnection,
  tables: IntervalTables,
  target: Target,
  cfg: ReportConfig,
  cap: number,
): Promise<TargetRows> {
  // One pass over the files: only the target's rows are kept (invalid rows are the report's to list).
  await c.run(`CREATE OR REPLACE TEMP TABLE xrows AS
SELECT r.iv, r.family, r.src, r.prefix_len, r.dst_port, ${COUNTER_COLS.map((k) => `r.${k}`).join(", ")}
FROM (${rowsSql(tables.source)}) r
WHERE r.bad IS NULL AND r.iv IN (SELECT iv FROM ivals) AND ${overlapSql(target, "r")}`);
  const keyRows = await c.runAndReadAll(
    `SELECT family, src, prefix_len, dst_port, sum(packets) AS total_packets, bool_or(${HOT_PREDICATE}) AS any_hot
FROM xrows JOIN ivals USING (iv)
GROUP BY family, src, prefix_len, dst_port
ORDER BY any_hot DESC, total_packets DESC, family, src, prefix_len, dst_port`,
    hotParams(cfg, 1),
  );
  const keys = keyRows.getRowObjectsJS() as Record<string, unknown>[];
  const kept = keys.slice(0, cap);
  await insertRows(
    c,
    "xkeys",
    ["family TINYINT", "src BLOB", "prefix_len SMALLINT", "dst_port INTEGER"],
    kept.map((k) => [
      Number(k.family),
      new Uint8Array(k.src as Uint8Array),
      Number(k.prefix_len),
      Number(k.dst_port),
    ]),
  );
  const rows = await queryRows<Record<string, unknown>>(
    c,
    `SELECT x.*, i.span, i.w FROM xrows x JOIN ivals i USING (iv)
SEMI JOIN xkeys k ON x.family = k.family AND x.src = k.src AND x.prefix_len = k.prefix_len AND x.dst_port = k.dst_port
ORDER BY x.family, x.src, x.prefix_len, x.dst_port, x.iv`,
  );
  const byId = new Map<string, Candidate>();
  for (const r of rows) {
    const src = new Uint8Array(r.src as Uint8Array);
    const family = Number(r.family) as 4 | 6;
    const prefixLen = Number(r.prefix_len);
    const dstPort = Number(r.dst_port);
    const id = keyId(family, src, prefixLen, dstPort);
    let cand = byId.get(id);
    if (!cand) {
      const key: KeyTotals = {
        id,
        family,
        src,
        prefixLen,
        dstPort,
        totals: counts({}),
        peakSynRate: 0,
        peakPktRate: 0,
        peakByteRate: 0,
        intervals: 0,
        candidate: true,
      };
      cand = { key, rows: [] };
      byId.set(id, cand);
    }
    const d = deltas(r);
    const span = Number(r.span);
    const w = Number(r.w);
    const k = cand.key;
    // The key's totals as the heavy pass sums them: pro rata at the window's edges, rates over the real span.
    for (const col of COUNTER_COLS) k.totals[col] += share(d[col], w);
    k.peakSynRate = Math.max(k.peakSynRate, d.syn / span);
    k.peakPktRate = Math.max(k.peakPktRate, d.packets / span);
    k.peakByteRate = Math.max(k.peakByteRate, d.bytes / span);
    k.intervals++;
    cand.rows.push({ iv: Number(r.iv), ...d });
  }
  return { matched: keys.length, candidates: [...byId.values()] };
}
