// status.jsonl: one heartbeat line per cycle per (host, iface), the collector's own health record and what
// `ibsr-collect status` reads. Lives at <out-dir>/host=<host>/status-<iface>.jsonl (beside the date
// folders, never matched by *.parquet globs), rotated by size to status-<iface>.jsonl.1. A failed append is
// returned, not thrown: losing a heartbeat must not stop collection. Nor does it leave half a line: an append
// that runs out of space part way (the file's last page had room for the start of the line) is cut back.
import { appendFile, rename, stat, truncate } from "node:fs/promises";
import { dirname, join } from "node:path";
import { sanitizePathComponent } from "@ibsr/schema";
import { mkdirp } from "./writer.js";

export interface Heartbeat {
  /** ISO-8601 UTC time of the cycle. */
  time: string;
  host: string;
  iface: string;
  runId: string;
  /** Cycle number in this run, from 0 (the run-start snapshot). */
  cycle: number;
  /** seq of the snapshot this cycle built (written or not). */
  seq: number;
  /** The snapshot interval, seconds: status uses it to decide whether a heartbeat is stale. */
  intervalSec: number;
  /** Map max_entries. */
  capacity: number;
  /** Entries drained this cycle. */
  liveEntries: number;
  /** liveEntries / capacity, 0..1. */
  fill: number;
  /** Kernel insert counter (struct ibsr_global.inserts), cumulative since load. */
  inserts: number;
  /** inserts - liveEntries, cumulative: entries the LRU evicted (or that never fit). */
  estimatedEvictions: number;
  matchedPackets: number;
  matchedBytes: number;
  matchedSyn: number;
  /**
   * Matched packets the per-key deltas of this cycle's snapshot miss (eviction loss), when known. Never
   * negative: the race between draining the map and reading the totals is carried to the next snapshot
   * (snapshot/eviction-loss.ts).
   */
  evictionLossPackets?: number;
  /** The run's eviction loss so far, exact (kernel totals minus all per-key deltas written), when known. */
  evictionLossTotalPackets?: number;
  drainMs: number;
  writeMs: number;
  /** Resident set size now (between snapshots: the steady figure). */
  rssBytes: number;
  /** The largest RSS of this process so far (getrusage ru_maxrss). */
  peakRssBytes: number;
  /** Whether this cycle's snapshot reached the disk. */
  writeOk: boolean;
  /** Failed snapshot writes in this run, cumulative. */
  writeErrorsTotal: number;
  /** Consecutive failed writes ending at this cycle (0 after a success). */
  writeErrorsConsecutive: number;
  /** errno name of the last failed write in this run (null if none failed yet). */
  lastErrno: string | null;
  lastError: string | null;
  /** Path of the last snapshot written successfully in this run. */
  lastSnapshotPath: string | null;
  /** Set on the last heartbeat of a run (clean shutdown): status then says "stopped", not "stale". */
  final?: boolean;
}

export type AppendResult = { ok: true; rotated: boolean } | { ok: false; code: string; message: string };

export const HEARTBEAT_DEFAULT_MAX_BYTES = 10 * 1024 * 1024;

/** Path of the heartbeat file for (host, iface). */
export function heartbeatPath(outDir: string, host: string, iface: string): string {
  return join(outDir, `host=${sanitizePathComponent(host)}`, `status-${sanitizePathComponent(iface)}.jsonl`);
}

export class HeartbeatWriter {
  readonly path: string;
  private readonly maxBytes: number;
  private size: number | null = null;

  constructor(outDir: string, host: string, iface: string, opts: { maxBytes?: number } = {}) {
    this.path = heartbeatPath(outDir, host, iface);
    this.maxBytes = opts.maxBytes ?? HEARTBEAT_DEFAULT_MAX_BYTES;
  }

  /** Appends one line; rotates first when the file would exceed maxBytes. Never throws. */
  async append(hb: Heartbeat): Promise<AppendResult> {
    const line = `${JSON.stringify(hb)}\n`;
    const len = Buffer.byteLength(line);
    let rotated = false;
    let at: number | null = null;
    try {
      if (this.size === null) this.size = await currentSize(this.path);
      if (this.size > 0 && this.size + len > this.maxBytes) {
        // One generation is kept: enough history for `status`, bounded on disk at 2 x maxBytes.
        await rename(this.path, `${this.path}.1`);
        this.size = 0;
        rotated = true;
      }
      await mkdirp(dirname(this.path));
      at = this.size;
      await appendFile(this.path, line, { mode: 0o644 });
      this.size += len;
      return { ok: true, rotated };
    } catch (err) {
      if (at !== null) await cutBack(this.path, at);
      this.size = null; // unknown after a failure: re-read next time
      const e = err as NodeJS.ErrnoException;
      return {
        ok: false,
        code: typeof e.code === "string" ? e.code : "EUNKNOWN",
        message: e.message ?? String(err),
      };
    }
  }
}

/**
 * Cuts a partly appended line off (shrinking needs no space), only ever shrinking: the size this writer
 * knew may be stale if someone removed the file. If even this fails, readers skip the torn line.
 */
async function cutBack(path: string, size: number): Promise<void> {
  try {
    if ((await stat(path)).size > size) await truncate(path, size);
  } catch {
    // nothing more to do
  }
}

async function currentSize(path: string): Promise<number> {
  try {
    return (await stat(path)).size;
  } catch {
    return 0;
  }
}

/** Resident set size of this process, bytes (for the heartbeat). */
export function rssBytes(): number {
  return process.memoryUsage.rss();
}

/** Peak resident set size of this process so far, bytes. */
export function peakRssBytes(): number {
  return process.resourceUsage().maxRSS * 1024;
}
