// The snapshot catalog of collector Parquet files, from their footers (key/value metadata and statistics).
import type { DuckDBConnection } from "@duckdb/node-api";
import { GLOBAL_FIELDS, GLOBAL_META_KEYS, META_KEYS } from "@ibsr/contract";
import type { SkippedInput } from "../model.js";
import { getOrInit } from "../util.js";
import { queryRows } from "./duckdb.js";
import type { SnapshotInfo } from "./intervals.js";
import { parquetKvSql, parquetStatsSql } from "./queries/parquet-catalog.js";

export interface ParquetCatalog {
  snaps: SnapshotInfo[];
  skipped: SkippedInput[];
  syntheticLabels: string[];
}

function engineMessage(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).split("\n")[0]!;
}

/** Reads footers in one batch; when the batch fails (a corrupt file), retries file by file to name it. */
export async function readParquetCatalog(
  c: DuckDBConnection,
  files: readonly string[],
  nextSid: () => number,
): Promise<ParquetCatalog> {
  const out: ParquetCatalog = { snaps: [], skipped: [], syntheticLabels: [] };
  if (files.length === 0) return out;
  let good: readonly string[] = files;
  let kv: { file: string; k: string; v: string }[];
  let stats: { file: string; rows: bigint | null; span_us: bigint | null }[];
  try {
    kv = await queryRows(c, parquetKvSql(files));
    stats = await queryRows(c, parquetStatsSql(files));
  } catch {
    const ok: string[] = [];
    for (const f of files) {
      try {
        await queryRows(c, parquetStatsSql([f]));
        ok.push(f);
      } catch (e) {
        out.skipped.push({ file: f, line: null, reason: `not a readable Parquet file: ${engineMessage(e)}` });
      }
    }
    good = ok;
    kv = ok.length ? await queryRows(c, parquetKvSql(ok)) : [];
    stats = ok.length ? await queryRows(c, parquetStatsSql(ok)) : [];
  }
  const metaByFile = new Map<string, Map<string, string>>();
  for (const r of kv) {
    const m = getOrInit(metaByFile, r.file, () => new Map());
    m.set(r.k, r.v);
  }
  const statByFile = new Map(stats.map((s) => [s.file, s]));
  for (const file of good) {
    const m = metaByFile.get(file) ?? new Map<string, string>();
    const need = [META_KEYS.host, META_KEYS.iface, META_KEYS.runId, META_KEYS.seq, META_KEYS.tsUs];
    const missing = need.filter((k) => !m.has(k));
    if (missing.length > 0) {
      out.skipped.push({
        file,
        line: null,
        reason: `not an ibsr-collect snapshot: footer metadata lacks ${missing.join(", ")}`,
      });
      continue;
    }
    const num = (k: string): number | null => {
      const v = m.get(k);
      if (v === undefined || v === "") return null;
      const n = Number(v);
      return Number.isFinite(n) ? n : null;
    };
    const tsUs = num(META_KEYS.tsUs);
    const seq = num(META_KEYS.seq);
    if (tsUs === null || seq === null) {
      out.skipped.push({
        file,
        line: null,
        reason: `footer metadata has a non-numeric ${META_KEYS.tsUs} or ${META_KEYS.seq}`,
      });
      continue;
    }
    let globals: Record<string, bigint> | null = {};
    for (const f of GLOBAL_FIELDS) {
      const v = m.get(GLOBAL_META_KEYS[f]);
      if (v === undefined || !/^\d+$/.test(v)) {
        globals = null;
        break;
      }
      globals[f] = BigInt(v);
    }
    let ports: number[] = [];
    try {
      const p = JSON.parse(m.get(META_KEYS.ports) ?? "[]") as unknown;
      if (Array.isArray(p)) ports = p.filter((x): x is number => typeof x === "number");
    } catch {
      ports = [];
    }
    const st = statByFile.get(file);
    const baseTsUs = num(META_KEYS.baseTsUs);
    const label = m.get(META_KEYS.synthetic);
    if (label !== undefined) out.syntheticLabels.push(label);
    out.snaps.push({
      sid: nextSid(),
      format: "parquet",
      file,
      line: null,
      host: m.get(META_KEYS.host)!,
      iface: m.get(META_KEYS.iface)!,
      runId: m.get(META_KEYS.runId)!,
      seq,
      ts: tsUs / 1e6,
      baseTs: baseTsUs === null ? null : baseTsUs / 1e6,
      intervalSec: num(META_KEYS.intervalSec),
      spanSec: st?.span_us != null ? Number(st.span_us) / 1e6 : null,
      rows: st?.rows != null ? Number(st.rows) : 0,
      ports,
      xdpMode: m.get(META_KEYS.xdpMode) ?? null,
      mapCapacity: num(META_KEYS.mapCapacity),
      liveEntries: num(META_KEYS.liveEntries),
      globals,
      schemaVersion: num(META_KEYS.schemaVersion),
    });
  }
  return out;
}
