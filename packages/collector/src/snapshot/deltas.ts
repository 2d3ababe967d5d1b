// Per-key deltas between two drains of the flow map. The collector alone knows `first_seen` exactly, so it
// alone can tell a continuing entry (same key, same first_seen: delta = now - before) from one the LRU
// evicted and the kernel re-inserted inside the interval (delta = its whole cumulative count).
//
// A merge of two sorted drains, no hash table: the current drain is sorted into snapshot order (which the
// snapshot file needs anyway) and its rows are moved into that order in place, so that the merge, the flags,
// the snapshot's gather and the commit all read them front to back (reading them through a sorted index
// instead, at random places of the drain, cost about 3x as much per pass at 100 000 rows); the baseline (the
// last committed drain) is kept in that same order as compact keys (20 B) and compact values (40 B: low
// words, first_seen, high words only where a counter has one; maps/compact-values.ts) per entry, and one
// merge-join pass pairs them. The baseline is preallocated for the map's capacity and is all that stays
// between snapshots; the sort and match buffers (17 B per entry) exist from compute() to release(). No
// per-key objects, strings or BigInts per drain; 64-bit arithmetic runs on 32-bit halves. Deltas are not
// stored: each is computed when the snapshot writer gathers its chunk (gatherDeltas), from the drained value
// and the matched baseline value.
//
// Gap rule (a failed write): the baseline moves only on commit(), which the run loop calls after a snapshot
// reached the disk. If snapshot k fails, snapshot k+1 is diffed against k-1, the last one written: its
// deltas and span_us cover the whole gap, so summing the deltas on disk still gives every counted event.
import type { Counter } from "@ibsr/contract";
import { CompactValues } from "../maps/compact-values.js";
import { type FlowRows, permuteRows } from "../maps/flow-rows.js";
import { freeBuffers } from "../system/free-buffers.js";
import { compactKey, compareCompact, KeySorter, COMPACT_KEY_WORDS as KW } from "./key-order.js";
import { classifyPaired, emptyStats, type Paired, pairedReaders } from "./paired-values.js";

export interface DeltaStats {
  /** Rows in this drain. */
  rows: number;
  /** Same key and first_seen as in the baseline. */
  continuing: number;
  /** Rows marked new_entry (absent from the baseline, re-inserted, or an anomaly). */
  newEntries: number;
  /** Key present in the baseline with another first_seen: evicted and re-inserted inside the interval. */
  reinserted: number;
  /** Baseline keys absent from this drain: evicted (or never seen again) inside the interval. */
  disappeared: number;
  /** Continuing rows whose counter went down (cannot happen with atomic adds); treated as new. */
  negativeAnomalies: number;
  /** The same key twice in one drain (a batch walk racing with inserts); the second row counts as new. */
  duplicateKeys: number;
  /** Rows with at least one non-zero delta. */
  changedRows: number;
}

/**
 * The outcome of one compute(), row i being row i of the drained rows as compute() left them: in snapshot
 * order (dst_port, family, src, prefix_len), equal keys in drain order. Owned by the engine: valid until
 * the next compute(); the delta methods only until commit() (which overwrites the baseline they subtract).
 */
export interface DeltaResult {
  /** 1 when the row is a new entry (its delta is its whole cumulative count), else 0. */
  newEntry: Uint8Array;
  /** 1 when any delta of the row is non-zero. */
  changed: Uint8Array;
  /** drainRow[i] = the index row i had in the drain, before compute() moved the rows into snapshot order. */
  drainRow: Uint32Array;
  /** Timestamp (µs since the epoch) of the baseline these deltas are relative to. */
  baseTsUs: bigint;
  /** tsUs - baseTsUs. */
  spanUs: bigint;
  stats: DeltaStats;
  /** Delta of counter c for drained row i. */
  delta(c: Counter, i: number): bigint;
  /** The sum of counter c's deltas over all drained rows. */
  sum(c: Counter): bigint;
  /** out[c][k] = delta of drained row rows[at + k], k < len, for every counter. */
  gatherDeltas(rows: Uint32Array, at: number, len: number, out: Record<Counter, BigInt64Array>): void;
}

/**
 * The per-snapshot buffers of a compute(), sized for the engine's capacity while a snapshot is built and
 * empty in between. One object for the engine's life whose arrays are swapped: replacing the object (or a
 * null in its place) made V8 deoptimise compute() at every snapshot, doubling its time.
 */
class Scratch {
  readonly sorter: KeySorter;
  /** Per drained row: the baseline row of the same entry, or -1. */
  match = new Int32Array(0);
  /** Per drained row: bit 1 a delta went negative, bit 2 a delta is non-zero. */
  flag = new Uint8Array(0);
  newEntry = new Uint8Array(0);
  changed = new Uint8Array(0);

  constructor(private readonly capacity: number) {
    this.sorter = new KeySorter(capacity);
  }

  /** Allocates the buffers if release() emptied them. */
  ensure(): void {
    if (this.match.length === this.capacity) return;
    this.match = new Int32Array(this.capacity);
    this.flag = new Uint8Array(this.capacity);
    this.newEntry = new Uint8Array(this.capacity);
    this.changed = new Uint8Array(this.capacity);
  }

  /** Frees the buffers now (see freeBuffers); ensure() allocates them again. */
  release(): void {
    this.sorter.free();
    freeBuffers(this.match.buffer, this.flag.buffer, this.newEntry.buffer, this.changed.buffer);
    this.match = new Int32Array(0);
    this.flag = new Uint8Array(0);
    this.newEntry = new Uint8Array(0);
    this.changed = new Uint8Array(0);
  }
}

export class DeltaEngine {
  readonly capacity: number;
  /** Rows of the baseline (the last committed drain), their timestamp, compact keys and values, sorted. */
  private baseCount = 0;
  private baseTs: bigint;
  private readonly baseKeys: Uint32Array;
  /** The baseline's values, compact (40 B per row; maps/compact-values.ts). */
  private readonly baseValues: CompactValues;
  /** What only a snapshot needs (sort buffers, match, flags), from compute() to release(). */
  private readonly scratch: Scratch;
  /** The drained rows of the last compute() (sorted by it), which commit() copies into the baseline. */
  private pending: { current: FlowRows; count: number } | null = null;
  private pendingTs = 0n;
  private readonly result: DeltaResult;
  /** The compact keys of the row being merged and of the one before it. */
  private readonly keyPair = new Uint32Array(2 * KW);

  /**
   * @param capacity the most rows one drain can hold (the map's max_entries).
   * @param startTsUs the run's start (attach) time: the base of the first snapshot, whose deltas are the
   *   counts since attach because the map starts empty.
   */
  constructor(capacity: number, startTsUs: bigint) {
    if (!Number.isInteger(capacity) || capacity < 1) {
      throw new RangeError(`DeltaEngine: capacity must be a positive integer, got ${capacity}`);
    }
    this.capacity = capacity;
    this.baseTs = startTsUs;
    this.baseKeys = new Uint32Array(capacity * KW);
    this.baseValues = new CompactValues(capacity);
    this.scratch = new Scratch(capacity);
    this.result = {
      newEntry: new Uint8Array(0),
      changed: new Uint8Array(0),
      drainRow: new Uint32Array(0),
      baseTsUs: startTsUs,
      spanUs: 0n,
      stats: emptyStats(),
      ...pairedReaders(() => this.paired()),
    };
  }

  /** Rows and timestamp of the current baseline (the last committed drain). */
  get baselineRows(): number {
    return this.baseCount;
  }
  get baselineTsUs(): bigint {
    return this.baseTs;
  }

  /**
   * Deltas of rows 0..count-1 of `current` (drained at `tsUs`) against
   * the baseline. Moves those rows into snapshot order, in place: the result's row indexes, and every
   * later reader of `current`, see them in that order. Does not move the baseline: call commit() once the
   * snapshot built from this result is safely on disk.
   */
  compute(current: FlowRows, count: number, tsUs: bigint): DeltaResult {
    if (!Number.isInteger(count) || count < 0 || count > this.capacity || count > current.capacity) {
      throw new RangeError(
        `DeltaEngine.compute: count ${count} outside 0..${Math.min(this.capacity, current.capacity)}`,
      );
    }
    if (count > current.values.length) {
      throw new RangeError(
        `DeltaEngine.compute: count ${count} is more than the ${current.values.length} rows the drain holds`,
      );
    }
    const res = this.result;
    const stats = emptyStats();
    stats.rows = count;
    this.scratch.ensure();
    const { match, flag, sorter } = this.scratch;
    res.newEntry = this.scratch.newEntry;
    res.changed = this.scratch.changed;
    const cf = current.values.firstSeen;
    const bf = this.baseValues.firstSeen;
    const bk = this.baseKeys;
    const bn = this.baseCount;
    const sorted = sorter.sort(current, count);
    permuteRows(current, sorted, count);

    // Pass 1, the merge: both sides in snapshot order. match[i] = baseline row of the same entry (a
    // continuing candidate), or -1 (new). Among equal keys in one drain the first in drain order (the
    // sort is stable, so that is the first of them now) is the entry; the others are duplicates, new. A
    // baseline key matched by key is "seen" whatever its first_seen; baseline duplicates are never
    // matched, so they count as gone.
    const key = this.keyPair;
    let cur = 0;
    let j = 0;
    let seen = 0;
    for (let i = 0; i < count; i++) {
      match[i] = -1;
      compactKey(current, i, key, cur);
      if (i > 0 && compareCompact(key, cur, key, KW - cur) === 0) {
        stats.duplicateKeys++;
        continue;
      }
      while (j < bn && compareCompact(bk, j * KW, key, cur) < 0) j++;
      if (j < bn && compareCompact(bk, j * KW, key, cur) === 0) {
        seen++;
        if (cf[2 * i] === bf[2 * j] && cf[2 * i + 1] === bf[2 * j + 1]) match[i] = j;
        else stats.reinserted++;
        j++;
      }
      // The two key slots alternate: the previous row's key stays for the duplicate check.
      cur = KW - cur;
    }

    // Passes 2 and 3: flags, new entries, anomalies (shared with the reference engine).
    classifyPaired({ cur: current.values, base: this.baseValues, match, count }, flag, res, stats);

    // A re-inserted key matched by key, so it counts as seen here and is reported in `reinserted` instead.
    stats.disappeared = bn - seen;

    res.baseTsUs = this.baseTs;
    res.spanUs = tsUs - this.baseTs;
    res.drainRow = sorted;
    res.stats = stats;
    this.pending = { current, count };
    this.pendingTs = tsUs;
    return res;
  }

  /** The current pairing: the drained rows and the baseline they are diffed against. */
  private paired(): Paired {
    const p = this.livePending();
    return { cur: p.current.values, base: this.baseValues, match: this.scratch.match, count: p.count };
  }

  /** The drain the deltas refer to; they are gone once commit() moved the baseline. */
  private livePending(): { current: FlowRows; count: number } {
    if (!this.pending)
      throw new Error("DeltaEngine: no computed drain (deltas are read between compute() and commit())");
    return this.pending;
  }

  /**
   * Makes the last computed drain the baseline. Call after its snapshot was written, and before the drained
   * rows passed to compute() are overwritten (the next drain): their values are copied now, so only one
   * generation of values is kept. No-op without a pending compute().
   */
  commit(): void {
    const p = this.pending;
    if (!p) return;
    const { current, count } = p;
    // The drained rows are in snapshot order already (compute() moved them): the baseline is their copy.
    for (let r = 0; r < count; r++) compactKey(current, r, this.baseKeys, r * KW);
    this.baseValues.copyFrom(current.values, count);
    this.baseCount = count;
    this.baseTs = this.pendingTs;
    this.pending = null;
  }

  /**
   * Ends a snapshot: forgets the last compute() (its deltas can no longer be read; a commit() after this is
   * a no-op) and drops the buffers only a snapshot needs, about 17 B per row of capacity; the baseline stays.
   * The run loop calls this after commit() (or a failed write) so they are not resident between snapshots.
   */
  release(): void {
    this.pending = null;
    this.scratch.release();
    this.result.newEntry = new Uint8Array(0);
    this.result.changed = new Uint8Array(0);
    this.result.drainRow = new Uint32Array(0);
  }

  /** Drops the baseline (e.g. after the map was recreated): the next snapshot's rows are all new. */
  reset(baseTsUs: bigint): void {
    this.baseCount = 0;
    this.baseTs = baseTsUs;
    this.pending = null;
  }
}
