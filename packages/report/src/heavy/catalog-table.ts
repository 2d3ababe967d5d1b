// The catalog sidecar: one row per snapshot with what its Parquet footer says (times, interval length, XDP
// mode, map capacity and fill, global totals) and the interval the report assigns it to. SQL engines that
// cannot read footer metadata (Trino, Athena, Spark SQL) join it to the rows; the interval rules (merging,
// baselines, duplicates: ingest/intervals.ts) stay in one place, and only the --since/--until weight is
// computed in SQL. Written by `ibsr-report catalog`.
import type { DuckDBConnection } from "@duckdb/node-api";
import { GLOBAL_FIELDS, META_KEYS } from "@ibsr/contract";
import { type CellValue, insertRows } from "../ingest/duckdb.js";
import { buildRuns, type SnapshotInfo } from "../ingest/intervals.js";
import { encodeSourceSkipped } from "../ingest/source-skipped.js";
import { quoteLiteral } from "../ingest/sql.js";

/** Columns of the sidecar, in file order, with their DuckDB types and meaning (docs/operate.md lists them). */
export const CATALOG_COLUMNS = [
  ["host", "VARCHAR", `host name (${META_KEYS.host})`],
  ["iface", "VARCHAR", `interface (${META_KEYS.iface})`],
  ["run_id", "VARCHAR", `run identifier (${META_KEYS.runId})`],
  ["seq", "BIGINT", `snapshot number in the run (${META_KEYS.seq})`],
  ["ts", "DOUBLE", `snapshot time, Unix seconds (${META_KEYS.tsUs} / 1e6)`],
  ["base_ts", "DOUBLE", "run start, Unix seconds"],
  ["interval_sec", "DOUBLE", "the collector's interval"],
  ["span_sec", "DOUBLE", "seconds the stored deltas cover (span_us / 1e6)"],
  ["rows", "BIGINT", "rows in the file"],
  ["file", "VARCHAR", "the file as the catalog command saw it"],
  ["xdp_mode", "VARCHAR", "XDP attach mode"],
  ["map_capacity", "BIGINT", "map capacity (entries)"],
  ["live_entries", "BIGINT", "entries in the map at the snapshot (fill = live_entries / map_capacity)"],
  ["ports", "VARCHAR", "monitored ports, JSON"],
  ...GLOBAL_FIELDS.map(
    (f) => [`global_${f}`, "BIGINT", `global ${f}, summed over CPUs, cumulative`] as const,
  ),
  [
    "iv_seq",
    "BIGINT",
    "seq of the last snapshot of the interval this snapshot's deltas belong to; NULL: not analysed (baseline or duplicate)",
  ],
  ["iv_t0", "DOUBLE", "that interval's start, Unix seconds"],
  ["iv_t1", "DOUBLE", "that interval's end, Unix seconds"],
  ["synthetic", "VARCHAR", `label of a file of generated data (${META_KEYS.synthetic}); NULL: real data`],
  [
    "member",
    "VARCHAR",
    "inside a compacted file: the snapshot file this row's snapshot came from; NULL otherwise",
  ],
  [
    "source_skipped",
    "VARCHAR",
    `reference JSONL input the import skipped at this snapshot (${META_KEYS.sourceSkipped}, JSON); NULL: none`,
  ],
] as const;

/** The sidecar's rows: every Parquet snapshot, its interval from buildRuns without a window. */
export function catalogRows(snaps: readonly SnapshotInfo[]): CellValue[][] {
  const pq = snaps.filter((s) => s.format === "parquet");
  const { runs } = buildRuns(pq, { since: null, until: null });
  const bySid = new Map(pq.map((s) => [s.sid, s]));
  const ivOf = new Map<number, { seq: number | null; t0: number; t1: number }>();
  for (const r of runs)
    for (const iv of r.intervals) {
      const last = bySid.get(iv.sids[iv.sids.length - 1]!)!;
      for (const sid of iv.sids) ivOf.set(sid, { seq: last.seq, t0: iv.t0, t1: iv.t1 });
    }
  const big = (x: number | null) => (x === null ? null : BigInt(Math.round(x)));
  return pq.map((s) => {
    const iv = ivOf.get(s.sid);
    return [
      s.host,
      s.iface,
      s.runId,
      big(s.seq),
      s.ts,
      s.baseTs,
      s.intervalSec,
      s.spanSec,
      BigInt(s.rows),
      s.file,
      s.xdpMode,
      big(s.mapCapacity),
      big(s.liveEntries),
      JSON.stringify(s.ports),
      ...GLOBAL_FIELDS.map((f) => s.globals?.[f] ?? null),
      iv ? big(iv.seq) : null,
      iv ? iv.t0 : null,
      iv ? iv.t1 : null,
      s.synthetic ?? null,
      s.member ?? null,
      s.sourceSkipped ? encodeSourceSkipped(s.sourceSkipped) : null,
    ];
  });
}

/** Writes the sidecar as Parquet (through a temp table of the connection). */
export async function writeCatalogTable(
  c: DuckDBConnection,
  snaps: readonly SnapshotInfo[],
  out: string,
): Promise<number> {
  const rows = catalogRows(snaps);
  await insertRows(
    c,
    "catalog_t",
    CATALOG_COLUMNS.map(([n, t]) => `${n} ${t}`),
    rows,
  );
  await c.run(
    `COPY (SELECT * FROM catalog_t ORDER BY host, iface, run_id, seq) TO ${quoteLiteral(out)} (FORMAT parquet, COMPRESSION zstd)`,
  );
  return rows.length;
}
