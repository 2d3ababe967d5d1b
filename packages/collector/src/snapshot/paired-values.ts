// What both delta engines share once each drained row is paired with its previous value (match[i] = the
// baseline row of drained row i, or -1 for a new entry): the sign and zero-ness of every delta, new-entry
// and changed flags, and the deltas themselves, computed from the two values when they are read (gathered
// per chunk, summed, or one at a time). 64-bit arithmetic runs on 32-bit halves; no BigInt per row.
import { type Counter, VALUE_COUNTERS } from "@ibsr/contract";
import { COUNTERS, type CompactValues } from "../maps/compact-values.js";
import { HI, LO } from "../maps/flow-rows.js";
import type { DeltaResult, DeltaStats } from "./deltas.js";

/** Drained values (cur, in drain order), baseline values (base) and the pairing of count drained rows. */
export interface Paired {
  cur: CompactValues;
  base: CompactValues;
  match: Int32Array;
  count: number;
}

/**
 * Passes 2 and 3 of a compute(): flags per row, new entries and anomalies, stats. May unpair a row
 * (match[i] = -1) whose counter went down.
 */
export function classifyPaired(
  { cur, base, match, count }: Paired,
  flag: Uint8Array,
  res: { newEntry: Uint8Array; changed: Uint8Array },
  stats: DeltaStats,
): void {
  // Pass 2, per row: the sign and zero-ness of each counter's delta (computed again, and stored, only
  // for the rows a snapshot keeps). flag bit 1 = negative, bit 2 = non-zero. A new row's delta is its
  // cumulative count. High words come from each side's escape table (0 for almost every row).
  const cLow = cur.lo;
  const bLow = base.lo;
  for (let i = 0; i < count; i++) {
    const j = match[i]!;
    let f = 0;
    if (j < 0) {
      if (cur.anyCounter(i)) f = 2;
    } else {
      const c0 = i * COUNTERS;
      const b0 = j * COUNTERS;
      const ch = cur.hiAt(i);
      const bh = base.hiAt(j);
      for (let k = 0; k < COUNTERS; k++) {
        const cLo = cLow[c0 + k]!;
        const bLo = bLow[b0 + k]!;
        const hi = highDiff(cLo, ch < 0 ? 0 : cur.hi[ch + k]!, bLo, bh < 0 ? 0 : base.hi[bh + k]!);
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
      flag[i] = cur.anyCounter(i) ? 2 : 0;
    }
    if (isNew) stats.newEntries++;
    else stats.continuing++;
    res.newEntry[i] = isNew ? 1 : 0;
    const changed = flag[i]! & 2 ? 1 : 0;
    res.changed[i] = changed;
    stats.changedRows += changed;
  }
}

/** out[c][r] = delta of drained row rows[at + r], r < len, for every counter. */
export function gatherPaired(
  { cur, base, match, count }: Paired,
  rows: Uint32Array,
  at: number,
  len: number,
  out: Record<Counter, BigInt64Array>,
): void {
  const outs = VALUE_COUNTERS.map((c) => u32View(out[c], len * 2));
  const cLow = cur.lo;
  const bLow = base.lo;
  for (let r = 0; r < len; r++) {
    const i = rows[at + r]!;
    if (!(i < count)) throw new RangeError(`gatherDeltas: row ${i} is outside 0..${count - 1}`);
    const j = match[i]!;
    const c0 = i * COUNTERS;
    const ch = cur.hiAt(i);
    if (j < 0) {
      for (let k = 0; k < COUNTERS; k++) {
        outs[k]![2 * r + LO] = cLow[c0 + k]!;
        outs[k]![2 * r + HI] = ch < 0 ? 0 : cur.hi[ch + k]!;
      }
      continue;
    }
    const b0 = j * COUNTERS;
    const bh = base.hiAt(j);
    for (let k = 0; k < COUNTERS; k++) {
      const ow = outs[k]!;
      const cLo = cLow[c0 + k]!;
      const bLo = bLow[b0 + k]!;
      ow[2 * r + LO] = (cLo - bLo) >>> 0;
      ow[2 * r + HI] = highDiff(cLo, ch < 0 ? 0 : cur.hi[ch + k]!, bLo, bh < 0 ? 0 : base.hi[bh + k]!) >>> 0;
    }
  }
}

/** The sum of counter VALUE_COUNTERS[k]'s deltas. Deltas are never negative (pass 3), so the halves are summed unsigned. */
export function sumPaired({ cur, base, match, count }: Paired, k: number): bigint {
  // Halves summed in doubles: exact up to 2^21 rows of 2^32-wide halves, no BigInt or object per row.
  let lo = 0;
  let hi = 0;
  for (let i = 0; i < count; i++) {
    const cLo = cur.lo[i * COUNTERS + k]!;
    const cHi = cur.hiWord(i, k);
    const j = match[i]!;
    if (j < 0) {
      lo += cLo;
      hi += cHi;
      continue;
    }
    const bLo = base.lo[j * COUNTERS + k]!;
    lo += (cLo - bLo) >>> 0;
    hi += highDiff(cLo, cHi, bLo, base.hiWord(j, k)) >>> 0;
  }
  return BigInt(hi) * 4294967296n + BigInt(lo);
}

/** The delta of counter VALUE_COUNTERS[k] for drained row i, as 32-bit halves. */
export function pairedDeltaAt(
  { cur, base, match, count }: Paired,
  k: number,
  i: number,
): { lo: number; hi: number } {
  if (!(i >= 0 && i < count)) throw new RangeError(`delta: row ${i} is outside 0..${count - 1}`);
  const cLo = cur.lo[i * COUNTERS + k]!;
  const cHi = cur.hiWord(i, k);
  const j = match[i]!;
  if (j < 0) return { lo: cLo, hi: cHi };
  const bLo = base.lo[j * COUNTERS + k]!;
  return {
    lo: (cLo - bLo) >>> 0,
    hi: highDiff(cLo, cHi, bLo, base.hiWord(j, k)) >>> 0,
  };
}

/**
 * The high word of (cHi:cLo) - (bHi:bLo) as a signed 32-bit number: negative when the difference is; the
 * low word is (cLo - bLo) >>> 0.
 */
export function highDiff(cLo: number, cHi: number, bLo: number, bHi: number): number {
  return (cHi | 0) - (bHi | 0) - (cLo < bLo ? 1 : 0);
}

export function emptyStats(): DeltaStats {
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
export function u32View(a: BigInt64Array, words: number): Uint32Array {
  return new Uint32Array(a.buffer, a.byteOffset, words);
}

/** A DeltaResult's readers over whatever pairing `paired` returns when called (both engines build theirs so). */
export function pairedReaders(paired: () => Paired): Pick<DeltaResult, "delta" | "sum" | "gatherDeltas"> {
  return {
    delta: (c, i) => {
      const w = pairedDeltaAt(paired(), VALUE_COUNTERS.indexOf(c), i);
      return BigInt.asIntN(64, (BigInt(w.hi) << 32n) | BigInt(w.lo));
    },
    sum: (c) => sumPaired(paired(), VALUE_COUNTERS.indexOf(c)),
    gatherDeltas: (rows, at, len, out) => gatherPaired(paired(), rows, at, len, out),
  };
}
