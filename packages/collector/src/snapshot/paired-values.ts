// What both delta engines share once each drained row is paired with its previous value (match[i] = the
// baseline row of drained row i, or -1 for a new entry): the sign and zero-ness of every delta, new-entry
// and changed flags, and the deltas themselves, computed from the two values when they are read (gathered
// per chunk, summed, or one at a time). 64-bit arithmetic runs on 32-bit halves; no BigInt per row.
import { type Counter, VALUE_COUNTERS } from "@ibsr/contract";
import { HI, LO, VALUE_WORD, VALUE_WORDS } from "../maps/flow-rows.js";
import { type BaseValues, COUNTERS } from "./base-values.js";
import type { DeltaResult, DeltaStats } from "./deltas.js";

/** Word offsets of the eight counters within a value, in VALUE_COUNTERS order. */
export const COUNTER_WORDS = VALUE_COUNTERS.map((c) => VALUE_WORD[c]);
export const FIRST_SEEN = VALUE_WORD.first_seen;

/** Drained values (vw, VALUE_WORDS per row), baseline values and the pairing of count rows. */
export interface Paired {
  vw: Uint32Array;
  base: BaseValues;
  match: Int32Array;
  count: number;
}

/**
 * Passes 2 and 3 of a compute(): flags per row, new entries and anomalies, stats. May unpair a row
 * (match[i] = -1) whose counter went down.
 */
export function classifyPaired(
  { vw, base, match, count }: Paired,
  flag: Uint8Array,
  res: { newEntry: Uint8Array; changed: Uint8Array },
  stats: DeltaStats,
): void {
  // Pass 2, per row: the sign and zero-ness of each counter's delta (computed again, and stored, only
  // for the rows a snapshot keeps). flag bit 1 = negative, bit 2 = non-zero. A new row's delta is its
  // cumulative count.
  const bLow = base.lo;
  for (let i = 0; i < count; i++) {
    const j = match[i]!;
    const c0 = i * VALUE_WORDS;
    let f = 0;
    if (j < 0) {
      if (anyCounter(vw, c0)) f = 2;
    } else {
      const b0 = j * COUNTERS;
      const h = base.hiAt(j);
      for (let k = 0; k < COUNTERS; k++) {
        const o = COUNTER_WORDS[k]!;
        const cLo = vw[c0 + o + LO]!;
        const bLo = bLow[b0 + k]!;
        const hi = highDiff(cLo, vw[c0 + o + HI]!, bLo, h < 0 ? 0 : base.hi[h + k]!);
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
}

/** out[c][r] = delta of drained row rows[at + r], r < len, for every counter. */
export function gatherPaired(
  { vw, base, match, count }: Paired,
  rows: Uint32Array,
  at: number,
  len: number,
  out: Record<Counter, BigInt64Array>,
): void {
  const outs = VALUE_COUNTERS.map((c) => u32View(out[c], len * 2));
  const bLow = base.lo;
  for (let r = 0; r < len; r++) {
    const i = rows[at + r]!;
    if (!(i < count)) throw new RangeError(`gatherDeltas: row ${i} is outside 0..${count - 1}`);
    const j = match[i]!;
    const c0 = i * VALUE_WORDS;
    const h = j < 0 ? -1 : base.hiAt(j);
    for (let k = 0; k < COUNTERS; k++) {
      const o = COUNTER_WORDS[k]!;
      const ow = outs[k]!;
      const cLo = vw[c0 + o + LO]!;
      const cHi = vw[c0 + o + HI]!;
      if (j < 0) {
        ow[2 * r + LO] = cLo;
        ow[2 * r + HI] = cHi;
        continue;
      }
      const bLo = bLow[j * COUNTERS + k]!;
      ow[2 * r + LO] = (cLo - bLo) >>> 0;
      ow[2 * r + HI] = highDiff(cLo, cHi, bLo, h < 0 ? 0 : base.hi[h + k]!) >>> 0;
    }
  }
}

/** The sum of counter VALUE_COUNTERS[k]'s deltas. Deltas are never negative (pass 3), so the halves are summed unsigned. */
export function sumPaired({ vw, base, match, count }: Paired, k: number): bigint {
  const o = COUNTER_WORDS[k]!;
  // Halves summed in doubles: exact up to 2^21 rows of 2^32-wide halves, no BigInt per row.
  let lo = 0;
  let hi = 0;
  for (let i = 0; i < count; i++) {
    const j = match[i]!;
    const c = i * VALUE_WORDS + o;
    const cLo = vw[c + LO]!;
    if (j < 0) {
      lo += cLo;
      hi += vw[c + HI]!;
      continue;
    }
    const bLo = base.lo[j * COUNTERS + k]!;
    lo += (cLo - bLo) >>> 0;
    hi += highDiff(cLo, vw[c + HI]!, bLo, base.hiWord(j, k)) >>> 0;
  }
  return BigInt(hi) * 4294967296n + BigInt(lo);
}

/** The delta of counter VALUE_COUNTERS[k] for drained row i, as 32-bit halves. */
export function pairedDeltaAt(
  { vw, base, match, count }: Paired,
  k: number,
  i: number,
): { lo: number; hi: number } {
  if (!(i >= 0 && i < count)) throw new RangeError(`delta: row ${i} is outside 0..${count - 1}`);
  const c = i * VALUE_WORDS + COUNTER_WORDS[k]!;
  const cLo = vw[c + LO]!;
  const cHi = vw[c + HI]!;
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

/** Whether any counter of the value at word c0 is non-zero. */
export function anyCounter(vw: Uint32Array, c0: number): boolean {
  for (const o of COUNTER_WORDS) if ((vw[c0 + o]! | vw[c0 + o + 1]!) !== 0) return true;
  return false;
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
