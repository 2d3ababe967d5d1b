// The inputs of one compacted file: each snapshot file's (or the old compacted file's) members from its footer,
// its columns, and the check that they can share one file (compact-day.ts).
import { statSync } from "node:fs";
import type { DuckDBConnection } from "@duckdb/node-api";
import { COMPACTED_META_KEY, type CompactedMember, META_KEYS, parseCompactedMembers } from "@ibsr/contract";
import { queryRows } from "../ingest/duckdb.js";
import { registerFileList } from "../ingest/file-list.js";
import { readNamingUnreadable } from "../ingest/parquet-catalog.js";
import { parquetKvSql, parquetStatsSql } from "../ingest/queries/parquet-catalog.js";

/** A file left as it was, with why (unreadable, not a snapshot): never merged, never removed. */
export interface SkippedFile {
  file: string;
  reason: string;
}

/** The identity columns every snapshot row carries: a member's rows are those with its values. */
const IDENTITY = ["host", "iface", "run_id", "seq"] as const;

export interface InputFile {
  path: string;
  members: CompactedMember[];
  /** The column names and types, in order: every input of one compacted file must have the same. */
  schema: string;
  size: number;
  mtimeMs: number;
}

type KvRow = { file: string; k: string; v: string };
type StatRow = { file: string; rows: bigint | null; span_us: bigint | null };
type SchemaRow = { file: string; name: string; type: string | null };

/** Footer facts of `files` (one query each for key/values, statistics and schema). */
export async function footers(c: DuckDBConnection, files: readonly string[]) {
  const list = await registerFileList(c, "compact_footers", files);
  return {
    kv: await queryRows<KvRow>(c, parquetKvSql(list)),
    stats: await queryRows<StatRow>(c, parquetStatsSql(list)),
    schema: await queryRows<SchemaRow>(
      c,
      `SELECT file_name AS file, name, duckdb_type AS type FROM parquet_schema(${list.expr}) WHERE num_children IS NULL`,
    ),
  };
}

/** Reads the inputs' footers; a file that cannot be read is skipped and named (found file by file). */
export async function readInputs(
  c: DuckDBConnection,
  files: readonly string[],
  skipped: SkippedFile[],
): Promise<InputFile[]> {
  const { good, result: f } = await readNamingUnreadable(
    files,
    (fs) => footers(c, fs),
    { kv: [], stats: [], schema: [] },
    (file, msg) => skipped.push({ file, reason: `not a readable Parquet file: ${msg}` }),
  );
  const kv = new Map<string, Record<string, string>>();
  for (const r of f.kv) (kv.get(r.file) ?? kv.set(r.file, {}).get(r.file)!)[r.k] = r.v;
  const stat = new Map(f.stats.map((s) => [s.file, s]));
  const cols = new Map<string, string[]>();
  for (const r of f.schema)
    (cols.get(r.file) ?? cols.set(r.file, []).get(r.file)!).push(`${r.name} ${r.type}`);
  const out: InputFile[] = [];
  for (const path of good) {
    const m = kv.get(path) ?? {};
    const names = new Set((cols.get(path) ?? []).map((x) => x.split(" ")[0]));
    const lacking = IDENTITY.filter((n) => !names.has(n));
    if (lacking.length > 0) {
      skipped.push({
        file: path,
        reason: `not an ibsr-collect snapshot: column(s) ${lacking.join(", ")} missing`,
      });
      continue;
    }
    let members: CompactedMember[];
    const packed = m[COMPACTED_META_KEY];
    if (packed !== undefined) {
      try {
        members = parseCompactedMembers(packed);
      } catch (e) {
        skipped.push({ file: path, reason: `compacted file: ${(e as Error).message}` });
        continue;
      }
    } else {
      const missing = [
        META_KEYS.host,
        META_KEYS.iface,
        META_KEYS.runId,
        META_KEYS.seq,
        META_KEYS.tsUs,
      ].filter((k) => m[k] === undefined);
      if (missing.length > 0) {
        skipped.push({
          file: path,
          reason: `not an ibsr-collect snapshot: footer metadata lacks ${missing.join(", ")}`,
        });
        continue;
      }
      const s = stat.get(path);
      members = [
        {
          source: path.slice(path.lastIndexOf("/") + 1),
          kv: m,
          rows: Number(s?.rows ?? 0),
          spanUs: s?.span_us == null ? null : String(s.span_us),
        },
      ];
    }
    const st = statSync(path);
    out.push({
      path,
      members,
      schema: (cols.get(path) ?? []).join(", "),
      size: st.size,
      mtimeMs: st.mtimeMs,
    });
  }
  return out;
}

/** Why the inputs cannot share one file (different columns or schema versions), or null. */
export function mixedSchema(inputs: readonly InputFile[]): string | null {
  const bySchema = new Map<string, string>();
  const byVersion = new Map<string, string>();
  for (const i of inputs) {
    if (!bySchema.has(i.schema)) bySchema.set(i.schema, i.path);
    for (const m of i.members) {
      const v = m.kv[META_KEYS.schemaVersion] ?? "(none)";
      if (!byVersion.has(v)) byVersion.set(v, i.path);
    }
  }
  if (byVersion.size > 1)
    return `snapshots of different schema versions (${[...byVersion].map(([v, f]) => `${v} in ${f}`).join("; ")}): compact with the ibsr-report that matches them, or move one version aside`;
  if (bySchema.size > 1)
    return `files with different columns (${[...bySchema.values()].join(" and ")} differ): move one kind aside`;
  return null;
}
