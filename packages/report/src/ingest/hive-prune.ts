// Which snapshot files of the Hive layout (host=<h>/date=<YYYY-MM-DD>/ibsr-<iface>-<runId>-<seq>.parquet) the
// --since/--until window can need, decided from folder and file names before any footer is opened. The rules
// (docs/report.md, "Discovery and pruning"):
// - a date folder holds snapshots whose time falls on that UTC day; it is listed only when that day comes
//   within one day (the collector's longest interval) of the window;
// - within a run, seq counts cycles and the collector's cycles sit on fixed slots one interval apart, so a
//   snapshot `k` cycles before a known one is at least (k - 1) intervals older, and the run id gives its
//   start: seq n is at least (n - 1) intervals after it. With one more interval of margin each way (a SIGHUP
//   snapshot, the stop snapshot, a late wake-up), a file whose bounds lie outside the window is not opened;
//   the last snapshot before --since (the window's baseline) is always kept.
// One footer per run (its highest seq listed, the "anchor") gives the interval and a known time.
import { readdirSync } from "node:fs";
import { join } from "node:path";
import {
  COMPACTED_FILE_NAME,
  parseSnapshotFileName,
  runIdFileComponent,
  runStartOfRunId,
  sanitizePathComponent,
} from "@ibsr/contract";
import type { HiveDay } from "./discover.js";
import { unreadablePathReason } from "./sql.js";

/** The collector's longest snapshot interval (its --snapshot-interval-sec maximum): the date folders' margin. */
export const DAY_MARGIN_SEC = 86_400;

export interface HiveFile {
  path: string;
  /** Run identity from the folder and name: folder host, iface, run id. */
  run: string;
  runId: string;
  seq: number;
  day: string;
}

/** A date folder's compacted file. */
export interface CompactedFile {
  path: string;
  folderHost: string;
}

/** HiveFile.run of a snapshot known from its footer facts (a compacted member), as its file name would give it. */
export function runOfSnapshot(folderHost: string, iface: string, runId: string): string {
  return JSON.stringify([folderHost, sanitizePathComponent(iface), runIdFileComponent(runId)]);
}

/** Start and end (exclusive) of a UTC day, Unix seconds. */
export function dayRange(day: string): [number, number] {
  const t = Date.parse(`${day}T00:00:00Z`) / 1000;
  return [t, t + 86_400];
}

export interface Window {
  since: number | null;
  until: number | null;
}

/** A date folder the window may need (a snapshot's interval reaches up to one interval before its time). */
export function dayInWindow(day: string, w: Window): boolean {
  const [start, end] = dayRange(day);
  if (w.since !== null && end + DAY_MARGIN_SEC <= w.since) return false;
  if (w.until !== null && start - DAY_MARGIN_SEC >= w.until) return false;
  return true;
}

/**
 * Snapshot files of the listed date folders by name, and their compacted files (COMPACTED_FILE_NAME); anything
 * else there is returned for the generic walk.
 */
export function listDays(days: readonly HiveDay[]): {
  files: HiveFile[];
  compacted: CompactedFile[];
  others: string[];
} {
  const files: HiveFile[] = [];
  const compacted: CompactedFile[] = [];
  const others: string[] = [];
  for (const d of days) {
    let names: string[];
    try {
      names = readdirSync(d.dir);
    } catch {
      others.push(d.dir); // the generic walk reports why it cannot be listed
      continue;
    }
    for (const n of names.sort()) {
      if (n.startsWith(".")) continue;
      if (n === COMPACTED_FILE_NAME && unreadablePathReason(join(d.dir, n)) === null) {
        compacted.push({ path: join(d.dir, n), folderHost: d.folderHost });
        continue;
      }
      const p = parseSnapshotFileName(n);
      // Other names, and paths DuckDB cannot be given, go the generic way (which names the reason).
      if (p === null || unreadablePathReason(join(d.dir, n)) !== null) others.push(join(d.dir, n));
      else
        files.push({
          path: join(d.dir, n),
          run: JSON.stringify([d.folderHost, p.iface, p.runId]),
          runId: p.runId,
          seq: p.seq,
          day: d.day,
        });
    }
  }
  return { files, compacted, others };
}

/** The highest-seq file of every run among `files`. */
export function anchorsOf(files: readonly HiveFile[]): Map<string, HiveFile> {
  const out = new Map<string, HiveFile>();
  for (const f of files) {
    const a = out.get(f.run);
    if (!a || f.seq > a.seq) out.set(f.run, f);
  }
  return out;
}

/** A file is kept, or left unread as wholly before --since or after --until. */
export type Need = "keep" | "before" | "after";

/** What the anchor's footer says (null when it could not be read: the run is then not pruned by name). */
export interface AnchorFacts {
  seq: number;
  ts: number;
  intervalSec: number | null;
}

/**
 * Whether a file may hold a snapshot the window needs, from its name and its run's anchor. Conservative: kept
 * whenever a bound is unknown (no anchor footer, no interval, a run id without its start time).
 */
export function mayNeed(f: HiveFile, anchor: AnchorFacts | null, w: Window): Need {
  const iv = anchor?.intervalSec ?? null;
  if (anchor === null || iv === null || !(iv > 0)) return "keep";
  // At least (k - 1) intervals before the anchor, k cycles earlier; one interval more of margin, and one for
  // the baseline (the last snapshot at or before --since).
  if (w.since !== null && f.seq < anchor.seq) {
    const latestPossible = anchor.ts - (anchor.seq - f.seq - 2) * iv;
    if (latestPossible < w.since - iv) return "before";
  }
  // At least (n - 1) intervals after the run start, one interval of margin; its interval begins up to one
  // interval before its time.
  const start = runStartOfRunId(f.runId);
  if (w.until !== null && start !== null) {
    const earliestPossible = start + (f.seq - 2) * iv;
    if (earliestPossible - iv >= w.until) return "after";
  }
  return "keep";
}

/** Whether a snapshot whose time is known (an anchor's footer was read) is needed, by the same margins. */
export function needsKnown(ts: number, intervalSec: number | null, w: Window): Need {
  const iv = intervalSec ?? 0;
  if (w.since !== null && ts < w.since - 2 * iv) return "before";
  if (w.until !== null && ts - 2 * iv >= w.until) return "after";
  return "keep";
}
