// import-jsonl: the reference collector's JSONL as collector snapshot files, once, so that later reports read
// Parquet. The lines are streamed as a report streams them (legacy-stream.ts: the same fast and slow readers,
// row rule and per-key deltas), then each usable line becomes one file in the collector's Hive layout with the
// contract's columns and footer keys, written by DuckDB's COPY to a temporary name and linked into place, so an
// existing file is never replaced. docs/report.md (Importing reference JSONL) describes the mapping.
import { closeSync, fsyncSync, linkSync, mkdirSync, openSync, unlinkSync } from "node:fs";
import { dirname, join } from "node:path";
import type { DuckDBConnection } from "@duckdb/node-api";
import {
  META_KEYS,
  SNAPSHOT_COLUMNS,
  SNAPSHOT_SCHEMA_VERSION,
  snapshotRelativePath,
  VALUE_COUNTERS,
} from "@ibsr/contract";
import { EXIT, ReportError } from "../exit-codes.js";
import type { SkippedInput } from "../model.js";
import { pushAll } from "../util.js";
import { insertRows } from "./duckdb.js";
import { FAST_COUNTERS } from "./jsonl-line.js";
import { preflightJsonl } from "./jsonl-preflight.js";
import { legacyHost, parseThreads } from "./legacy.js";
import { IMPORT_TABLE, type LegacyLine, LegacyStream } from "./legacy-stream.js";
import { quoteLiteral } from "./sql.js";

/** The interface name of imported snapshots: the reference's JSONL does not record one (a report says "unknown" too). */
export const IMPORTED_IFACE = "unknown";
/** run_id of lines without one (the name a report gives such a run). */
export const IMPORTED_RUN_ID = "legacy";

export interface ImportResult {
  /** Snapshot files written. */
  files: string[];
  rows: number;
  /** Every skipped input (file, line and reason); `skippedCount` counts lines and buckets. */
  skipped: SkippedInput[];
  skippedCount: number;
}

/** What a SELECT gives for each contract column, from jimp (d), jkeys (k) and one line's constants. */
function columnExpr(name: string, line: ImportLine): string {
  const counter = FAST_COUNTERS.find((c) => name === c || name === `${c}_delta`);
  if (counter) return `d.${name}`;
  // Counters the reference does not keep (synack, fin): NULL, not a zero it never counted.
  if (VALUE_COUNTERS.some((c) => name === c || name === `${c}_delta`)) return "NULL";
  switch (name) {
    case "ts":
      return `make_timestamp(${line.tsUs}::BIGINT)::TIMESTAMPTZ`;
    case "base_ts":
      return line.baseTsUs === null ? "NULL" : `make_timestamp(${line.baseTsUs}::BIGINT)::TIMESTAMPTZ`;
    case "seq":
      return String(line.seq);
    case "run_id":
      return quoteLiteral(line.runId);
    case "host":
      return quoteLiteral(line.l.host);
    case "iface":
      return quoteLiteral(IMPORTED_IFACE);
    case "family":
      return "k.family";
    case "src":
      return "k.src";
    case "prefix_len":
      return "k.prefix_len";
    case "dst_port":
      return "k.port";
    case "new_entry":
      return "d.new_entry = 1";
    case "span_us":
      return line.spanUs === null ? "NULL" : String(line.spanUs);
    case "first_seen_mono_ns":
      // The reference records no insert time.
      return "NULL";
  }
  throw new Error(`internal: no source for snapshot column ${name}`);
}

interface ImportLine {
  l: LegacyLine;
  runId: string;
  seq: number;
  tsUs: bigint;
  baseTsUs: bigint | null;
  /** The span the deltas cover: since the previous line of the run; null for the first (a report then takes base_ts). */
  spanUs: bigint | null;
  path: string;
}

const us = (sec: number): bigint => BigInt(Math.round(sec * 1e6));

/** Footer key/value pairs of one imported snapshot (the contract's keys; what JSONL does not record is left out). */
function kvMetadata(line: ImportLine, version: string): string {
  const kv: [string, string][] = [
    [META_KEYS.schemaVersion, String(SNAPSHOT_SCHEMA_VERSION)],
    [META_KEYS.collectorVersion, version],
    [META_KEYS.host, line.l.host],
    [META_KEYS.iface, IMPORTED_IFACE],
    [META_KEYS.runId, line.runId],
    [META_KEYS.seq, String(line.seq)],
    [META_KEYS.tsUs, String(line.tsUs)],
    [META_KEYS.ports, JSON.stringify([...line.l.ports].sort((a, b) => a - b))],
  ];
  if (line.baseTsUs !== null) kv.push([META_KEYS.baseTsUs, String(line.baseTsUs)]);
  if (line.l.intervalSec !== null) kv.push([META_KEYS.intervalSec, String(line.l.intervalSec)]);
  return `{${kv.map(([k, v]) => `${quoteLiteral(k)}: ${quoteLiteral(v)}`).join(", ")}}`;
}

/**
 * Orders each run's lines by time and checks that every line's deltas were taken against the line before it
 * (the stream's chain): a duplicate or out-of-order snapshot is an error here (a report reads such input
 * directly, through its window fallback).
 */
function planLines(lines: readonly LegacyLine[], out: string): ImportLine[] {
  const runs = new Map<string, LegacyLine[]>();
  for (const l of lines) {
    const k = `${l.host}\u0000${l.runId ?? ""}\u0000${l.runId === null ? 1 : 0}`;
    const r = runs.get(k) ?? [];
    runs.set(k, r);
    r.push(l);
  }
  const plan: ImportLine[] = [];
  for (const r of runs.values()) {
    r.sort((a, b) => a.ts - b.ts || a.line - b.line);
    r.forEach((l, i) => {
      const prev = i > 0 ? r[i - 1]! : null;
      if (l.prev !== (prev ? prev.line : -1))
        throw new ReportError(
          EXIT.USAGE,
          `${l.file}:${l.lineNo}: snapshot at ts ${l.ts} of run ${l.runId ?? IMPORTED_RUN_ID} (host ${l.host}) is a duplicate or comes after a later one in file order; import-jsonl needs each run's snapshots once and in time order: report on the JSONL directly instead (ibsr-report <dir>)`,
        );
      const runId = l.runId ?? IMPORTED_RUN_ID;
      const seq = i + 1;
      const tsUs = us(l.ts);
      plan.push({
        l,
        runId,
        seq,
        tsUs,
        baseTsUs: l.baseTs === null ? null : us(l.baseTs),
        spanUs: prev ? tsUs - us(prev.ts) : null,
        // seq starts at 1: seq 0 would claim the run's start snapshot, which a report then never treats as a
        // baseline; from base_ts it judges the first line exactly as it judges it in JSONL.
        path: join(out, snapshotRelativePath({ host: l.host, iface: IMPORTED_IFACE, runId, seq, ts: tsUs })),
      });
    });
  }
  return plan;
}

function fsyncPath(path: string): void {
  const fd = openSync(path, "r");
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Writes one line's rows to `p.path` through a temporary name; never replaces an existing file. */
async function writeLine(c: DuckDBConnection, p: ImportLine, version: string): Promise<number> {
  mkdirSync(dirname(p.path), { recursive: true });
  const tmp = `${p.path}.import-${process.pid}.tmp`;
  const cols = SNAPSHOT_COLUMNS.map((col) => `(${columnExpr(col.name, p)})::${col.duckdb} AS ${col.name}`);
  const select = `SELECT ${cols.join(", ")}
FROM ${IMPORT_TABLE} d JOIN jkeys k ON d.kid = k.kid
WHERE d.line = ${p.l.line}
ORDER BY k.port, k.family, k.src`;
  const r = await c.runAndReadAll(
    `COPY (${select}) TO ${quoteLiteral(tmp)} (FORMAT parquet, KV_METADATA ${kvMetadata(p, version)})`,
  );
  const rows = Number(r.getRows()[0]?.[0] ?? 0);
  try {
    fsyncPath(tmp);
    // link, not rename: it fails when the name exists, so a file that appeared meanwhile is kept.
    linkSync(tmp, p.path);
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    if (err.code === "EEXIST")
      throw new ReportError(
        EXIT.IO,
        `${p.path} already exists: import-jsonl never replaces a file (choose an empty output directory)`,
      );
    throw e;
  } finally {
    unlinkSync(tmp);
  }
  return rows;
}

/** Streams `files` and writes one snapshot file per usable line under `out`. */
export async function importJsonl(
  c: DuckDBConnection,
  files: readonly string[],
  out: string,
  opts: { hostFlag: string | null; version: string; progress?: (msg: string) => void },
): Promise<ImportResult> {
  const result: ImportResult = { files: [], rows: 0, skipped: [], skippedCount: 0 };
  const pre = await preflightJsonl(files);
  pushAll(result.skipped, pre.skipped);
  result.skippedCount += pre.skipped.length;
  if (pre.readable.length === 0) return result;
  opts.progress?.(`reading ${pre.readable.length} JSONL file(s)`);
  const st = new LegacyStream(c, "import", (f) => legacyHost(f, opts.hostFlag), parseThreads(pre.readable));
  await st.run(pre.readable);
  for (const s of st.skips) result.skipped.push({ file: s.file, line: s.line, reason: s.reason });
  result.skippedCount += st.skips.length;
  for (const [file, m] of st.badBuckets)
    for (const [reason, n] of m) {
      result.skipped.push({ file, line: null, reason: `${n} bucket(s) skipped: ${reason}` });
      result.skippedCount += n;
    }
  if (st.badAddress > 0) {
    result.skipped.push({
      file: "(all files)",
      line: null,
      reason: `${st.badAddress} bucket(s) skipped: the address is not IPv4 text`,
    });
    result.skippedCount += st.badAddress;
  }
  const plan = planLines(st.lines, out);
  // Checked before anything is written: an output that already holds one of these names is left as it is.
  const taken = plan.find((p) => {
    try {
      closeSync(openSync(p.path, "r"));
      return true;
    } catch {
      return false;
    }
  });
  if (taken)
    throw new ReportError(
      EXIT.USAGE,
      `${taken.path} already exists: import-jsonl never replaces a file (choose an empty output directory)`,
    );
  await insertRows(
    c,
    "jkeys",
    ["kid INTEGER", "family TINYINT", "src BLOB", "prefix_len SMALLINT", "port INTEGER"],
    st.keys.map((k, kid) => [kid, 4, k.src, k.prefixLen, k.port]),
  );
  opts.progress?.(`writing ${plan.length} snapshot file(s)`);
  const dirs = new Set<string>();
  for (const p of plan) {
    result.rows += await writeLine(c, p, opts.version);
    result.files.push(p.path);
    dirs.add(dirname(p.path));
  }
  for (const d of dirs) fsyncPath(d);
  return result;
}
