// Compaction of one host=/date= folder (`ibsr-report compact`, docs/operate.md "Compaction"): every snapshot
// file of the folder not yet in its compacted file, plus that compacted file, become one new compacted file
// with the same rows and every snapshot's footer facts (COMPACTED_META_KEY). Written to a hidden temp name,
// fsynced, read back and compared with the inputs, and only then renamed over the old compacted file; the
// originals are removed only when asked (removeSources), and only those the verified file holds.
import {
  closeSync,
  fsyncSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  unlinkSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import type { DuckDBConnection } from "@duckdb/node-api";
import {
  COMPACTED_FILE_NAME,
  COMPACTED_META_KEY,
  type CompactedMember,
  encodeCompactedMembers,
  META_KEYS,
  parseCompactedMembers,
  SnapshotFormatError,
} from "@ibsr/contract";
import { onCleanup } from "../cleanup.js";
import { queryRows } from "../ingest/duckdb.js";
import { registerFileList } from "../ingest/file-list.js";
import { listDays } from "../ingest/hive-prune.js";
import { readNamingUnreadable } from "../ingest/parquet-catalog.js";
import { parquetKvSql, parquetStatsSql } from "../ingest/queries/parquet-catalog.js";
import { literalPath, quoteLiteral } from "../ingest/sql.js";

/** What happened to one host-day folder. */
export interface DayResult {
  dir: string;
  outcome: "compacted" | "up to date" | "refused";
  /** Snapshot files merged in this run (the compacted file's new members). */
  merged: string[];
  /** Snapshots in the compacted file after this run, and its rows. */
  members: number;
  rows: number;
  /** Files left as they were, with why (unreadable, not a snapshot); never merged, never removed. */
  skipped: { file: string; reason: string }[];
  /** Originals removed after verification (removeSources only). */
  removed: string[];
  /** Why the folder was refused (mixed schemas, a path DuckDB cannot open): nothing was written. */
  reason?: string;
}

export interface CompactDayOptions {
  removeSources: boolean;
}

/** The identity columns every snapshot row carries: a member's rows are those with its values. */
const IDENTITY = ["host", "iface", "run_id", "seq"] as const;

interface InputFile {
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
async function footers(c: DuckDBConnection, files: readonly string[]) {
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
async function readInputs(
  c: DuckDBConnection,
  files: readonly string[],
  skipped: DayResult["skipped"],
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
function mixedSchema(inputs: readonly InputFile[]): string | null {
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

function fsyncPath(path: string): void {
  const fd = openSync(path, "r");
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Identity text of a member (from its footer facts), the key the read-back count is compared by. */
function identity(kv: Readonly<Record<string, string>>): string {
  return JSON.stringify([kv[META_KEYS.host], kv[META_KEYS.iface], kv[META_KEYS.runId], kv[META_KEYS.seq]]);
}

/** Reads the written file back and compares it with what was meant: members, schema, rows per member. */
async function verify(
  c: DuckDBConnection,
  tmp: string,
  members: readonly CompactedMember[],
  schema: string,
): Promise<string | null> {
  const f = await footers(c, [tmp]);
  const packed = f.kv.find((r) => r.k === COMPACTED_META_KEY)?.v;
  if (packed === undefined) return `${COMPACTED_META_KEY} is missing from the written footer`;
  if (encodeCompactedMembers(parseCompactedMembers(packed)) !== encodeCompactedMembers(members))
    return "the per-snapshot facts read back differ from the inputs'";
  const got = f.schema.map((r) => `${r.name} ${r.type}`).join(", ");
  if (got !== schema) return `columns read back (${got}) differ from the inputs' (${schema})`;
  const want = new Map<string, number>();
  for (const m of members) want.set(identity(m.kv), (want.get(identity(m.kv)) ?? 0) + m.rows);
  const rows = await queryRows<{ host: string; iface: string; run_id: string; seq: bigint; n: bigint }>(
    c,
    `SELECT host, iface, run_id, seq, count(*) AS n FROM read_parquet(${quoteLiteral(literalPath(tmp)!)}, hive_partitioning = false) GROUP BY ALL`,
  );
  for (const r of rows) {
    const id = JSON.stringify([r.host, r.iface, r.run_id, String(r.seq)]);
    if (want.get(id) !== Number(r.n))
      return `snapshot ${id} has ${r.n} row(s) read back, ${want.get(id) ?? 0} in the inputs`;
    want.delete(id);
  }
  for (const [id, n] of want) if (n > 0) return `snapshot ${id}: ${n} row(s) in the inputs, none read back`;
  return null;
}

/** Compacts one host=/date= folder (see the file comment). */
export async function compactDay(
  c: DuckDBConnection,
  day: { dir: string; folderHost: string; day: string },
  opts: CompactDayOptions,
): Promise<DayResult> {
  const res: DayResult = {
    dir: day.dir,
    outcome: "up to date",
    merged: [],
    members: 0,
    rows: 0,
    skipped: [],
    removed: [],
  };
  const target = join(day.dir, COMPACTED_FILE_NAME);
  if (literalPath(target) === null) {
    res.outcome = "refused";
    res.reason =
      "the folder's path has both a backslash and a glob character, which DuckDB cannot open literally: rename it";
    return res;
  }
  const lock = takeLock(day.dir);
  if (typeof lock === "string") {
    res.outcome = "refused";
    res.reason = lock;
    return res;
  }
  try {
    return await compactLocked(c, day, target, opts, res);
  } finally {
    lock();
  }
}

/** The lock file in a folder being compacted: a second `compact` on the same folder waits for a later run. */
const LOCK_NAME = ".ibsr-compact.lock";

/**
 * Takes the folder's lock (a file created exclusively, holding the pid); returns its release, or why not. A
 * lock whose process is gone (a crashed run) is taken over. Two runs on one folder could otherwise lose a
 * snapshot: one removing originals the other then finds unreadable and leaves out of its file.
 */
function takeLock(dir: string): (() => void) | string {
  const path = join(dir, LOCK_NAME);
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(path, `${process.pid}\n`, { flag: "wx" });
      const forget = onCleanup(() => rmSync(path, { force: true }));
      return () => {
        forget();
        rmSync(path, { force: true });
      };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
      const pid = Number(readFileSync(path, "utf8").trim());
      if (Number.isSafeInteger(pid) && pid > 0 && pidAlive(pid))
        return `another compact (pid ${pid}) is working on it (${path}); run again later`;
      rmSync(path, { force: true }); // its process is gone
    }
  }
  return `cannot take ${path}`;
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

async function compactLocked(
  c: DuckDBConnection,
  day: { dir: string; folderHost: string; day: string },
  target: string,
  opts: CompactDayOptions,
  res: DayResult,
): Promise<DayResult> {
  const listed = listDays([day]);
  const old = listed.compacted[0]?.path ?? null;
  const oldIn = old ? await readInputs(c, [old], res.skipped) : [];
  if (old && oldIn.length === 0) {
    res.outcome = "refused";
    res.reason = `its ${COMPACTED_FILE_NAME} cannot be read (see skipped); move it aside to compact again`;
    return res;
  }
  const covered = new Set(oldIn.flatMap((i) => i.members.map((m) => m.source)));
  const fresh = listed.files.filter((f) => !covered.has(f.path.slice(f.path.lastIndexOf("/") + 1)));
  const freshIn = await readInputs(
    c,
    fresh.map((f) => f.path),
    res.skipped,
  );
  const inputs = [...oldIn, ...freshIn];
  res.members = inputs.reduce((n, i) => n + i.members.length, 0);
  res.rows = inputs.reduce((n, i) => n + i.members.reduce((k, m) => k + m.rows, 0), 0);
  if (freshIn.length === 0) return res;
  const mixed = mixedSchema(inputs);
  if (mixed !== null) {
    res.outcome = "refused";
    res.reason = mixed;
    return res;
  }
  const members = inputs.flatMap((i) => i.members);
  const tmp = join(day.dir, `.${COMPACTED_FILE_NAME}.tmp-${process.pid}`);
  const forget = onCleanup(() => rmSync(tmp, { force: true }));
  try {
    const list = await registerFileList(
      c,
      "compact_inputs",
      inputs.map((i) => i.path),
    );
    // Rows stay in input order (file by file: run and seq order), so row groups are narrow in seq.
    await c.run("SET preserve_insertion_order = true");
    await c.run(
      `COPY (SELECT * FROM read_parquet(${list.expr}, hive_partitioning = false)) TO ${quoteLiteral(tmp)}
  (FORMAT parquet, COMPRESSION zstd, KV_METADATA {${quoteLiteral(COMPACTED_META_KEY)}: ${quoteLiteral(encodeCompactedMembers(members))}})`,
    );
    fsyncPath(tmp);
    const problem = await verify(c, tmp, members, inputs[0]!.schema);
    if (problem !== null)
      throw new SnapshotFormatError(`${day.dir}: the compacted file failed verification: ${problem}`);
    // An input changed since it was read (it never should: the collector renames finished files in).
    for (const i of [...oldIn, ...freshIn]) {
      const st = statSync(i.path);
      if (st.size !== i.size || st.mtimeMs !== i.mtimeMs)
        throw new SnapshotFormatError(`${i.path} changed while it was compacted; run compact again`);
    }
    renameSync(tmp, target);
    fsyncPath(day.dir);
  } catch (e) {
    if (!(e instanceof SnapshotFormatError)) throw e;
    res.outcome = "refused";
    res.reason = e.message;
    return res;
  } finally {
    forget();
    rmSync(tmp, { force: true });
  }
  res.outcome = "compacted";
  res.merged = freshIn.map((i) => i.path);
  if (opts.removeSources) {
    for (const p of res.merged) {
      unlinkSync(p);
      res.removed.push(p);
    }
    fsyncPath(day.dir);
  }
  return res;
}
