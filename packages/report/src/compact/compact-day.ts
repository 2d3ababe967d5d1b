// Compaction of one host=/date= folder (`ibsr-report compact`, docs/operate.md "Compaction"): every snapshot
// file of the folder not yet in its compacted file, plus that compacted file, become one new compacted file
// with the same rows and every snapshot's footer facts (COMPACTED_META_KEY). Written to a hidden temp name,
// fsynced, read back and compared with the inputs, and only then renamed over the old compacted file; the
// originals are removed only when asked (removeSources), and only those the verified file holds.
import { renameSync, rmSync, statSync, unlinkSync } from "node:fs";
import { join } from "node:path";
import type { DuckDBConnection } from "@duckdb/node-api";
import {
  COMPACTED_FILE_NAME,
  COMPACTED_META_KEY,
  encodeCompactedMembers,
  SnapshotFormatError,
} from "@ibsr/contract";
import { onCleanup } from "../cleanup.js";
import { fsyncPath } from "../fsync.js";
import { registerFileList } from "../ingest/file-list.js";
import { listDays } from "../ingest/hive-prune.js";
import { literalPath, quoteLiteral } from "../ingest/sql.js";
import { mixedSchema, readInputs, type SkippedFile } from "./inputs.js";
import { takeLock } from "./lock.js";
import { verify } from "./verify.js";

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
  skipped: SkippedFile[];
  /** Originals removed after verification (removeSources only). */
  removed: string[];
  /** Why the folder was refused (mixed schemas, a path DuckDB cannot open): nothing was written. */
  reason?: string;
}

export interface CompactDayOptions {
  removeSources: boolean;
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
