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
import { KEY_OFFSETS } from "@ibsr/contract";
import { CompactValues } from "../maps/compact-values.js";
import { type FlowRows, KEY_WORDS } from "../maps/flow-rows.js";
import type { DeltaResult } from "../snapshot/deltas.js";
import { classifyPaired, emptyStats, type Paired, pairedReaders } from "../snapshot/paired-values.js";

/**
 * Words of a key that identify it: the first (family, prefix_len, dst_port) and the four address words;
 * the pad word after them is always zero. Stored per row, packed, in each generation.
 */
const ID_WORDS = 5;
const ADDR_WORD = KEY_OFFSETS.addr / 4;

/** The old engine's result: rows were sorted later, by the snapshot builder. */
export type HashDeltaResult = Omit<DeltaResult, "drainRow">;

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
  /** The baseline's values, compact as the merge engine keeps them. */
  private readonly baseValues: CompactValues;
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
    this.baseValues = new CompactValues(capacity);
    this.seen = new Uint8Array(capacity);
    this.match = new Int32Array(capacity);
    this.flag = new Uint8Array(capacity);
    this.result = {
      newEntry: new Uint8Array(capacity),
      changed: new Uint8Array(capacity),
      baseTsUs: startTsUs,
      spanUs: 0n,
      stats: emptyStats(),
      ...pairedReaders(() => this.paired()),
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
    const cf = current.values.firstSeen;
    const bf = this.baseValues.firstSeen;
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
      if (cf[2 * i] === bf[2 * j] && cf[2 * i + 1] === bf[2 * j + 1]) match[i] = j;
      else stats.reinserted++;
    }

    // Passes 2 and 3: as the merge engine does them (the pairing above is what the tests compare).
    classifyPaired({ cur: current.values, base: this.baseValues, match, count }, flag, res, stats);

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

  private paired(): Paired {
    const p = this.livePending();
    return { cur: p.current.values, base: this.baseValues, match: this.match, count: p.count };
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
    this.baseValues.begin();
    for (let i = 0; i < p.count; i++) this.baseValues.pushFrom(p.current.values, i);
    this.baseValues.end();
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

function allocGeneration(capacity: number, tableSize: number, tsUs: bigint): Generation {
  return {
    count: 0,
    tsUs,
    keys: new Uint32Array(capacity * ID_WORDS),
    slots: new Int32Array(tableSize),
  };
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
