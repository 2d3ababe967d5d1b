// Per-key deltas between two drains of the flow map. The collector alone knows `first_seen` exactly, so it
// alone can tell a continuing entry (same key, same first_seen: delta = now - before) from one the LRU
// evicted and the kernel re-inserted inside the interval (delta = its whole cumulative count).
//
// A merge of two sorted drains, no hash table: the current drain is sorted into snapshot order (which the
// snapshot file needs anyway), the baseline (the last committed drain) is kept in that same order as
// compact keys (20 B) and values (72 B, the kernel's layout) per entry, and one merge-join pass pairs them.
// About 100 B per entry in all, preallocated for the map's capacity; no per-key objects, strings or
// BigInts per drain; 64-bit arithmetic runs on 32-bit halves. Deltas are not stored: each is computed when
// the snapshot writer gathers its chunk (gatherDeltas), from the drained value and the matched baseline
// value.
//
// Gap rule (a failed write): the baseline moves only on commit(), which the run loop calls after a snapshot
// reached the disk. If snapshot k fails, snapshot k+1 is diffed against k-1, the last one written: its
// deltas and span_us cover the whole gap, so summing the deltas on disk still gives every counted event.
import { type Counter, VALUE_COUNTERS } from "@ibsr/contract";
import { type FlowRows, HI, LO, VALUE_WORD, VALUE_WORDS } from "../maps/flow-rows.js";
import { compactKey, compareCompact, KeySorter, COMPACT_KEY_WORDS as KW } from "./key-order.js";

/** Word offsets of the eight counters within a value, in VALUE_COUNTERS order. */
const COUNTER_WORDS = VALUE_COUNTERS.map((c) => VALUE_WORD[c]);
const FIRST_SEEN = VALUE_WORD.first_seen;

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
 * The outcome of one compute(), rows aligned with the drained rows. Owned by the engine: valid until the
 * next compute(); the delta methods only until commit() (which overwrites the baseline they subtract).
 */
export interface DeltaResult {
  /** 1 when the row is a new entry (its delta is its whole cumulative count), else 0. */
  newEntry: Uint8Array;
  /** 1 when any delta of the row is non-zero. */
  changed: Uint8Array;
  /** The drained rows' indexes in snapshot order (dst_port, family, src, prefix_len). */
  sorted: Uint32Array;
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

export class DeltaEngine {
  readonly capacity: number;
  /** Rows of the baseline (the last committed drain), their timestamp, compact keys and values, sorted. */
  private baseCount = 0;
  private baseTs: bigint;
  private readonly baseKeys: Uint32Array;
  /** The baseline's values, VALUE_WORDS per row, as drained. */
  private readonly baseValues: Uint32Array;
  private readonly sorter: KeySorter;
  /** The drained rows of the last compute() and their sorted order, which commit() copies into the baseline. */
  private pending: { current: FlowRows; count: number; sorted: Uint32Array } | null = null;
  private pendingTs = 0n;
  /** Per drained row: the baseline row of the same entry, or -1. */
  private readonly match: Int32Array;
  /** Per drained row: bit 1 a delta went negative, bit 2 a delta is non-zero. */
  private readonly flag: Uint8Array;
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
    this.baseValues = new Uint32Array(capacity * VALUE_WORDS);
    this.sorter = new KeySorter(capacity);
    this.match = new Int32Array(capacity);
    this.flag = new Uint8Array(capacity);
    this.result = {
      newEntry: new Uint8Array(capacity),
      changed: new Uint8Array(capacity),
      sorted: new Uint32Array(0),
      baseTsUs: startTsUs,
      spanUs: 0n,
      stats: emptyStats(),
      delta: (c, i) => {
        const w = this.deltaAt(VALUE_COUNTERS.indexOf(c), i);
        return BigInt.asIntN(64, (BigInt(w.hi) << 32n) | BigInt(w.lo));
      },
      sum: (c) => this.sum(VALUE_COUNTERS.indexOf(c)),
      gatherDeltas: (rows, at, len, out) => this.gatherDeltas(rows, at, len, out),
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
   * Deltas of rows 0..count-1 of `current` (drained at `tsUs`) against the baseline. Does not move the
   * baseline: call commit() once the snapshot built from this result is safely on disk.
   */
  compute(current: FlowRows, count: number, tsUs: bigint): DeltaResult {
    if (!Number.isInteger(count) || count < 0 || count > this.capacity || count > current.capacity) {
      throw new RangeError(
        `DeltaEngine.compute: count ${count} outside 0..${Math.min(this.capacity, current.capacity)}`,
      );
    }
    const res = this.result;
    const stats = emptyStats();
    stats.rows = count;
    const match = this.match;
    const flag = this.flag;
    const vw = current.valueWords;
    const bv = this.baseValues;
    const bk = this.baseKeys;
    const bn = this.baseCount;
    const sorted = this.sorter.sort(current, count);

    // Pass 1, the merge: both sides in snapshot order. match[i] = baseline row of the same entry (a
    // continuing candidate), or -1 (new). Among equal keys in one drain the first in drain order (the
    // sort is stable) is the entry; the others are duplicates, new. A baseline key matched by key is
    // "seen" whatever its first_seen; baseline duplicates are never matched, so they count as gone.
    const key = this.keyPair;
    let cur = 0;
    let j = 0;
    let seen = 0;
    for (let p = 0; p < count; p++) {
      const i = sorted[p]!;
      match[i] = -1;
      compactKey(current, i, key, cur);
      if (p > 0 && compareCompact(key, cur, key, KW - cur) === 0) {
        stats.duplicateKeys++;
        continue;
      }
      while (j < bn && compareCompact(bk, j * KW, key, cur) < 0) j++;
      if (j < bn && compareCompact(bk, j * KW, key, cur) === 0) {
        seen++;
        const c = i * VALUE_WORDS + FIRST_SEEN;
        const b = j * VALUE_WORDS + FIRST_SEEN;
        if (vw[c] === bv[b] && vw[c + 1] === bv[b + 1]) match[i] = j;
        else stats.reinserted++;
        j++;
      }
      // The two key slots alternate: the previous row's key stays for the duplicate check.
      cur = KW - cur;
    }

    // Pass 2, per row: the sign and zero-ness of each counter's delta (computed again, and stored, only
    // for the rows a snapshot keeps). flag bit 1 = negative, bit 2 = non-zero. A new row's delta is its
    // cumulative count.
    for (let i = 0; i < count; i++) {
      const j = match[i]!;
      const c0 = i * VALUE_WORDS;
      let f = 0;
      if (j < 0) {
        if (anyCounter(vw, c0)) f = 2;
      } else {
        const b0 = j * VALUE_WORDS;
        for (const o of COUNTER_WORDS) {
          const cLo = vw[c0 + o + LO]!;
          const bLo = bv[b0 + o + LO]!;
          const hi = highDiff(cLo, vw[c0 + o + HI]!, bLo, bv[b0 + o + HI]!);
          if (hi < 0) f |= 1;
          else if ((hi | (cLo ^ bLo)) !== 0) f |= 2;
        }
      }
      flag[i] = f;
    }

    // Pass 3, per row: a continuing row with a counter that went down is an anomaly and becomes new
    // (unmatched, so its deltas are the cumulative counts).
    for (let i = 0; i < count; i++) {
      const f = flag[i]!;
      let isNew = match[i]! < 0;
      if (!isNew && f & 1) {
        stats.negativeAnomalies++;
        isNew = true;
        match[i] = -1;
        flag[i] = anyCounter(vw, i * VALUE_WORDS) ? 2 : 0;
      }
      if (isNew) stats.newEntries++;
      else stats.continuing++;
      res.newEntry[i] = isNew ? 1 : 0;
      const changed = flag[i]! & 2 ? 1 : 0;
      res.changed[i] = changed;
      stats.changedRows += changed;
    }

    // A re-inserted key matched by key, so it counts as seen here and is reported in `reinserted` instead.
    stats.disappeared = bn - seen;

    res.baseTsUs = this.baseTs;
    res.spanUs = tsUs - this.baseTs;
    res.sorted = sorted;
    res.stats = stats;
    this.pending = { current, count, sorted };
    this.pendingTs = tsUs;
    return res;
  }

  /** See DeltaResult.gatherDeltas. */
  private gatherDeltas(
    rows: Uint32Array,
    at: number,
    len: number,
    out: Record<Counter, BigInt64Array>,
  ): void {
    const p = this.livePending();
    const vw = p.current.valueWords;
    const bv = this.baseValues;
    const match = this.match;
    const outs = VALUE_COUNTERS.map((c) => u32View(out[c], len * 2));
    for (let r = 0; r < len; r++) {
      const i = rows[at + r]!;
      if (!(i < p.count)) throw new RangeError(`gatherDeltas: row ${i} is outside 0..${p.count - 1}`);
      const j = match[i]!;
      const c0 = i * VALUE_WORDS;
      for (let k = 0; k < COUNTER_WORDS.length; k++) {
        const o = COUNTER_WORDS[k]!;
        const ow = outs[k]!;
        const cLo = vw[c0 + o + LO]!;
        const cHi = vw[c0 + o + HI]!;
        if (j < 0) {
          ow[2 * r + LO] = cLo;
          ow[2 * r + HI] = cHi;
          continue;
        }
        const b = j * VALUE_WORDS + o;
        const bLo = bv[b + LO]!;
        ow[2 * r + LO] = (cLo - bLo) >>> 0;
        ow[2 * r + HI] = highDiff(cLo, cHi, bLo, bv[b + HI]!) >>> 0;
      }
    }
  }

  /** See DeltaResult.sum. Deltas are never negative (pass 3), so the halves are summed unsigned. */
  private sum(k: number): bigint {
    const p = this.livePending();
    const vw = p.current.valueWords;
    const bv = this.baseValues;
    const o = COUNTER_WORDS[k]!;
    const match = this.match;
    // Halves summed in doubles: exact up to 2^21 rows of 2^32-wide halves, no BigInt per row.
    let lo = 0;
    let hi = 0;
    for (let i = 0; i < p.count; i++) {
      const j = match[i]!;
      const c = i * VALUE_WORDS + o;
      const cLo = vw[c + LO]!;
      if (j < 0) {
        lo += cLo;
        hi += vw[c + HI]!;
        continue;
      }
      const b = j * VALUE_WORDS + o;
      const bLo = bv[b + LO]!;
      lo += (cLo - bLo) >>> 0;
      hi += highDiff(cLo, vw[c + HI]!, bLo, bv[b + HI]!) >>> 0;
    }
    return BigInt(hi) * 4294967296n + BigInt(lo);
  }

  /** The delta of counter VALUE_COUNTERS[k] for drained row i, as 32-bit halves. */
  private deltaAt(k: number, i: number): { lo: number; hi: number } {
    const p = this.livePending();
    if (!(i >= 0 && i < p.count)) throw new RangeError(`delta: row ${i} is outside 0..${p.count - 1}`);
    const c = i * VALUE_WORDS + COUNTER_WORDS[k]!;
    const vw = p.current.valueWords;
    const cLo = vw[c + LO]!;
    const cHi = vw[c + HI]!;
    const j = this.match[i]!;
    if (j < 0) return { lo: cLo, hi: cHi };
    const b = j * VALUE_WORDS + COUNTER_WORDS[k]!;
    const bLo = this.baseValues[b + LO]!;
    return {
      lo: (cLo - bLo) >>> 0,
      hi: highDiff(cLo, cHi, bLo, this.baseValues[b + HI]!) >>> 0,
    };
  }

  /** The drain the deltas refer to; they are gone once commit() moved the baseline. */
  private livePending(): { current: FlowRows; count: number; sorted: Uint32Array } {
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
    const { current, count, sorted } = p;
    const vw = current.valueWords;
    const bv = this.baseValues;
    for (let r = 0; r < count; r++) {
      const i = sorted[r]!;
      compactKey(current, i, this.baseKeys, r * KW);
      // Word by word: a subarray per row would allocate 100 000 views per snapshot.
      const from = i * VALUE_WORDS;
      const to = r * VALUE_WORDS;
      for (let w = 0; w < VALUE_WORDS; w++) bv[to + w] = vw[from + w]!;
    }
    this.baseCount = count;
    this.baseTs = this.pendingTs;
    this.pending = null;
  }

  /** Drops the baseline (e.g. after the map was recreated): the next snapshot's rows are all new. */
  reset(baseTsUs: bigint): void {
    this.baseCount = 0;
    this.baseTs = baseTsUs;
    this.pending = null;
  }
}

/**
 * The high word of (cHi:cLo) - (bHi:bLo) as a signed 32-bit number: negative when the difference is; the
 * low word is (cLo - bLo) >>> 0.
 */
function highDiff(cLo: number, cHi: number, bLo: number, bHi: number): number {
  return (cHi | 0) - (bHi | 0) - (cLo < bLo ? 1 : 0);
}

/** Whether any counter of the value at word c0 is non-zero. */
function anyCounter(vw: Uint32Array, c0: number): boolean {
  for (const o of COUNTER_WORDS) if ((vw[c0 + o]! | vw[c0 + o + 1]!) !== 0) return true;
  return false;
}

function emptyStats(): DeltaStats {
  return {
    rows: 0,
    continuing: 0,
    newEntries: 0,
    reinserted: 0,
    disappeared: 0,
    negativeAnomalies: 0,
    duplicateKeys: 0,
    changedRows: 0,
  };
}

/** A 32-bit view of the first `words` words of a BigInt64Array (always 8-aligned). */
function u32View(a: BigInt64Array, words: number): Uint32Array {
  return new Uint32Array(a.buffer, a.byteOffset, words);
}
