// The collector's heartbeat: one JSON line per cycle per (host, iface) in
// <out-dir>/host=<host>/status-<iface>.jsonl, rotated by size to status-<iface>.jsonl.1. The collector
// writes it (ibsr-collect status reads it back); the reporter reads the write errors it records.
import { HOST_DIR_PREFIX, hostDirName, sanitizePathComponent } from "./hive.js";

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
  /** The same per family's flow map (ibsr_flows4, ibsr_flows6: each evicts on its own, so one can be full
   * while the sum is not); absent from heartbeats of one-map collectors. */
  families?: Record<"ipv4" | "ipv6", { capacity: number; liveEntries: number; fill: number }>;
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
  /** ISO-8601 UTC time of that snapshot (null before the first; absent from heartbeats of older collectors). */
  lastSnapshotTime?: string | null;
  /** The XDP attach mode in effect (native, generic), as the kernel reports it; absent from older heartbeats. */
  xdpMode?: string;
  /** Set on the last heartbeat of a run (clean shutdown): status then says "stopped", not "stale". */
  final?: boolean;
}

/** Suffix of the one rotated generation kept beside the live heartbeat file. */
export const HEARTBEAT_ROTATED_SUFFIX = ".1";

/** A heartbeat file name: status-<iface>.jsonl, or its rotated copy (status-<iface>.jsonl.<n>). */
export const HEARTBEAT_FILE_RE = /^status-(.+)\.jsonl(?:\.(\d+))?$/;

/** Every live heartbeat file under the output directory, as a glob (for messages). */
export const HEARTBEAT_GLOB = `${HOST_DIR_PREFIX}*/status-*.jsonl`;

/** The heartbeat file name of an interface (sanitised as every path component is). */
export function heartbeatFileName(iface: string): string {
  return `status-${sanitizePathComponent(iface)}.jsonl`;
}

/** host=<host>/status-<iface>.jsonl: beside the date folders, so no *.parquet glob ever matches it. */
export function heartbeatRelativePath(host: string, iface: string): string {
  return `${hostDirName(host)}/${heartbeatFileName(iface)}`;
}

/** The interface a heartbeat file name belongs to and whether it is a rotated copy, or null. */
export function parseHeartbeatFileName(name: string): { iface: string; rotated: boolean } | null {
  const m = HEARTBEAT_FILE_RE.exec(name);
  return m ? { iface: m[1]!, rotated: m[2] !== undefined } : null;
}
