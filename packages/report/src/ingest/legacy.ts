// Legacy JSONL ingest: the catalog and deltas from one streamed pass (legacy-stream.ts), then either the input
// of the in-process heavy pass (jsonl-scan.ts) or jrows and jkeys for the SQL scan.
import { statSync } from "node:fs";
import { availableParallelism } from "node:os";
import { basename, dirname } from "node:path";
import type { DuckDBConnection } from "@duckdb/node-api";
import { parseHostDirName } from "@ibsr/contract";
import type { SkippedInput } from "../model.js";
import { getOrInit, pushAll } from "../util.js";
import { insertRows } from "./duckdb.js";
import { registerFileList } from "./file-list.js";
import type { Interval, Run, SnapshotInfo } from "./intervals.js";
import { preflightJsonl } from "./jsonl-preflight.js";
import type { JsonlScanInput } from "./jsonl-scan.js";
import { LegacyStream } from "./legacy-stream.js";
import { LEGACY_WINDOW_DELTAS_SQL, legacyRowsViewSql } from "./queries/legacy.js";
import { type SourceSkip, sumSourceSkips } from "./source-skipped.js";

export interface LegacyCatalog {
  snaps: SnapshotInfo[];
  skipped: SkippedInput[];
  skippedCount: number;
  /** Buckets of usable lines that broke the row rule (queries/row-rules.ts): skipped, counted in skippedCount. */
  invalidRows: number;
  /** sid -> the streamed line it came from. */
  lineOf: Map<number, number>;
  /** The stream (lines with the line their deltas were taken against, keys); null without JSONL input. */
  stream: LegacyStream | null;
  /** The files streamed (to stream them again for the window fallback). */
  files: string[];
  /**
   * Set by buildLegacyRows when the deltas stayed in the stream's spool (JSONL-only input, runs in stream
   * order): the heavy pass runs in process over them (jsonl-scan.ts) and there is no jrows.
   */
  inProcess: Omit<JsonlScanInput, "live" | "perHost" | "ports"> | null;
  hostFlag: string | null;
}

/** Input from which one parse thread runs beside the main one (below it, starting a thread costs more than it saves). */
const PARSE_THREAD_BYTES = 64 * 2 ** 20;

/**
 * One thread parses the files ahead while the main thread numbers keys, takes deltas and hands them to DuckDB
 * (about half the work each); on one core it would only add copying.
 */
export function parseThreads(files: readonly string[]): number {
  if (availableParallelism() < 2) return 0;
  let bytes = 0;
  for (const f of files) {
    try {
      bytes += statSync(f).size;
    } catch {
      // unreadable now: the stream names it
    }
  }
  return bytes >= PARSE_THREAD_BYTES ? Math.min(2, availableParallelism()) : 0;
}

/** The interface of legacy snapshots: the reference's JSONL names none. */
export const LEGACY_IFACE = "unknown";
/** The run of legacy lines without a run_id (one per host). */
export const LEGACY_RUN_ID = "legacy";

/**
 * Runs `f` with DuckDB on one thread, then restores its setting: while the stream runs, DuckDB only appends and
 * spools small batches, where a second engine thread adds scheduling and takes CPU from the parse threads
 * (measured on the small tier at load 5: the stream 13.0 s with one, 14.6 s with two; import-jsonl's per-line
 * writes 7.4 s of CPU against 11.2 s on 230 lines).
 */
export async function withOneEngineThread<T>(c: DuckDBConnection, f: () => Promise<T>): Promise<T> {
  const before = (await c.runAndReadAll("SELECT current_setting('threads') AS t")).getRowObjectsJS()[0]!.t;
  await c.run("SET threads = 1");
  try {
    return await f();
  } finally {
    await c.run(`SET threads = ${Number(before)}`);
  }
}

/** What the stream skipped (lines, and buckets per file and reason), as SourceSkip entries. */
export function streamSkips(st: LegacyStream): SourceSkip[] {
  const out: SourceSkip[] = st.skips.map((s) => ({ file: s.file, line: s.line, reason: s.reason }));
  for (const [file, m] of st.badBuckets)
    for (const [reason, n] of m) out.push({ file, line: null, reason, buckets: n });
  return out;
}

/** Host of legacy files: --host, else the folder holding the file (a Hive "host=x" folder gives x). */
export function legacyHost(file: string, hostFlag: string | null): string {
  if (hostFlag) return hostFlag;
  const folder = basename(dirname(file));
  return parseHostDirName(folder) ?? (folder || "unknown");
}

/**
 * `inDuckDB`: the deltas go to DuckDB for SQL over jrows (inputs that mix JSONL with Parquet, whose heavy pass is
 * SQL over both; `explain`); otherwise to a spool the in-process heavy pass reads.
 */
export async function loadLegacyCatalog(
  c: DuckDBConnection,
  files: readonly string[],
  hostFlag: string | null,
  nextSid: () => number,
  inDuckDB = true,
): Promise<LegacyCatalog> {
  const out: LegacyCatalog = {
    snaps: [],
    skipped: [],
    skippedCount: 0,
    invalidRows: 0,
    lineOf: new Map(),
    stream: null,
    files: [],
    hostFlag,
    inProcess: null,
  };
  if (files.length === 0) return out;
  const pre = await preflightJsonl(files);
  if (pre.readable.length === 0) {
    pushAll(out.skipped, pre.skipped);
    out.skippedCount += pre.skipped.length;
    return out;
  }
  out.files = pre.readable;
  const st = new LegacyStream(
    c,
    inDuckDB ? "deltas" : "spool",
    (f) => legacyHost(f, hostFlag),
    parseThreads(pre.readable),
  );
  await withOneEngineThread(c, () => st.run(pre.readable));
  out.stream = st;
  // Snapshots are numbered in (file, time, run) order, as the catalog always listed them.
  const cmpNullable = (a: string | null, b: string | null) =>
    a === b ? 0 : a === null ? -1 : b === null ? 1 : a < b ? -1 : 1;
  const ordered = [...st.lines].sort(
    (a, b) =>
      (a.file < b.file ? -1 : a.file > b.file ? 1 : 0) ||
      a.ts - b.ts ||
      cmpNullable(a.runId, b.runId) ||
      a.line - b.line,
  );
  for (const l of ordered) {
    const sid = nextSid();
    out.lineOf.set(sid, l.line);
    out.snaps.push({
      sid,
      format: "jsonl",
      file: l.file,
      line: null,
      host: l.host,
      iface: LEGACY_IFACE,
      runId: l.runId ?? LEGACY_RUN_ID,
      seq: null,
      ts: l.ts,
      baseTs: l.baseTs,
      intervalSec: l.intervalSec,
      spanSec: null,
      rows: l.nb,
      ports: l.ports,
      xdpMode: null,
      mapCapacity: null,
      liveEntries: null,
      globals: null,
      schemaVersion: l.version,
    });
  }
  const sum = sumSourceSkips([...pre.skipped, ...streamSkips(st)]);
  pushAll(out.skipped, sum.list);
  out.skippedCount += sum.count;
  out.invalidRows += sum.invalidRows;
  return out;
}

/**
 * Makes jrows (iv, kid, six counters) and jkeys for the runs. The deltas streamed with the catalog were taken
 * against the previous line of each run as the files came; they stand when every run's snapshots are exactly
 * that chain (the usual case: files in time order, no duplicate or skipped snapshot). Otherwise the files are
 * streamed again for their raw counters and the deltas come from a window over each run in run order.
 */
export async function buildLegacyRows(
  c: DuckDBConnection,
  runs: readonly Run[],
  intervals: readonly Interval[],
  cat: LegacyCatalog,
): Promise<{ badAddressBuckets: number; window: boolean }> {
  const st = cat.stream!;
  const ivOfSid = new Map<number, Interval>();
  for (const iv of intervals) for (const s of iv.sids) ivOfSid.set(s, iv);
  const prevOf = new Map(st.lines.map((l) => [l.line, l.prev]));
  const lineIv: [number, number][] = [];
  const all: [number, number, number][] = [];
  const merged: [number][] = [];
  let inOrder = true;
  for (const run of runs) {
    if (run.format !== "jsonl") continue;
    run.snaps.forEach((s, sidx) => {
      const line = cat.lineOf.get(s.sid)!;
      const expected = sidx === 0 ? -1 : cat.lineOf.get(run.snaps[sidx - 1]!.sid)!;
      if (prevOf.get(line) !== expected) inOrder = false;
      const iv = ivOfSid.get(s.sid);
      if (iv && iv.w > 0) lineIv.push([line, iv.iv]);
      all.push([line, run.run, sidx]);
    });
    for (const iv of run.intervals) if (iv.sids.length > 1 && iv.w > 0) merged.push([iv.iv]);
  }
  const spool = st.deltaSpool;
  if (spool && inOrder) {
    const linesOf = new Map<number, number[]>();
    for (const [line, iv] of lineIv) getOrInit(linesOf, iv, () => []).push(line);
    const ivs = new Map(intervals.map((iv) => [iv.iv, iv]));
    cat.inProcess = {
      spool,
      keys: st.keys,
      intervals: [...linesOf].map(([iv, lines]) => ({ iv: ivs.get(iv)!, lines })),
      hostOfRun: (run) => runs[run]!.host,
    };
    return { badAddressBuckets: st.badAddress, window: false };
  }
  await insertRows(c, "jline", ["line INTEGER", "iv INTEGER"], lineIv);
  await insertRows(c, "merged_iv", ["iv INTEGER"], merged);
  if (!inOrder) {
    spool?.dispose();
    st.deltaSpool = null;
    await insertRows(c, "jline_all", ["line INTEGER", "run INTEGER", "sidx INTEGER"], all);
    const again = new LegacyStream(c, "raw", (f) => legacyHost(f, cat.hostFlag));
    await again.run(cat.files);
    // Emptied (or, after a spooled stream, made): the window's deltas are all in jd_big.
    await c.run("CREATE OR REPLACE TEMP TABLE jd_small AS SELECT * FROM jd_big LIMIT 0");
    await c.run(LEGACY_WINDOW_DELTAS_SQL);
    await c.run("DROP TABLE jraw");
  }
  await insertRows(
    c,
    "jkeys",
    ["kid INTEGER", "family TINYINT", "src BLOB", "prefix_len SMALLINT", "port INTEGER"],
    st.keys.map((k, kid) => [kid, 4, k.src, k.prefixLen, k.port]),
  );
  const small = inOrder ? await registerFileList(c, "jd_small_files", st.spooled.small) : null;
  const big = inOrder ? await registerFileList(c, "jd_big_files", st.spooled.big) : null;
  await c.run(legacyRowsViewSql(small, big, merged.length > 0));
  return { badAddressBuckets: st.badAddress, window: !inOrder };
}
