// The snapshot catalog of collector Parquet files, from their footers (key/value metadata and statistics).
import type { DuckDBConnection } from "@duckdb/node-api";
import {
  COMPACTED_META_KEY,
  type CompactedMember,
  GLOBAL_FIELDS,
  GLOBAL_META_KEYS,
  META_KEYS,
  parseCompactedMembers,
  SNAPSHOT_COLUMNS,
} from "@ibsr/contract";
import type { SkippedInput } from "../model.js";
import { getOrInit } from "../util.js";
import { queryRows } from "./duckdb.js";
import { fileErrorOrThrow } from "./engine-errors.js";
import { registerFileList } from "./file-list.js";
import { memberPrefix, type SnapshotInfo } from "./intervals.js";
import {
  parquetKvSql,
  parquetReadAllSql,
  parquetSchemaSql,
  parquetStatsSql,
  READ_COLUMNS,
} from "./queries/parquet-catalog.js";
import { parseSourceSkipped, type SourceSkip } from "./source-skipped.js";

export interface ParquetCatalog {
  snaps: SnapshotInfo[];
  skipped: SkippedInput[];
  syntheticLabels: string[];
}

/** The type DuckDB must report for each column the reporter reads (from @ibsr/contract's SNAPSHOT_COLUMNS). */
const EXPECTED_TYPE = new Map(
  SNAPSHOT_COLUMNS.filter((col) => READ_COLUMNS.includes(col.name)).map((col) => [col.name, col.duckdb]),
);

type KvRow = { file: string; k: string; v: string };
type StatRow = { file: string; rows: bigint | null; span_us: bigint | null };
type SchemaRow = { file: string; name: string; type: string | null };

async function footers(c: DuckDBConnection, paths: readonly string[]) {
  const files = await registerFileList(c, "footer_files", paths);
  return {
    kv: await queryRows<KvRow>(c, parquetKvSql(files)),
    stats: await queryRows<StatRow>(c, parquetStatsSql(files)),
    schema: await queryRows<SchemaRow>(c, parquetSchemaSql(files)),
  };
}

/** Why a file's columns cannot be read as a snapshot (missing column, other type), or null. */
function schemaProblem(cols: ReadonlyMap<string, string | null>): string | null {
  const problems: string[] = [];
  for (const [name, want] of EXPECTED_TYPE) {
    const got = cols.get(name);
    if (got === undefined) problems.push(`column ${name} is missing`);
    else if (got !== want)
      problems.push(`column ${name} is ${got ?? "of an unknown type"}, expected ${want}`);
  }
  return problems.length ? `not an ibsr-collect snapshot: ${problems.join("; ")}` : null;
}

/**
 * Footers are read this many files at a time: the rows DuckDB returns (one per key/value pair and column) and
 * its per-file state stay bounded however many files there are. Measured on 28 800 fleet files (1 GB engine
 * limit): peak RSS of the catalog 1 390 MB at 16 384 a batch, 906 MB at 4 096, 737 MB at 1 024, no slower.
 */
export const FOOTER_BATCH_FILES = 1024;

/**
 * Where a catalog's footer facts come from: the files' own footers (readParquetCatalog), or a sidecar that
 * `ibsr-report catalog` wrote (heavy/sidecar-catalog.ts; `opensFiles` false: no snapshot file is opened).
 */
export interface FooterSource {
  read(files: readonly string[], nextSid: () => number): Promise<ParquetCatalog>;
  opensFiles: boolean;
}

/** The files' own footers. */
export function fileFooters(c: DuckDBConnection): FooterSource {
  return { read: (files, nextSid) => readParquetCatalog(c, files, nextSid), opensFiles: true };
}

/**
 * `read(files)`; when that fails on file content (a corrupt file), each file is tried alone, the unreadable
 * ones are handed to `bad` with the reason, and `read` runs on the rest. An engine failure (memory, temp
 * space, interrupt) is never blamed on a file: it fails the run (engine-errors.ts).
 */
export async function readNamingUnreadable<T>(
  files: readonly string[],
  read: (files: readonly string[]) => Promise<T>,
  none: T,
  bad: (file: string, reason: string) => void,
): Promise<{ good: string[]; result: T }> {
  try {
    return { good: [...files], result: await read(files) };
  } catch (e0) {
    fileErrorOrThrow(e0, "reading Parquet footers");
  }
  const good: string[] = [];
  for (const file of files) {
    try {
      await read([file]);
      good.push(file);
    } catch (e) {
      bad(file, fileErrorOrThrow(e, `reading the footer of ${file}`));
    }
  }
  return { good, result: good.length ? await read(good) : none };
}

/** Reads every file's footer, FOOTER_BATCH_FILES at a time; see readBatch. */
export async function readParquetCatalog(
  c: DuckDBConnection,
  files: readonly string[],
  nextSid: () => number,
): Promise<ParquetCatalog> {
  const out: ParquetCatalog = { snaps: [], skipped: [], syntheticLabels: [] };
  for (let i = 0; i < files.length; i += FOOTER_BATCH_FILES)
    await readBatch(c, files.slice(i, i + FOOTER_BATCH_FILES), nextSid, out);
  return out;
}

/**
 * Reads footers in one batch; when the batch fails (a corrupt file), retries file by file to name it. An engine
 * failure (memory, temp space, interrupt) is never blamed on a file: it fails the run (engine-errors.ts).
 */
async function readBatch(
  c: DuckDBConnection,
  files: readonly string[],
  nextSid: () => number,
  out: ParquetCatalog,
): Promise<void> {
  if (files.length === 0) return;
  const read = await readNamingUnreadable(
    files,
    (fs) => footers(c, fs),
    { kv: [], stats: [], schema: [] },
    (file, msg) => out.skipped.push({ file, line: null, reason: `not a readable Parquet file: ${msg}` }),
  );
  let good = read.good;
  const f = read.result;
  const { kv, stats } = f;
  const colsByFile = new Map<string, Map<string, string | null>>();
  for (const r of f.schema) getOrInit(colsByFile, r.file, () => new Map()).set(r.name, r.type);
  good = good.filter((file) => {
    const problem = schemaProblem(colsByFile.get(file) ?? new Map());
    if (problem) out.skipped.push({ file, line: null, reason: problem });
    return problem === null;
  });
  const metaByFile = new Map<string, Map<string, string>>();
  for (const r of kv) {
    const m = getOrInit(metaByFile, r.file, () => new Map());
    m.set(r.k, r.v);
  }
  const statByFile = new Map(stats.map((s) => [s.file, s]));
  // A fleet catalog holds hundreds of thousands of snapshots whose host, interface, run and ports repeat: one
  // copy of each per batch, not one per snapshot (docs/operate.md, fleet memory).
  const shared = sharedValues();
  for (const file of good) {
    const m = metaByFile.get(file) ?? new Map<string, string>();
    const packed = m.get(COMPACTED_META_KEY);
    if (packed === undefined) {
      const st = statByFile.get(file);
      addSnapshot(out, nextSid, shared, file, null, m, st?.rows ?? null, st?.span_us ?? null);
      continue;
    }
    let members: CompactedMember[];
    try {
      members = parseCompactedMembers(packed);
    } catch (e) {
      out.skipped.push({ file, line: null, reason: `compacted file: ${(e as Error).message}` });
      continue;
    }
    for (const mb of members)
      addSnapshot(
        out,
        nextSid,
        shared,
        file,
        mb.source,
        new Map(Object.entries(mb.kv)),
        BigInt(mb.rows),
        mb.spanUs === null ? null : BigInt(mb.spanUs),
      );
  }
}

/**
 * One snapshot from its footer key/value pairs, row count and largest span_us: a file's own footer, or a member
 * of a compacted file (`member` names the snapshot file it came from; the facts are the ones that file had).
 */
interface SharedValues {
  text(v: string): string;
  ports(json: string): number[];
}

function sharedValues(): SharedValues {
  const texts = new Map<string, string>();
  const ports = new Map<string, number[]>();
  return {
    text: (v) => getOrInit(texts, v, () => v),
    ports: (json) => getOrInit(ports, json, () => parsePorts(json)),
  };
}

/** The footer's port list (numbers only; unreadable: none). Shared between snapshots: never modified. */
function parsePorts(json: string): number[] {
  try {
    const p = JSON.parse(json) as unknown;
    return Array.isArray(p) ? p.filter((x): x is number => typeof x === "number") : [];
  } catch {
    return [];
  }
}

function addSnapshot(
  out: ParquetCatalog,
  nextSid: () => number,
  shared: SharedValues,
  file: string,
  member: string | null,
  m: ReadonlyMap<string, string>,
  rows: bigint | null,
  spanUsStat: bigint | null,
): void {
  const where = memberPrefix(member);
  const skip = (reason: string) => out.skipped.push({ file, line: null, reason: `${where}${reason}` });
  const need = [META_KEYS.host, META_KEYS.iface, META_KEYS.runId, META_KEYS.seq, META_KEYS.tsUs];
  const missing = need.filter((k) => !m.has(k));
  if (missing.length > 0) {
    skip(`not an ibsr-collect snapshot: footer metadata lacks ${missing.join(", ")}`);
    return;
  }
  // No writer leaves a run's identity empty (the collector refuses an empty host, the import names one); an
  // empty value is a damaged footer, and taken as it reads it would make a run of its own.
  const empty = [META_KEYS.host, META_KEYS.iface, META_KEYS.runId].filter((k) => m.get(k) === "");
  if (empty.length > 0) {
    skip(`not an ibsr-collect snapshot: footer metadata has an empty ${empty.join(", ")}`);
    return;
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
    skip(`footer metadata has a non-numeric ${META_KEYS.tsUs} or ${META_KEYS.seq}`);
    return;
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
  const ports = shared.ports(m.get(META_KEYS.ports) ?? "[]");
  const baseTsUs = num(META_KEYS.baseTsUs);
  // The stored span is the interval's length: it cannot be zero or negative, nor reach before the run start.
  const spanUs = spanUsStat != null ? Number(spanUsStat) : null;
  if (spanUs !== null && (spanUs <= 0 || spanUs > tsUs - (baseTsUs ?? 0) + 1e6)) {
    skip(
      `span_us ${spanUsStat} is out of range (more than 0, at most the time since the run start ${baseTsUs === null ? "(the epoch)" : `(${META_KEYS.baseTsUs} ${baseTsUs})`})`,
    );
    return;
  }
  // What an import skipped of its source: unreadable, the snapshot still counts and the entry is a skip itself.
  let sourceSkipped: SourceSkip[] | undefined;
  const recorded = m.get(META_KEYS.sourceSkipped);
  if (recorded !== undefined)
    try {
      sourceSkipped = parseSourceSkipped(recorded);
    } catch (e) {
      skip(
        `footer metadata ${META_KEYS.sourceSkipped} is unreadable (${(e as Error).message}): the skipped source input it records is not known`,
      );
    }
  const label = m.get(META_KEYS.synthetic);
  if (label !== undefined) out.syntheticLabels.push(label);
  out.snaps.push({
    sid: nextSid(),
    format: "parquet",
    file,
    ...(member === null ? {} : { member }),
    line: null,
    host: shared.text(m.get(META_KEYS.host)!),
    iface: shared.text(m.get(META_KEYS.iface)!),
    runId: shared.text(m.get(META_KEYS.runId)!),
    seq,
    ts: tsUs / 1e6,
    baseTs: baseTsUs === null ? null : baseTsUs / 1e6,
    intervalSec: num(META_KEYS.intervalSec),
    spanSec: spanUs !== null ? spanUs / 1e6 : null,
    rows: rows != null ? Number(rows) : 0,
    ports,
    xdpMode: m.has(META_KEYS.xdpMode) ? shared.text(m.get(META_KEYS.xdpMode)!) : null,
    mapCapacity: num(META_KEYS.mapCapacity),
    liveEntries: num(META_KEYS.liveEntries),
    globals,
    schemaVersion: num(META_KEYS.schemaVersion),
    ...(sourceSkipped === undefined ? {} : { sourceSkipped }),
    ...(label === undefined ? {} : { synthetic: label }),
  });
}

/**
 * After the scan failed on file content (a corrupt page the footer did not reveal): reads each file in full,
 * one by one, and returns the unreadable ones with the reason. An engine failure still fails the run.
 */
export async function findUnreadableParquet(
  c: DuckDBConnection,
  files: readonly string[],
): Promise<SkippedInput[]> {
  const out: SkippedInput[] = [];
  // A compacted file holds many snapshots: each file is read once.
  for (const file of new Set(files)) {
    try {
      await queryRows(c, parquetReadAllSql(file));
    } catch (e) {
      const msg = fileErrorOrThrow(e, `reading ${file}`);
      out.push({ file, line: null, reason: `not a readable Parquet file (its data): ${msg}` });
    }
  }
  return out;
}
