// import-jsonl: the reference collector's JSONL as collector snapshot files, once, so that later reports read
// Parquet. The lines are streamed as a report streams them (legacy-stream.ts: the same fast and slow readers,
// row rule and per-key deltas), then each usable line becomes one file in the collector's Hive layout with the
// contract's columns and footer keys, written by DuckDB's COPY to a temporary name and linked into place, so an
// existing file is never replaced. docs/report.md (Importing reference JSONL) describes the mapping.
import {
  closeSync,
  linkSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  renameSync,
  rmSync,
  unlinkSync,
} from "node:fs";
import { open } from "node:fs/promises";
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
import { fsyncPath } from "../fsync.js";
import type { SkippedInput } from "../model.js";
import { pushAll } from "../util.js";
import { FAST_COUNTERS } from "./jsonl-line.js";
import { preflightJsonl } from "./jsonl-preflight.js";
import {
  LEGACY_IFACE,
  LEGACY_RUN_ID,
  legacyHost,
  parseThreads,
  streamSkips,
  withOneEngineThread,
} from "./legacy.js";
import { IMPORT_TABLE, type LegacyLine, LegacyStream } from "./legacy-stream.js";
import { encodeSourceSkipped, type SourceSkip } from "./source-skipped.js";
import { quoteLiteral } from "./sql.js";

// Imported snapshots are named as a report on the JSONL names them (no interface; a run without run_id).
const IMPORTED_IFACE = LEGACY_IFACE;
const IMPORTED_RUN_ID = LEGACY_RUN_ID;

export interface ImportResult {
  /** Snapshot files written. */
  files: string[];
  rows: number;
  /** Every skipped input (file, line and reason); `skippedCount` counts lines and buckets. */
  skipped: SkippedInput[];
  skippedCount: number;
}

/** What a SELECT gives for each contract column, from jimp and one line's constants. */
function columnExpr(name: string, line: ImportLine): string {
  const counter = FAST_COUNTERS.find((c) => name === c || name === `${c}_delta`);
  if (counter) return name;
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
      return "4";
    case "src":
      // 16 bytes, big-endian, IPv4 in bytes 0..3 (the contract's layout).
      return "from_hex(printf('%08x', ip::UBIGINT) || '000000000000000000000000')";
    case "prefix_len":
      return "prefix_len";
    case "dst_port":
      return "port";
    case "new_entry":
      return "new_entry = 1";
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
  /** Relative to the output directory. */
  rel: string;
  /** Source input skipped before this line (or, for a host's last line, after it), recorded in its footer. */
  skips: SourceSkip[];
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
  if (line.skips.length > 0) kv.push([META_KEYS.sourceSkipped, encodeSourceSkipped(line.skips)]);
  return `{${kv.map(([k, v]) => `${quoteLiteral(k)}: ${quoteLiteral(v)}`).join(", ")}}`;
}

/**
 * Numbers each run's lines as they come. A line whose run already had a later or equal time (a duplicate, or
 * files out of time order: the stream then has no chain to take deltas along) is an error here; a report
 * reads such input directly, through its window fallback.
 */
class RunNumbering {
  private readonly runs = new Map<number, { seq: number; tsUs: bigint }>();
  /** line -> its run's state key (the line that started the run). */
  private readonly runOf = new Map<number, number>();

  next(l: LegacyLine): ImportLine {
    if (l.prev === -2)
      throw new ReportError(
        EXIT.USAGE,
        `${l.file}:${l.lineNo}: the snapshot at ts ${l.ts} of run ${l.runId ?? IMPORTED_RUN_ID} (host ${l.host}) repeats or precedes an earlier line's time; import-jsonl needs each run's snapshots once and in time order (files in time order): report on the JSONL directly instead (ibsr-report <dir>)`,
      );
    const run = l.prev === -1 ? l.line : this.runOf.get(l.prev)!;
    this.runOf.delete(l.prev);
    this.runOf.set(l.line, run);
    const before = this.runs.get(run);
    const tsUs = us(l.ts);
    const seq = (before?.seq ?? 0) + 1;
    this.runs.set(run, { seq, tsUs });
    const runId = l.runId ?? IMPORTED_RUN_ID;
    return {
      l,
      runId,
      // From 1: seq 0 would claim the run's start snapshot; from base_ts a report judges the first line exactly
      // as it judges it in JSONL.
      seq,
      tsUs,
      baseTsUs: l.baseTs === null ? null : us(l.baseTs),
      spanUs: before ? tsUs - before.tsUs : null,
      rel: snapshotRelativePath({ host: l.host, iface: IMPORTED_IFACE, runId, seq, ts: tsUs }),
      skips: [],
    };
  }
}

/** fsyncs in flight at once: one at a time cost about 19 ms each here (1 440 files: 27 s); together the journal commits them in batches. */
const FSYNC_PARALLEL = 64;

/** fsyncs every file, FSYNC_PARALLEL at a time. */
async function fsyncAll(paths: readonly string[]): Promise<void> {
  for (let i = 0; i < paths.length; i += FSYNC_PARALLEL)
    await Promise.all(
      paths.slice(i, i + FSYNC_PARALLEL).map(async (p) => {
        const h = await open(p, "r");
        try {
          await h.sync();
        } finally {
          await h.close();
        }
      }),
    );
}

/** Writes the line's rows (jimp) to `path`, sorted as the collector sorts them (port, family, address: all IPv4 here, and the address sorts as its number). */
async function writeLine(c: DuckDBConnection, p: ImportLine, path: string, version: string): Promise<number> {
  mkdirSync(dirname(path), { recursive: true });
  const cols = SNAPSHOT_COLUMNS.map((col) => `(${columnExpr(col.name, p)})::${col.duckdb} AS ${col.name}`);
  const r = await c.runAndReadAll(
    `COPY (SELECT ${cols.join(", ")} FROM ${IMPORT_TABLE} ORDER BY port, ip) TO ${quoteLiteral(path)} (FORMAT parquet, KV_METADATA ${kvMetadata(p, version)})`,
  );
  return Number(r.getRows()[0]?.[0] ?? 0);
}

/** Writes a staged snapshot again with its footer as it is now (its skips grew); the rows stay as they were. */
async function rewriteFooter(
  c: DuckDBConnection,
  p: ImportLine,
  path: string,
  version: string,
): Promise<void> {
  const tmp = `${path}.skips`;
  await c.run(
    // No hive_partitioning: the staged path's date= folder must not come back as a column.
    `COPY (SELECT ${SNAPSHOT_COLUMNS.map((col) => col.name).join(", ")} FROM read_parquet(${quoteLiteral(path)}, hive_partitioning = false)) TO ${quoteLiteral(tmp)} (FORMAT parquet, KV_METADATA ${kvMetadata(p, version)})`,
  );
  renameSync(tmp, path);
}

/**
 * Hands each written line the source input skipped since the previous one of its file, so the skips travel
 * with the snapshot that follows them (docs/report.md, Importing reference JSONL). The stream records a line's
 * skips and invalid buckets before it hands the next usable line over.
 */
class SkipCarrier {
  private seenLines = 0;
  private readonly seenBuckets = new Map<string, number>();
  private seenAddress = 0;
  /** Skips not yet given to a line, by source file. */
  readonly pending = new Map<string, SourceSkip[]>();

  private add(s: SourceSkip): void {
    const list = this.pending.get(s.file) ?? [];
    this.pending.set(s.file, list);
    list.push(s);
  }

  /** Takes in what the stream skipped since the last call; `file` is the file being read (bad addresses are counted stream-wide). */
  collect(st: LegacyStream, file: string | null): void {
    for (; this.seenLines < st.skips.length; this.seenLines++) {
      const s = st.skips[this.seenLines]!;
      this.add({ file: s.file, line: s.line, reason: s.reason });
    }
    for (const b of streamSkips(st)) {
      if (b.buckets === undefined) continue;
      const k = `${b.file}\u0000${b.reason}`;
      const n = b.buckets - (this.seenBuckets.get(k) ?? 0);
      this.seenBuckets.set(k, b.buckets);
      if (n > 0) this.add({ ...b, buckets: n });
    }
    if (file !== null && st.badAddress > this.seenAddress) {
      this.add({ file, line: null, reason: BAD_ADDRESS, buckets: st.badAddress - this.seenAddress });
      this.seenAddress = st.badAddress;
    }
  }

  take(file: string): SourceSkip[] {
    const list = this.pending.get(file) ?? [];
    this.pending.delete(file);
    return list;
  }
}

const BAD_ADDRESS = "the address is not IPv4 text";

const exists = (path: string): boolean => {
  try {
    closeSync(openSync(path, "r"));
    return true;
  } catch {
    return false;
  }
};

/**
 * Streams `files` and writes one snapshot file per usable line: into a staging folder inside `out` first, then
 * each file linked to its place (link, not rename: it fails on an existing name, so nothing is replaced) once
 * every line is read. On any failure the staging folder goes and `out` holds what it held.
 */
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
  mkdirSync(out, { recursive: true });
  const staging = mkdtempSync(join(out, ".ibsr-import-"));
  try {
    const numbering = new RunNumbering();
    const written: ImportLine[] = [];
    const carrier = new SkipCarrier();
    const last = { byFile: new Map<string, ImportLine>(), byHost: new Map<string, ImportLine>() };
    opts.progress?.(`reading ${pre.readable.length} JSONL file(s)`);
    const st = new LegacyStream(
      c,
      "import",
      (f) => legacyHost(f, opts.hostFlag),
      parseThreads(pre.readable),
      async (l) => {
        const p = numbering.next(l);
        carrier.collect(st, l.file);
        p.skips = carrier.take(l.file);
        last.byFile.set(l.file, p);
        last.byHost.set(l.host, p);
        if (exists(join(out, p.rel)))
          throw new ReportError(
            EXIT.USAGE,
            `${join(out, p.rel)} already exists: import-jsonl never replaces a file (choose an empty output directory)`,
          );
        result.rows += await writeLine(c, p, join(staging, p.rel), opts.version);
        written.push(p);
      },
    );
    await withOneEngineThread(c, () => st.run(pre.readable));
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
        reason: `${st.badAddress} bucket(s) skipped: ${BAD_ADDRESS}`,
      });
      result.skippedCount += st.badAddress;
    }
    // What no later line of its file took (trailing lines, unreadable files): the last snapshot of the file,
    // else of its host, else the last written. With no snapshot written there is nothing to report on.
    carrier.collect(st, null);
    for (const s of pre.skipped)
      carrier.pending.set(s.file, [{ file: s.file, line: null, reason: s.reason }]);
    const grown = new Set<ImportLine>();
    for (const [file, list] of carrier.pending) {
      const to =
        last.byFile.get(file) ??
        last.byHost.get(legacyHost(file, opts.hostFlag)) ??
        written[written.length - 1];
      if (!to) continue;
      pushAll(to.skips, list);
      grown.add(to);
    }
    for (const p of grown) await rewriteFooter(c, p, join(staging, p.rel), opts.version);
    // On disk before any is linked into place: a crash leaves complete files or none.
    await fsyncAll(written.map((p) => join(staging, p.rel)));
    opts.progress?.(`linking ${written.length} snapshot file(s) into ${out}`);
    const dirs = new Set<string>();
    const linked: string[] = [];
    try {
      for (const p of written) {
        const dest = join(out, p.rel);
        mkdirSync(dirname(dest), { recursive: true });
        linkSync(join(staging, p.rel), dest);
        linked.push(dest);
        dirs.add(dirname(dest));
      }
    } catch (e) {
      // Only what this run linked goes (never a file that was there before).
      for (const f of linked) unlinkSync(f);
      if ((e as NodeJS.ErrnoException).code === "EEXIST")
        throw new ReportError(
          EXIT.USAGE,
          `${(e as Error).message}: a file of that name appeared meanwhile; import-jsonl never replaces a file`,
        );
      throw e;
    }
    for (const d of dirs) fsyncPath(d);
    result.files = linked;
    return result;
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}
