// `ibsr-report --candidates FILE`: the heavy pass's result read from a file that heavy-sql.ts's query produced
// (Parquet or CSV, any engine), in place of the in-process scan. It fills what the stages after the heavy
// pass read: the candidate keys and their rows, per-interval and per-port totals, invalid rows, and the key
// table `agg` (analysis/key-table.ts) for evidence, roll-ups and key counts. Intervals are matched by their
// identity (host, iface, run id, seq of the interval's last snapshot), so any catalog order gives the same ids.
import type { DuckDBConnection } from "@duckdb/node-api";
import { EXIT, ReportError } from "../exit-codes.js";
import { queryRows } from "../ingest/duckdb.js";
import { intervalCountersOf } from "../ingest/interval-counters.js";
import type { Interval } from "../ingest/intervals.js";
import {
  type Candidate,
  type CandRow,
  type CounterName,
  deltas,
  type InvalidRows,
  keyId,
  keyTotalsOf,
  relevantIntervals,
  type ScanResult,
} from "../ingest/scan.js";
import { quoteLiteral } from "../ingest/sql.js";
import type { Timeline } from "../stages/build-intervals.js";
import { CANDIDATE_COLUMNS } from "./heavy-sql.js";

type Row = Record<string, unknown>;

const ivIdentity = (host: unknown, iface: unknown, runId: unknown, seq: unknown) =>
  JSON.stringify([String(host), String(iface), String(runId), String(seq)]);

/** The file as a temp table `cand_in` with the documented columns and types. */
async function loadFile(c: DuckDBConnection, file: string): Promise<void> {
  const csv = /\.csv(\.gz)?$/i.test(file);
  const cols = CANDIDATE_COLUMNS.map(([n, t]) => `CAST(${n} AS ${t}) AS ${n}`).join(", ");
  const src = csv
    ? // ClickHouse writes NULL as \N in CSV, DuckDB as an empty field.
      `read_csv(${quoteLiteral(file)}, header = true, all_varchar = true, nullstr = ['', '\\N'])`
    : `read_parquet(${quoteLiteral(file)})`;
  try {
    await c.run(`CREATE OR REPLACE TEMP TABLE cand_in AS SELECT ${cols} FROM ${src}`);
  } catch (e) {
    throw new ReportError(
      EXIT.USAGE,
      `--candidates ${file}: not a candidates table (${(e as Error).message.split("\n")[0]}); produce it with the query of ibsr-report sql (columns: ${CANDIDATE_COLUMNS.map(([n]) => n).join(", ")})`,
    );
  }
}

/** The heavy pass's result from `file`, for the intervals of `tl` (which the same catalog gave). */
export async function scanFromCandidates(
  c: DuckDBConnection,
  file: string,
  tl: Pick<Timeline, "live" | "snapsById">,
  blockSec: number,
): Promise<ScanResult> {
  await loadFile(c, file);
  const ivByIdentity = new Map<string, Interval>();
  // Invalid rows are listed per file in the order the in-process scan numbers files (live interval, then snapshot).
  const fileOf = new Map<string, { file: string; fid: number }>();
  for (const iv of tl.live) {
    const last = tl.snapsById.get(iv.sids[iv.sids.length - 1]!)!;
    ivByIdentity.set(ivIdentity(last.host, last.iface, last.runId, last.seq), iv);
    for (const sid of iv.sids) {
      const s = tl.snapsById.get(sid)!;
      if (s.format !== "parquet" || s.rows === 0) continue;
      fileOf.set(ivIdentity(s.host, s.iface, s.runId, s.seq), { file: s.file, fid: fileOf.size });
    }
  }
  const ivOf = (r: Row): Interval => {
    const iv = ivByIdentity.get(ivIdentity(r.host, r.iface, r.run_id, r.iv_seq));
    if (!iv)
      throw new ReportError(
        EXIT.USAGE,
        `--candidates: interval ${ivIdentity(r.host, r.iface, r.run_id, r.iv_seq)} (host, iface, run, last seq) is not an interval of these snapshots in this window: give the same snapshots and the same --since/--until/--host as the query`,
      );
    return iv;
  };
  const rows = (kind: string) =>
    queryRows<Row>(c, `SELECT * FROM cand_in WHERE kind = ${quoteLiteral(kind)}`);

  // The key table, as pass 1 leaves it (analysis/key-table.ts reads the g_key = 0 rows, and g_key = 2: per host).
  await c.run(`CREATE OR REPLACE TEMP TABLE agg AS
SELECT 0 AS g_key, family::TINYINT AS family, from_hex(src) AS src, prefix_len::SMALLINT AS prefix_len,
  dst_port::INTEGER AS dst_port, syn, ack, handshake_ack, rst, packets, bytes, peak_syn_rate, peak_pkt_rate,
  peak_byte_rate, n, hot = 1 AS any_hot, NULL::VARCHAR AS host
FROM cand_in WHERE kind = 'key'
UNION ALL
SELECT 2, family, from_hex(src), prefix_len, dst_port, syn, ack, handshake_ack, rst, packets, bytes, NULL, NULL,
  NULL, n, NULL, host
FROM cand_in WHERE kind = 'host_key'`);

  const cands = new Map<string, Candidate>();
  // Only the candidate keys come to JS (every key stays in `agg`), as in the in-process scan.
  for (const r of await queryRows<Row>(c, "SELECT * FROM cand_in WHERE kind = 'key' AND hot = 1")) {
    const key = keyTotalsOf(r, new Uint8Array(Buffer.from(String(r.src), "hex")), true);
    cands.set(key.id, { key, rows: [] });
  }
  // The same rows as the in-process scan: hot ones, and the others only where a block could cover them.
  const candRows: { id: string; hot: boolean; row: CandRow }[] = [];
  const hotEnds: number[] = [];
  for (const r of await rows("row")) {
    const iv = ivOf(r);
    const id = keyId(
      Number(r.family),
      new Uint8Array(Buffer.from(String(r.src), "hex")),
      Number(r.prefix_len),
      Number(r.dst_port),
    );
    const hot = Number(r.hot) === 1;
    if (hot) hotEnds.push(iv.t1);
    candRows.push({ id, hot, row: { iv: iv.iv, ...deltas(r) } });
  }
  const rel = relevantIntervals(tl.live, hotEnds, blockSec);
  for (const x of candRows) {
    if (!x.hot && !rel.has(x.row.iv)) continue;
    const cand = cands.get(x.id);
    if (!cand)
      throw new ReportError(
        EXIT.USAGE,
        `--candidates: a row of key ${x.id} whose key row is missing or not hot`,
      );
    cand.rows.push(x.row);
  }
  for (const cand of cands.values()) cand.rows.sort((a, b) => a.iv - b.iv);

  const values = (r: Row) => r as Record<CounterName, bigint | number | null>;
  const ivTotals = intervalCountersOf(
    (await rows("interval")).map((r) => ({ iv: ivOf(r).iv, keys: Number(r.n), values: values(r) })),
  );
  const ivPorts = intervalCountersOf(
    (await rows("port")).map((r) => ({
      iv: ivOf(r).iv,
      dstPort: Number(r.dst_port),
      keys: Number(r.n),
      values: values(r),
    })),
  );
  const invalid: (InvalidRows & { fid: number })[] = (await rows("invalid")).map((r) => {
    const f = fileOf.get(ivIdentity(r.host, r.iface, r.run_id, r.seq));
    if (!f)
      throw new ReportError(
        EXIT.USAGE,
        `--candidates: invalid rows of snapshot ${ivIdentity(r.host, r.iface, r.run_id, r.seq)}, which is not among these snapshots`,
      );
    return { file: f.file, fid: f.fid, reason: String(r.reason), rows: Number(r.n) };
  });
  invalid.sort((a, b) => a.fid - b.fid || (a.reason < b.reason ? -1 : a.reason > b.reason ? 1 : 0));
  return {
    invalid: invalid.map(({ file, reason, rows: n }) => ({ file, reason, rows: n })),
    candidates: [...cands.values()],
    ivTotals,
    ivPorts,
  };
}
