// The delta engine before issue 15, kept for tests only: a hash table over each drain. The collector's
// engine (snapshot/deltas.ts) merges two sorted drains instead; the tests check that both agree on every
// output for random drains.
//
// Per-key deltas between two drains of the flow map. The collector alone knows `first_seen` exactly, so it
// alone can tell a continuing entry (same key, same first_seen: delta = now - before) from one the LRU
// evicted and the kernel re-inserted inside the interval (delta = its whole cumulative count).
//
// Memory is flat and preallocated for the map's capacity (about 130 B per entry): two generations
// (baseline, candidate) of key words, each with an open-addressing hash table of row indexes, plus the
// baseline's values (counters and first_seen, in the kernel's layout, so one entry's eight counters are
// one or two cache lines). Deltas are not stored: each is computed when the snapshot writer gathers its
// chunk (gatherDeltas), from the drained value and the matched baseline value. No per-key objects, strings
// or BigInts are created per drain; 64-bit arithmetic runs on 32-bit halves.
//
// Gap rule (a failed write): the baseline moves only on commit(), which the run loop calls after a snapshot
// reached the disk. If snapshot k fails, snapshot k+1 is diffed against k-1, the last one written: its
// deltas and span_us cover the whole gap, so summing the deltas on disk still gives every counted event.
import { type Counter, KEY_OFFSETS, VALUE_COUNTERS } from "@ibsr/contract";
import { type FlowRows, HI, KEY_WORDS, LO, VALUE_WORD, VALUE_WORDS } from "../maps/flow-rows.js";
import type { DeltaResult, DeltaStats } from "../snapshot/deltas.js";

/**
 * Words of a key that identify it: the first (family, prefix_len, dst_port) and the four address words;
 * the pad word after them is always zero. Stored per row, packed, in each generation.
 */
const ID_WORDS = 5;
const ADDR_WORD = KEY_OFFSETS.addr / 4;
/** Word offsets of the eight counters within a value, in VALUE_COUNTERS order. */
const COUNTER_WORDS = VALUE_COUNTERS.map((c) => VALUE_WORD[c]);
const FIRST_SEEN = VALUE_WORD.first_seen;

/** The old engine's result: rows were sorted later, by the snapshot builder. */
export type HashDeltaResult = Omit<DeltaResult, "sorted">;

interface Generation {
  count: number;
  tsUs: bigint;
  keys: Uint32Array;
  /** Row index + 1, 0 = empty slot. */
  slots: Int32Array;
}

export class HashDeltaEngine {
  readonly capacity: number;
  private baseline: Generation;
  private candidate: Generation;
  /** The drained rows of the last compute(), whose values commit() copies into the baseline. */
  private pending: { current: FlowRows; count: number } | null = null;
  /** The baseline's values, VALUE_WORDS per row, as drained. */
  private readonly baseValues: Uint32Array;
  private readonly seen: Uint8Array;
  /** Per drained row: the baseline row of the same entry, or -1. */
  private readonly match: Int32Array;
  /** Per drained row: bit 1 a delta went negative, bit 2 a delta is non-zero. */
  private readonly flag: Uint8Array;
  private readonly mask: number;
  private readonly result: HashDeltaResult;

  /**
   * @param capacity the most rows one drain can hold (the map's max_entries).
   * @param startTsUs the run's start (attach) time: the base of the first snapshot, whose deltas are the
   *   counts since attach because the map starts empty.
   */
  constructor(capacity: number, startTsUs: bigint) {
    if (!Number.isInteger(capacity) || capacity < 1) {
      throw new RangeError(`HashDeltaEngine: capacity must be a positive integer, got ${capacity}`);
    }
    this.capacity = capacity;
    let tableSize = 1;
    while (tableSize < capacity * 2) tableSize *= 2;
    this.mask = tableSize - 1;
    this.baseline = allocGeneration(capacity, tableSize, startTsUs);
    this.candidate = allocGeneration(capacity, tableSize, startTsUs);
    this.baseValues = new Uint32Array(capacity * VALUE_WORDS);
    this.seen = new Uint8Array(capacity);
    this.match = new Int32Array(capacity);
    this.flag = new Uint8Array(capacity);
    this.result = {
      newEntry: new Uint8Array(capacity),
      changed: new Uint8Array(capacity),
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
    return this.baseline.count;
  }
  get baselineTsUs(): bigint {
    return this.baseline.tsUs;
  }

  /**
   * Deltas of rows 0..count-1 of `current` (drained at `tsUs`) against the baseline. Does not move the
   * baseline: call commit() once the snapshot built from this result is safely on disk.
   */
  compute(current: FlowRows, count: number, tsUs: bigint): HashDeltaResult {
    if (!Number.isInteger(count) || count < 0 || count > this.capacity || count > current.capacity) {
      throw new RangeError(
        `HashDeltaEngine.compute: count ${count} outside 0..${Math.min(this.capacity, current.capacity)}`,
      );
    }
    const base = this.baseline;
    const cand = this.candidate;
    const res = this.result;
    const stats = emptyStats();
    stats.rows = count;
    cand.slots.fill(0);
    cand.count = count;
    cand.tsUs = tsUs;
    this.seen.fill(0, 0, base.count);
    const match = this.match;
    const flag = this.flag;

    // Pass 1, per row: key words, candidate table insert, baseline lookup, first_seen comparison.
    // match[i] = baseline row of the same entry (continuing candidate), or -1 (new).
    const kw = current.keyWords;
    const vw = current.valueWords;
    const bv = this.baseValues;
    const keys = cand.keys;
    for (let i = 0; i < count; i++) {
      const k = i * ID_WORDS;
      const w = i * KEY_WORDS;
      keys[k] = kw[w]!;
      keys[k + 1] = kw[w + ADDR_WORD]!;
      keys[k + 2] = kw[w + ADDR_WORD + 1]!;
      keys[k + 3] = kw[w + ADDR_WORD + 2]!;
      keys[k + 4] = kw[w + ADDR_WORD + 3]!;
      const h = hashKey(keys, k);
      match[i] = -1;
      if (insert(cand, this.mask, h, i) >= 0) {
        stats.duplicateKeys++;
        continue;
      }
      const j = find(base, this.mask, h, keys, k);
      if (j < 0) continue;
      this.seen[j] = 1;
      const c = i * VALUE_WORDS + FIRST_SEEN;
      const b = j * VALUE_WORDS + FIRST_SEEN;
      if (vw[c] === bv[b] && vw[c + 1] === bv[b + 1]) match[i] = j;
      else stats.reinserted++;
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

    let seenCount = 0;
    for (let j = 0; j < base.count; j++) seenCount += this.seen[j]!;
    // A re-inserted key matched by key, so it counts as seen here and is reported in `reinserted` instead.
    stats.disappeared = base.count - seenCount;

    res.baseTsUs = base.tsUs;
    res.spanUs = tsUs - base.tsUs;
    res.stats = stats;
    this.pending = { current, count };
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
  private livePending(): { current: FlowRows; count: number } {
    if (!this.pending)
      throw new Error("HashDeltaEngine: no computed drain (deltas are read between compute() and commit())");
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
    this.baseValues.set(p.current.valueWords.subarray(0, p.count * VALUE_WORDS));
    const old = this.baseline;
    this.baseline = this.candidate;
    this.candidate = old;
    this.pending = null;
  }

  /** Drops the baseline (e.g. after the map was recreated): the next snapshot's rows are all new. */
  reset(baseTsUs: bigint): void {
    this.baseline.count = 0;
    this.baseline.slots.fill(0);
    this.baseline.tsUs = baseTsUs;
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

function allocGeneration(capacity: number, tableSize: number, tsUs: bigint): Generation {
  return {
    count: 0,
    tsUs,
    keys: new Uint32Array(capacity * ID_WORDS),
    slots: new Int32Array(tableSize),
  };
}

/** A 32-bit view of the first `words` words of a BigInt64Array (always 8-aligned). */
function u32View(a: BigInt64Array, words: number): Uint32Array {
  return new Uint32Array(a.buffer, a.byteOffset, words);
}

// murmur3-style mixing of the five key words: cheap, and spreads sequential addresses across the table.
function hashKey(keys: Uint32Array, k: number): number {
  let h = 0x9747b28c;
  for (let w = 0; w < ID_WORDS; w++) {
    let x = Math.imul(keys[k + w]!, 0xcc9e2d51);
    x = (x << 15) | (x >>> 17);
    h ^= Math.imul(x, 0x1b873593);
    h = (h << 13) | (h >>> 19);
    h = (Math.imul(h, 5) + 0xe6546b64) | 0;
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

function sameKey(a: Uint32Array, ai: number, b: Uint32Array, bi: number): boolean {
  return (
    a[ai] === b[bi] &&
    a[ai + 1] === b[bi + 1] &&
    a[ai + 2] === b[bi + 2] &&
    a[ai + 3] === b[bi + 3] &&
    a[ai + 4] === b[bi + 4]
  );
}

/** Inserts row `row` of `g` (its key words already stored); returns an existing row with that key, or -1. */
function insert(g: Generation, mask: number, hash: number, row: number): number {
  let s = hash & mask;
  for (;;) {
    const v = g.slots[s]!;
    if (v === 0) {
      g.slots[s] = row + 1;
      return -1;
    }
    if (sameKey(g.keys, (v - 1) * ID_WORDS, g.keys, row * ID_WORDS)) return v - 1;
    s = (s + 1) & mask;
  }
}

/** Row of `g` holding the key at keys[k..k+4], or -1. */
function find(g: Generation, mask: number, hash: number, keys: Uint32Array, k: number): number {
  if (g.count === 0) return -1;
  let s = hash & mask;
  for (;;) {
    const v = g.slots[s]!;
    if (v === 0) return -1;
    if (sameKey(g.keys, (v - 1) * ID_WORDS, keys, k)) return v - 1;
    s = (s + 1) & mask;
  }
}
