// Where a snapshot file lives under the output directory: Hive-style folders (host=…/date=…/) so
// DuckDB, Spark, Trino or Athena read a fleet's snapshots as one table. Every component is
// sanitised, so no host or interface name can climb out of the output directory.
import { isoUtc } from "./utc-time.js";

export interface SnapshotPathParts {
  host: string;
  iface: string;
  runId: string;
  seq: number;
  /** Snapshot time: a Date, or microseconds since the Unix epoch (the snapshot's tsUs). */
  ts: Date | bigint;
}

/** Digits `seq` is zero-padded to, so names sort in sequence order (longer numbers just grow). */
export const SEQ_DIGITS = 8;
export const SNAPSHOT_EXTENSION = ".parquet";

/**
 * The one file `ibsr-report compact` writes per host=/date= folder: every snapshot of that host-day in one
 * Parquet file (its snapshots listed in the COMPACTED_META_KEY footer entry). It never matches
 * SNAPSHOT_FILE_RE (one '-' only), so name-based pruning never mistakes it for a snapshot.
 */
export const COMPACTED_FILE_NAME = "ibsr-compacted.parquet";

/** The file name pattern: ibsr-<iface>-<runId>-<seq>.parquet (iface and runId sanitised, so no '-'-free guarantee). */
export const SNAPSHOT_FILE_RE = /^ibsr-(.+)-([^-]+)-(\d+)\.parquet$/;

const MAX_COMPONENT = 128;

/**
 * A path component made safe: letters, digits, '.', '_' and '-' stay; anything else (including '/',
 * '\\', '=', NUL and spaces) becomes '_'. "", "." and ".." become "unknown"/"_"-prefixed forms.
 */
export function sanitizePathComponent(value: string): string {
  let s = value.replace(/[^A-Za-z0-9._-]/g, "_");
  if (s.length > MAX_COMPONENT) s = s.slice(0, MAX_COMPONENT);
  if (s.length === 0) return "unknown";
  // A leading dot would hide the folder or, as "..", name the parent.
  if (s.startsWith(".")) s = `_${s.slice(1)}`;
  return s;
}

export const HOST_DIR_PREFIX = "host=";
export const DATE_DIR_PREFIX = "date=";

/** Every snapshot file under the output directory, as a glob (DuckDB read_parquet, help texts). */
export const SNAPSHOT_GLOB = `${HOST_DIR_PREFIX}*/${DATE_DIR_PREFIX}*/*${SNAPSHOT_EXTENSION}`;

/** The host's folder: host=<host>, sanitised (snapshots go into its date folders, heartbeats beside them). */
export function hostDirName(host: string): string {
  return `${HOST_DIR_PREFIX}${sanitizePathComponent(host)}`;
}

/** The host a folder name host=<host> stands for, or null for any other name (and for "host=" alone). */
export function parseHostDirName(name: string): string | null {
  return name.startsWith(HOST_DIR_PREFIX) && name.length > HOST_DIR_PREFIX.length
    ? name.slice(HOST_DIR_PREFIX.length)
    : null;
}

/** A run id as a snapshot file name spells it: sanitised, and without '-' so the name splits back unambiguously. */
export function runIdFileComponent(runId: string): string {
  return sanitizePathComponent(runId).replace(/-/g, "_");
}

/** host=<h>/date=<YYYY-MM-DD>/ibsr-<iface>-<runId>-<seq padded>.parquet, date in UTC. */
export function snapshotRelativePath(p: SnapshotPathParts): string {
  if (!Number.isSafeInteger(p.seq) || p.seq < 0)
    throw new RangeError(`snapshot seq must be a non-negative integer, got ${p.seq}`);
  const date = typeof p.ts === "bigint" ? new Date(Number(p.ts / 1000n)) : p.ts;
  if (Number.isNaN(date.getTime())) throw new RangeError("snapshot time is not a valid date");
  const day = isoUtc(date.getTime()).slice(0, 10);
  const runId = runIdFileComponent(p.runId);
  const seq = String(p.seq).padStart(SEQ_DIGITS, "0");
  return `${hostDirName(p.host)}/${DATE_DIR_PREFIX}${day}/ibsr-${sanitizePathComponent(p.iface)}-${runId}-${seq}${SNAPSHOT_EXTENSION}`;
}

/** The parts of a snapshot file name, or null for any other name (temp files, status.jsonl...). */
export function parseSnapshotFileName(name: string): { iface: string; runId: string; seq: number } | null {
  const m = SNAPSHOT_FILE_RE.exec(name);
  if (!m) return null;
  return { iface: m[1]!, runId: m[2]!, seq: Number(m[3]) };
}

/** The UTC day a folder name date=<YYYY-MM-DD> stands for (a real calendar date), or null. */
export function parseDateDirName(name: string): string | null {
  const m = /^date=(\d{4})-(\d{2})-(\d{2})$/.exec(name);
  if (!m) return null;
  const day = `${m[1]}-${m[2]}-${m[3]}`;
  const t = Date.parse(`${day}T00:00:00Z`);
  return Number.isFinite(t) && isoUtc(t).startsWith(day) ? day : null;
}

/**
 * The collector's run id: the run's start (attach) time in UTC to the second, yyyymmddThhmmssZ, then four
 * hex digits against two runs started in the same second. It contains no '-', as the file name needs.
 */
export function formatRunId(startUs: bigint, suffix: number): string {
  const iso = isoUtc(Number(startUs / 1000n));
  const stamp = `${iso.slice(0, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)}T${iso.slice(11, 13)}${iso.slice(14, 16)}${iso.slice(17, 19)}Z`;
  return `${stamp}${(suffix & 0xffff).toString(16).padStart(4, "0")}`;
}

/** The run start (Unix seconds, rounded down to the second) a formatRunId id encodes, or null for other ids. */
export function runStartOfRunId(runId: string): number | null {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z[0-9a-f]{4}$/.exec(runId);
  if (!m) return null;
  const t = Date.parse(`${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}Z`);
  return Number.isFinite(t) ? t / 1000 : null;
}
