// Drives the heavy pass (pass 1 over every stored delta) and the targeted pass 2 (candidate keys only,
// only the snapshots a block could cover). Everything after this works on the returned candidate set.
import type { DuckDBConnection } from "@duckdb/node-api";
import type { ReportConfig } from "../model.js";
import { getOrInit } from "../util.js";
import { insertRows, queryRows } from "./duckdb.js";
import { registerFileList } from "./file-list.js";
import { type IntervalCounters, readIntervalCounters } from "./interval-counters.js";
import type { Interval, Run, SnapshotInfo } from "./intervals.js";
import {
  COUNTER_COLS,
  hotParams,
  INVALID_ROWS_SQL,
  IV_PORT_SQL,
  IV_TOTALS_SQL,
  KEY_TOTALS_SQL,
  type ParquetRows,
  parquetRowsSql,
  pass1Sql,
  pass2Sql,
  type RowSource,
  rowsSql,
} from "./queries/scan.js";

export type CounterName = (typeof COUNTER_COLS)[number];
export type Counts = Record<CounterName, bigint>;
/** One interval's deltas of one key, as plain numbers (a single interval never nears 2^53). */
export type Deltas = Record<CounterName, number>;

export interface KeyTotals {
  /** Stable text id: family|hex|prefix_len|port. */
  id: string;
  family: 4 | 6;
  src: Uint8Array;
  prefixLen: number;
  dstPort: number;
  totals: Counts;
  peakSynRate: number;
  peakPktRate: number;
  peakByteRate: number;
  intervals: number;
  /** Hot at 0.5x in some interval: a candidate. */
  candidate: boolean;
}

export interface CandRow extends Deltas {
  iv: number;
}

export interface Candidate {
  key: KeyTotals;
  /** Every interval of the key that can matter, ascending iv (hot at 0.5x, or inside a possible block). */
  rows: CandRow[];
}

/** Rows that broke the row rule (queries/row-rules.ts): skipped, counted per file and reason. */
export interface InvalidRows {
  file: string;
  reason: string;
  rows: number;
}

export interface ScanResult {
  invalid: InvalidRows[];
  /** Candidate keys only: every key stays in DuckDB (temp table agg, see analysis/key-table.ts). */
  candidates: Candidate[];
  /** Per interval: the counters' sums and the distinct keys (n). */
  ivTotals: IntervalCounters;
  /** Per interval and destination port, ascending (iv, port). */
  ivPorts: IntervalCounters;
}

/**
 * Above this many Parquet files the scan reads them this many at a time into a temp table, then groups that
 * table once. One read_parquet over a fleet's day keeps per-file reader state to the end: at 28 800 files about
 * 210 MB beyond the rows themselves, growing with the file count; in batches it stays flat (BENCHMARKS.md,
 * fleet tree). A single host's day (1 440 files, up to 144 M rows) stays one direct scan: no copy of its rows.
 */
export const SCAN_BATCH_FILES = 4096;

/** Candidates are keys hot at the lowest sensitivity factor, so every rerun is exact on them. */
export const CANDIDATE_FACTOR = 0.5;

export function keyId(family: number, src: Uint8Array, prefixLen: number, dstPort: number): string {
  return `${family}|${Buffer.from(src).toString("hex")}|${prefixLen}|${dstPort}`;
}

export function counts(r: Record<string, unknown>): Counts {
  const out = {} as Counts;
  for (const c of COUNTER_COLS) out[c] = BigInt((r[c] as bigint | number | null) ?? 0);
  return out;
}

export function deltas(r: Record<string, unknown>): Deltas {
  const out = {} as Deltas;
  for (const c of COUNTER_COLS) out[c] = Number((r[c] as bigint | number | null) ?? 0);
  return out;
}

export interface ScanInput {
  runs: readonly Run[];
  intervals: readonly Interval[];
  snapsById: ReadonlyMap<number, SnapshotInfo>;
  ports: readonly number[] | null;
  hasJsonl: boolean;
  /** Files per scan batch (default SCAN_BATCH_FILES; tests make it small to compare both paths). */
  batchFiles?: number;
}

/** Intervals (of any run) overlapping (t, t + block] for some hot end time t: where a block could drop. */
export function relevantIntervals(
  intervals: readonly Interval[],
  hotEnds: number[],
  block: number,
): Set<number> {
  const ends = [...new Set(hotEnds)].sort((a, b) => a - b);
  const out = new Set<number>();
  for (const iv of intervals) {
    if (iv.w <= 0) continue;
    // Is there a hot end e with e < iv.t1 and e + block > iv.t0 ? i.e. e in (iv.t0 - block, iv.t1).
    let lo = 0;
    let hi = ends.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (ends[mid]! <= iv.t0 - block) lo = mid + 1;
      else hi = mid;
    }
    if (lo < ends.length && ends[lo]! < iv.t1) out.add(iv.iv);
  }
  return out;
}

/** The temp tables every scan of rows joins (ivals: the live intervals; pq_map: Parquet file -> interval, fid). */
export interface IntervalTables {
  live: Interval[];
  /** [file, iv, fid] per Parquet file with rows in a live interval (fid = its index). */
  fileIv: [string, number, number][];
  /** Row sources of every live interval (pass 1). */
  source: RowSource;
  /** Files of each live interval. */
  filesOfIv: Map<number, string[]>;
  /** Compacted files holding members of each live interval (read through pq_member). */
  compactedOfIv: Map<number, Set<string>>;
  anyPartial: boolean;
}

/** A registered file list, or null for none. */
async function fileListOrNull(c: DuckDBConnection, name: string, files: readonly string[]) {
  return files.length > 0 ? registerFileList(c, name, files) : null;
}

/** Parquet rows read from a registered file list, or null for none (the row source then leaves that part out). */
async function listOrNull(
  c: DuckDBConnection,
  name: string,
  files: readonly string[],
): Promise<ParquetRows | null> {
  return files.length > 0 ? { files: await registerFileList(c, name, files) } : null;
}

/** The rows of `files` (parquetRowsSql's columns) copied into temp table `table`, `batch` files per read. */
async function materialize(
  c: DuckDBConnection,
  table: string,
  files: readonly string[],
  ports: readonly number[] | null,
  batch: number,
): Promise<ParquetRows | null> {
  if (files.length === 0) return null;
  for (let i = 0; i < files.length; i += batch) {
    const part = await registerFileList(c, "scan_batch", files.slice(i, i + batch));
    const rows = parquetRowsSql(part, ports);
    await c.run(
      i === 0 ? `CREATE OR REPLACE TEMP TABLE ${table} AS ${rows}` : `INSERT INTO ${table} ${rows}`,
    );
  }
  return { table };
}

/** Creates ivals and pq_map for the live intervals (those with a share inside the window). */
export async function loadIntervalTables(
  c: DuckDBConnection,
  input: Pick<ScanInput, "intervals" | "snapsById" | "ports" | "hasJsonl" | "batchFiles"> &
    Partial<Pick<ScanInput, "runs">>,
): Promise<IntervalTables> {
  const live = input.intervals.filter((iv) => iv.w > 0);
  await insertRows(
    c,
    "ivals",
    ["iv INTEGER", "run INTEGER", "t0 DOUBLE", "t1 DOUBLE", "span DOUBLE", "w DOUBLE", "host VARCHAR"],
    live.map((iv) => [iv.iv, iv.run, iv.t0, iv.t1, iv.span, iv.w, input.runs?.[iv.run]?.host ?? null]),
  );
  const fileIv: [string, number, number][] = [];
  const plain: string[] = [];
  const merged: string[] = [];
  const filesOfIv = new Map<number, string[]>();
  // Members of compacted files: many snapshots in one file, told apart by their identity columns.
  const members: [string, string, string, string, bigint, number, number, boolean][] = [];
  const cPlain = new Set<string>();
  const cMerged = new Set<string>();
  const compactedOfIv = new Map<number, Set<string>>();
  for (const iv of live) {
    for (const sid of iv.sids) {
      const s = input.snapsById.get(sid)!;
      if (s.format !== "parquet" || s.rows === 0) continue;
      if (s.member !== undefined) {
        const merged = iv.sids.length > 1;
        members.push([s.file, s.host, s.iface, s.runId, BigInt(s.seq ?? -1), iv.iv, fileIv.length, merged]);
        fileIv.push([s.file, iv.iv, fileIv.length]);
        (merged ? cMerged : cPlain).add(s.file);
        getOrInit(compactedOfIv, iv.iv, () => new Set()).add(s.file);
        continue;
      }
      fileIv.push([s.file, iv.iv, fileIv.length]);
      (iv.sids.length > 1 ? merged : plain).push(s.file);
      const l = getOrInit(filesOfIv, iv.iv, () => []);
      l.push(s.file);
    }
  }
  await insertRows(c, "pq_map", ["file VARCHAR", "iv INTEGER", "fid INTEGER"], fileIv);
  await insertRows(
    c,
    "pq_member",
    [
      "file VARCHAR",
      "host VARCHAR",
      "iface VARCHAR",
      "run_id VARCHAR",
      "seq BIGINT",
      "iv INTEGER",
      "fid INTEGER",
      "merged BOOLEAN",
    ],
    members,
  );
  const batch = input.batchFiles ?? SCAN_BATCH_FILES;
  const batched = plain.length + merged.length > batch;
  return {
    live,
    fileIv,
    source: {
      parquetPlain: batched
        ? await materialize(c, "scan_rows_plain", plain, input.ports, batch)
        : await listOrNull(c, "scan_plain", plain),
      parquetMerged: batched
        ? await materialize(c, "scan_rows_merged", merged, input.ports, batch)
        : await listOrNull(c, "scan_merged", merged),
      compactedPlain: await fileListOrNull(c, "scan_c_plain", [...cPlain].sort()),
      compactedMerged: await fileListOrNull(c, "scan_c_merged", [...cMerged].sort()),
      jsonl: input.hasJsonl,
      ports: input.ports,
    },
    filesOfIv,
    compactedOfIv,
    anyPartial: live.some((iv) => iv.w < 1),
  };
}

/** A per-key row of the heavy pass (family, prefix_len, dst_port, counters, peaks, n) as KeyTotals. */
export function keyTotalsOf(r: Record<string, unknown>, src: Uint8Array, candidate: boolean): KeyTotals {
  const family = Number(r.family) as 4 | 6;
  const prefixLen = Number(r.prefix_len);
  const dstPort = Number(r.dst_port);
  return {
    id: keyId(family, src, prefixLen, dstPort),
    family,
    src,
    prefixLen,
    dstPort,
    totals: counts(r),
    peakSynRate: Number(r.peak_syn_rate ?? 0),
    peakPktRate: Number(r.peak_pkt_rate ?? 0),
    peakByteRate: Number(r.peak_byte_rate ?? 0),
    intervals: Number(r.n),
    candidate,
  };
}

export async function scan(c: DuckDBConnection, input: ScanInput, cfg: ReportConfig): Promise<ScanResult> {
  const {
    live,
    fileIv,
    source: src,
    filesOfIv,
    compactedOfIv,
    anyPartial,
  } = await loadIntervalTables(c, input);
  // Several hosts: pass 1 also counts each host's own keys (the FP bound's sample size is per host).
  const perHost = new Set(input.runs.map((r) => r.host)).size > 1;
  await c.run(pass1Sql(rowsSql(src), anyPartial, perHost), hotParams(cfg, CANDIDATE_FACTOR));

  const invalid: InvalidRows[] = (
    await queryRows<{ fid: number; reason: string; n: bigint }>(c, INVALID_ROWS_SQL)
  ).map((r) => ({ file: fileIv[r.fid]![0], reason: r.reason, rows: Number(r.n) }));
  // Only candidates come to JS: one object per key of a multi-million-key snapshot was the superlinear part.
  const keyRows = await queryRows<Record<string, unknown>>(c, `${KEY_TOTALS_SQL} AND any_hot`);
  const cands = new Map<string, Candidate>();
  const hotEnds: number[] = [];
  const ivById = new Map(live.map((iv) => [iv.iv, iv]));
  for (const r of keyRows) {
    const k = keyTotalsOf(r, new Uint8Array(r.src as Uint8Array), r.any_hot === true);
    if (k.candidate) {
      const rows = ((r.hot_rows as Record<string, unknown>[] | null) ?? []).map((h) => ({
        iv: Number(h.iv),
        ...deltas(h),
      }));
      for (const h of rows) hotEnds.push(ivById.get(h.iv)!.t1);
      cands.set(k.id, { key: k, rows });
    }
  }
  const ivTotals = await readIntervalCounters(c, IV_TOTALS_SQL, false);
  const ivPorts = await readIntervalCounters(c, IV_PORT_SQL, true);

  if (cands.size > 0) {
    const rel = relevantIntervals(live, hotEnds, cfg.block_duration_sec);
    await insertRows(
      c,
      "cand",
      ["family TINYINT", "src BLOB", "prefix_len SMALLINT", "dst_port INTEGER"],
      [...cands.values()].map((k) => [k.key.family, k.key.src, k.key.prefixLen, k.key.dstPort]),
    );
    await insertRows(
      c,
      "rel_iv",
      ["iv INTEGER"],
      [...rel].map((iv) => [iv]),
    );
    const relPlain: string[] = [];
    const relMerged: string[] = [];
    const relCPlain = new Set<string>();
    const relCMerged = new Set<string>();
    for (const ivId of rel) {
      const iv = ivById.get(ivId)!;
      for (const f of filesOfIv.get(ivId) ?? []) (iv.sids.length > 1 ? relMerged : relPlain).push(f);
      for (const f of compactedOfIv.get(ivId) ?? []) (iv.sids.length > 1 ? relCMerged : relCPlain).add(f);
    }
    // A batched pass 1 left every row in a table: pass 2 reads that, not the files again.
    const relOf = async (p: ParquetRows | null, name: string, files: string[]) =>
      p && "table" in p
        ? files.length > 0
          ? { table: p.table, where: "iv IN (SELECT iv FROM rel_iv)" }
          : null
        : listOrNull(c, name, files.sort());
    const src2: RowSource = {
      parquetPlain: await relOf(src.parquetPlain, "scan_rel_plain", relPlain),
      parquetMerged: await relOf(src.parquetMerged, "scan_rel_merged", relMerged),
      compactedPlain: await fileListOrNull(c, "scan_rel_c_plain", [...relCPlain].sort()),
      compactedMerged: await fileListOrNull(c, "scan_rel_c_merged", [...relCMerged].sort()),
      compactedIvTable: "rel_iv",
      jsonl: input.hasJsonl,
      jsonlIvTable: "rel_iv",
      ports: input.ports,
    };
    if (relPlain.length + relMerged.length + relCPlain.size + relCMerged.size > 0 || input.hasJsonl) {
      const more = (
        await c.runAndReadAll(pass2Sql(rowsSql(src2)), hotParams(cfg, CANDIDATE_FACTOR))
      ).getRowObjectsJS() as Record<string, unknown>[];
      for (const r of more) {
        const id = keyId(
          Number(r.family),
          new Uint8Array(r.src as Uint8Array),
          Number(r.prefix_len),
          Number(r.dst_port),
        );
        cands.get(id)?.rows.push({ iv: Number(r.iv), ...deltas(r) });
      }
    }
    for (const cand of cands.values()) cand.rows.sort((a, b) => a.iv - b.iv);
  }
  await c.run("DROP TABLE IF EXISTS scan_rows_plain; DROP TABLE IF EXISTS scan_rows_merged");
  return { invalid, candidates: [...cands.values()], ivTotals, ivPorts };
}
