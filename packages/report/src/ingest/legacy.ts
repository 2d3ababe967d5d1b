// Legacy JSONL ingest: DuckDB reads the lines; the lenient reader (legacy-jsonl.ts) names the bad ones.
import { basename, dirname } from "node:path";
import type { DuckDBConnection } from "@duckdb/node-api";
import { parseHostDirName } from "@ibsr/contract";
import type { SkippedInput } from "../model.js";
import { getOrInit, pushAll } from "../util.js";
import { insertRows, queryRows } from "./duckdb.js";
import type { Interval, Run, SnapshotInfo } from "./intervals.js";
import { preflightJsonl, restoreBomFirstLines } from "./jsonl-preflight.js";
import { readLegacySnapshots } from "./legacy-jsonl.js";
import {
  LEGACY_BAD_ADDR_SQL,
  LEGACY_CATALOG_SQL,
  LEGACY_DELTAS_SQL,
  LEGACY_KEYS_SQL,
  LEGACY_MERGE_SQL,
  legacyLoadSql,
} from "./queries/legacy.js";

export interface LegacyCatalog {
  snaps: SnapshotInfo[];
  skipped: SkippedInput[];
  skippedCount: number;
  /** Buckets of usable lines that broke the row rule (queries/row-rules.ts): skipped, counted in skippedCount. */
  invalidRows: number;
  /** sid -> the snapshot's identity in jflat (file, ts, run_id). */
  ident: Map<number, { file: string; ts: number; runId: string | null }>;
}

/** Keep this many skip reasons per file (the report shows the first few overall). */
const REASONS_PER_FILE = 20;

/** Host of legacy files: --host, else the folder holding the file (a Hive "host=x" folder gives x). */
export function legacyHost(file: string, hostFlag: string | null): string {
  if (hostFlag) return hostFlag;
  const folder = basename(dirname(file));
  return parseHostDirName(folder) ?? (folder || "unknown");
}

export async function loadLegacyCatalog(
  c: DuckDBConnection,
  files: readonly string[],
  hostFlag: string | null,
  nextSid: () => number,
): Promise<LegacyCatalog> {
  const out: LegacyCatalog = { snaps: [], skipped: [], skippedCount: 0, invalidRows: 0, ident: new Map() };
  if (files.length === 0) return out;
  const pre = await preflightJsonl(files);
  pushAll(out.skipped, pre.skipped);
  out.skippedCount += pre.skipped.length;
  if (pre.readable.length === 0) return out;
  await c.run(legacyLoadSql(pre.readable));
  await restoreBomFirstLines(c, pre.bom);
  const rows = await queryRows<{
    file: string;
    version: bigint | null;
    ts: number | null;
    run_id: string | null;
    base_ts: number | null;
    interval_sec: number | null;
    dst_ports: number[] | null;
    nb: bigint;
    valid: boolean;
    bad_reasons: string[] | null;
  }>(c, LEGACY_CATALOG_SQL);
  const badFiles = new Map<string, number>();
  const badBuckets = new Map<string, Map<string, number>>();
  for (const r of rows) {
    if (r.valid)
      for (const reason of r.bad_reasons ?? []) {
        const m = getOrInit(badBuckets, r.file, () => new Map<string, number>());
        m.set(reason, (m.get(reason) ?? 0) + 1);
      }
    if (!r.valid) {
      badFiles.set(r.file, (badFiles.get(r.file) ?? 0) + 1);
      continue;
    }
    const sid = nextSid();
    out.ident.set(sid, { file: r.file, ts: r.ts!, runId: r.run_id });
    out.snaps.push({
      sid,
      format: "jsonl",
      file: r.file,
      line: null,
      host: legacyHost(r.file, hostFlag),
      iface: "unknown",
      runId: r.run_id ?? "legacy",
      seq: null,
      ts: r.ts!,
      baseTs: r.base_ts,
      intervalSec: r.interval_sec,
      spanSec: null,
      rows: Number(r.nb),
      ports: (r.dst_ports ?? []).filter((p): p is number => typeof p === "number"),
      xdpMode: null,
      mapCapacity: null,
      liveEntries: null,
      globals: null,
      schemaVersion: r.version === null ? null : Number(r.version),
    });
  }
  for (const [file, m] of [...badBuckets].sort((a, b) => (a[0] < b[0] ? -1 : 1)))
    for (const [reason, n] of m) {
      out.skipped.push({ file, line: null, reason: `${n} bucket(s) skipped: ${reason}` });
      out.skippedCount += n;
      out.invalidRows += n;
    }
  // DuckDB says how many lines failed but not where or why: the lenient reader does.
  for (const [file, n] of [...badFiles].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
    let found = 0;
    let status = 0;
    // Lines the lenient reader takes but DuckDB did not (invalid UTF-8, a line over MAX_OBJECT_SIZE): named by line.
    const read = new Set(rows.filter((r) => r.valid && r.file === file).map((r) => `${r.ts}|${r.run_id}`));
    const unread: number[] = [];
    for await (const rec of readLegacySnapshots(file)) {
      if (rec.kind === "status") status++;
      if (rec.kind === "snapshot" && !read.has(`${rec.snapshot.ts}|${rec.snapshot.runId}`))
        unread.push(rec.line);
      if (rec.kind !== "skip") continue;
      found++;
      if (found <= REASONS_PER_FILE) out.skipped.push({ file, line: rec.line, reason: rec.reason });
    }
    const unexplained = n - status - found;
    if (unexplained > 0 && unread.length === unexplained) {
      for (const line of unread.slice(0, Math.max(0, REASONS_PER_FILE - found)))
        out.skipped.push({
          file,
          line,
          reason: "rejected by DuckDB's JSON reader (invalid UTF-8, or a line over its maximum object size)",
        });
      found += unexplained;
    } else if (unexplained > 0) {
      out.skipped.push({
        file,
        line: null,
        reason: `${unexplained} line(s) rejected by DuckDB's JSON reader (wrong member types or an invalid bucket)`,
      });
      found += unexplained;
    }
    out.skippedCount += found;
  }
  return out;
}

/** Computes per-interval deltas of every key into the temp table `jrows` (see queries/legacy.ts). */
export async function buildLegacyRows(
  c: DuckDBConnection,
  runs: readonly Run[],
  intervals: readonly Interval[],
  ident: LegacyCatalog["ident"],
): Promise<{ badAddressBuckets: number }> {
  const ivOfSid = new Map<number, Interval>();
  for (const iv of intervals) for (const s of iv.sids) ivOfSid.set(s, iv);
  const map: [string, number, string | null, number, number, number | null][] = [];
  const merged: [number][] = [];
  for (const run of runs) {
    if (run.format !== "jsonl") continue;
    run.snaps.forEach((s, sidx) => {
      const iv = ivOfSid.get(s.sid);
      const id = ident.get(s.sid)!;
      map.push([id.file, id.ts, id.runId, run.run, sidx, iv && iv.w > 0 ? iv.iv : null]);
    });
    for (const iv of run.intervals) if (iv.sids.length > 1 && iv.w > 0) merged.push([iv.iv]);
  }
  await insertRows(
    c,
    "jmap",
    ["file VARCHAR", "ts DOUBLE", "run_id VARCHAR", "run INTEGER", "sidx INTEGER", "iv INTEGER"],
    map,
  );
  await c.run(LEGACY_KEYS_SQL);
  const badKeys = await queryRows<{ n: bigint }>(c, "SELECT count(*) AS n FROM jkeys WHERE src IS NULL");
  const bad = Number(badKeys[0]?.n ?? 0n) > 0 ? await queryRows<{ n: bigint }>(c, LEGACY_BAD_ADDR_SQL) : [];
  for (const sql of LEGACY_DELTAS_SQL) await c.run(sql);
  if (merged.length > 0) {
    await insertRows(c, "merged_iv", ["iv INTEGER"], merged);
    for (const sql of LEGACY_MERGE_SQL) await c.run(sql);
  }
  return { badAddressBuckets: Number(bad[0]?.n ?? 0n) };
}
