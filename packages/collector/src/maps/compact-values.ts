// Flow values (the counters and first_seen of struct ibsr_value) in 40 B per row instead of the kernel's
// 72, for the drained rows and the delta baseline: each counter's low 32-bit word, first_seen whole, and
// the counters' high words only for the rows that have one (an exact escape: a row with any counter at or
// above 2^32 keeps all eight high words in a side table). Every value is reconstructed bit for bit, so
// deltas stay exact for any 64-bit counter and any delta size. Almost every row has no high word (a source
// needs 4 GiB of matched bytes before it does), so the side table is small; it grows when it must, and
// shrinks back when it is mostly unused.
import { VALUE_COUNTERS } from "@ibsr/contract";
import { freeBuffers } from "../system/free-buffers.js";
import { HI, LO, VALUE_WORD, VALUE_WORDS } from "./row-words.js";

/** Counters per row (the low words stored per row, the high words per escaped row). */
export const COUNTERS = VALUE_COUNTERS.length;
/** Word offsets of the counters within a drained value, in VALUE_COUNTERS order. */
const COUNTER_WORDS = VALUE_COUNTERS.map((c) => VALUE_WORD[c]);
const FIRST_SEEN = VALUE_WORD.first_seen;
/** Escaped rows the side table starts with, and grows by at least. */
const MIN_WIDE_ROWS = 256;

export class CompactValues {
  /** Row j's counters' low words at lo[j * COUNTERS + k], k in VALUE_COUNTERS order. */
  readonly lo: Uint32Array;
  /** Row j's first_seen as drained: words firstSeen[2j] and [2j + 1] are value words FIRST_SEEN, +1. */
  readonly firstSeen: Uint32Array;
  /** Bit j: row j has a high word (its eight high words are in `hi`). */
  private readonly wideBits: Uint32Array;
  /** Escaped rows before bit word w (the rank of the word's first row). */
  private readonly wideRank: Uint32Array;
  /** The escaped rows' high words, COUNTERS per row, in row order. */
  hi: Uint32Array = new Uint32Array(0);
  /** Escaped rows of the stored values. */
  wideRows = 0;
  /** Rows stored since begin(). */
  length = 0;

  constructor(readonly capacity: number) {
    this.lo = new Uint32Array(capacity * COUNTERS);
    this.firstSeen = new Uint32Array(capacity * 2);
    this.wideBits = new Uint32Array(Math.ceil(capacity / 32));
    this.wideRank = new Uint32Array(Math.ceil(capacity / 32));
  }

  /** Starts a new set of values (rows are then added in order 0, 1, 2 ... by push()). */
  begin(): void {
    this.length = 0;
    this.wideRows = 0;
  }

  /** Row `length` (the next one) = the drained value whose words start at vw[c0] (the kernel's layout). */
  push(vw: Uint32Array, c0: number): void {
    const j = this.nextRow();
    const lo = this.lo;
    const l0 = j * COUNTERS;
    let anyHi = 0;
    for (let k = 0; k < COUNTERS; k++) {
      const o = c0 + COUNTER_WORDS[k]!;
      lo[l0 + k] = vw[o + LO]!;
      anyHi |= vw[o + HI]!;
    }
    this.firstSeen[2 * j] = vw[c0 + FIRST_SEEN]!;
    this.firstSeen[2 * j + 1] = vw[c0 + FIRST_SEEN + 1]!;
    if (anyHi === 0) return;
    const h0 = this.escape(j);
    for (let k = 0; k < COUNTERS; k++) this.hi[h0 + k] = vw[c0 + COUNTER_WORDS[k]! + HI]!;
  }

  /** Pushes rows 0..n-1 of drained values in the kernel's layout (VALUE_WORDS per row). */
  pushRows(vw: Uint32Array, n: number): void {
    for (let r = 0; r < n; r++) this.push(vw, r * VALUE_WORDS);
  }

  /** Pushes row i of `src` (another set) as the next row. */
  pushFrom(src: CompactValues, i: number): void {
    const j = this.nextRow();
    const from = i * COUNTERS;
    const to = j * COUNTERS;
    for (let k = 0; k < COUNTERS; k++) this.lo[to + k] = src.lo[from + k]!;
    this.firstSeen[2 * j] = src.firstSeen[2 * i]!;
    this.firstSeen[2 * j + 1] = src.firstSeen[2 * i + 1]!;
    const h = src.hiAt(i);
    if (h < 0) return;
    const h0 = this.escape(j);
    for (let k = 0; k < COUNTERS; k++) this.hi[h0 + k] = src.hi[h + k]!;
  }

  /**
   * Makes this set a copy of rows 0..n-1 of `src` (n <= src.length): whole-array copies, where pushFrom()
   * per row would cost a call and a rank lookup per row.
   */
  copyFrom(src: CompactValues, n = src.length): void {
    if (n > src.length || n > this.capacity) {
      throw new RangeError(`CompactValues: ${n} rows of ${src.length} into a capacity of ${this.capacity}`);
    }
    const words = Math.ceil(n / 32);
    this.lo.set(src.lo.subarray(0, n * COUNTERS));
    this.firstSeen.set(src.firstSeen.subarray(0, 2 * n));
    this.wideBits.set(src.wideBits.subarray(0, words));
    this.wideRank.set(src.wideRank.subarray(0, words));
    // Rows n.. of src's last word are not copied: their bits are cleared.
    if (n & 31) this.wideBits[words - 1]! &= (1 << (n & 31)) - 1;
    const wide = src.escapedBefore(n);
    const need = wide * COUNTERS;
    if (need > this.hi.length) this.hi = new Uint32Array(Math.max(MIN_WIDE_ROWS * COUNTERS, need));
    this.hi.set(src.hi.subarray(0, need));
    this.wideRows = wide;
    this.length = n;
    this.end();
  }

  /** Escaped rows among rows 0..n-1. */
  private escapedBefore(n: number): number {
    if (n >= this.length) return this.wideRows;
    const w = n >>> 5;
    return this.wideRank[w]! + popcount(this.wideBits[w]! & ((1 << (n & 31)) - 1));
  }

  /**
   * Reorders the escape table for a permutation of rows 0..n-1 (n <= length), new row p = old row
   * order[p]: the escape bits and high words follow their rows; rows n.. keep theirs (the escaped rows
   * before them are as many as before). The caller moves `lo` and `firstSeen` (maps/flow-rows.ts
   * permuteRows moves them with the keys, in one pass). Nothing to do when no row is escaped.
   */
  permuteEscapes(order: Uint32Array, n: number): void {
    const wide = this.escapedBefore(n);
    if (wide === 0) return;
    const words = Math.ceil(n / 32);
    const bits = new Uint32Array(words);
    const hi = new Uint32Array(wide * COUNTERS);
    let w = 0;
    for (let p = 0; p < n; p++) {
      const h = this.hiAt(order[p]!);
      if (h < 0) continue;
      bits[p >>> 5]! |= 1 << (p & 31);
      for (let k = 0; k < COUNTERS; k++) hi[w * COUNTERS + k] = this.hi[h + k]!;
      w++;
    }
    // Bits of rows n.. in the last word stay.
    if (n & 31) bits[words - 1]! |= this.wideBits[words - 1]! & ~((1 << (n & 31)) - 1);
    let rank = 0;
    for (let i = 0; i < words; i++) {
      this.wideBits[i] = bits[i]!;
      this.wideRank[i] = rank;
      rank += popcount(bits[i]!);
    }
    this.hi.set(hi);
  }

  /** Claims the next row; at each 32-row word's first row, clears its bits and records its rank. */
  private nextRow(): number {
    const j = this.length++;
    if (j >= this.capacity) throw new RangeError(`CompactValues: row ${j} exceeds capacity ${this.capacity}`);
    if ((j & 31) === 0) {
      this.wideBits[j >>> 5] = 0;
      this.wideRank[j >>> 5] = this.wideRows;
    }
    return j;
  }

  /** Marks row j (the last claimed) as escaped; returns where its high words go in `hi`. */
  private escape(j: number): number {
    this.wideBits[j >>> 5]! |= 1 << (j & 31);
    const h0 = this.wideRows++ * COUNTERS;
    if (h0 + COUNTERS > this.hi.length) this.grow();
    return h0;
  }

  /** Whether any counter of row j is non-zero. */
  anyCounter(j: number): boolean {
    if (this.hiAt(j) >= 0) return true;
    const l0 = j * COUNTERS;
    for (let k = 0; k < COUNTERS; k++) if (this.lo[l0 + k] !== 0) return true;
    return false;
  }

  /** Frees every buffer now (see freeBuffers); the set is unusable after this. */
  free(): void {
    freeBuffers(
      this.lo.buffer,
      this.firstSeen.buffer,
      this.wideBits.buffer,
      this.wideRank.buffer,
      this.hi.buffer,
    );
    this.length = 0;
  }

  /** Ends the set: releases a side table far larger than its escaped rows need. */
  end(): void {
    const need = Math.max(MIN_WIDE_ROWS, this.wideRows) * COUNTERS;
    if (this.hi.length > 4 * need) this.hi = this.hi.slice(0, need);
  }

  /** Offset of row j's high words in `hi`, or -1 when they are all zero. */
  hiAt(j: number): number {
    const w = j >>> 5;
    const bits = this.wideBits[w]!;
    const bit = 1 << (j & 31);
    if ((bits & bit) === 0) return -1;
    return (this.wideRank[w]! + popcount(bits & (bit - 1))) * COUNTERS;
  }

  /** Counter k's high word of row j (0 unless escaped). */
  hiWord(j: number, k: number): number {
    const h = this.hiAt(j);
    return h < 0 ? 0 : this.hi[h + k]!;
  }

  /** Bytes held (the per-row arrays and the side table). */
  get byteLength(): number {
    return (
      this.lo.byteLength +
      this.firstSeen.byteLength +
      this.wideBits.byteLength +
      this.wideRank.byteLength +
      this.hi.byteLength
    );
  }

  private grow(): void {
    const rows = Math.max(MIN_WIDE_ROWS, 2 * (this.hi.length / COUNTERS));
    const next = new Uint32Array(Math.min(rows, this.capacity) * COUNTERS);
    next.set(this.hi.subarray(0, Math.min(this.hi.length, next.length)));
    this.hi = next;
  }
}

/** Bits set in a 32-bit word. */
function popcount(x: number): number {
  x -= (x >>> 1) & 0x55555555;
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  x = (x + (x >>> 4)) & 0x0f0f0f0f;
  return Math.imul(x, 0x01010101) >>> 24;
}
