// The order snapshot rows are stored in, (dst_port, family, src, prefix_len), on drained rows: an LSD radix
// sort of row indexes, and the same order as a compact comparable key (for the delta engine's merge of
// two sorted drains). Both follow one definition: the most significant field first.
import { KEY_OFFSETS, KEY_SIZE } from "@ibsr/contract";
import { type FlowRows, KEY_WORDS, LO } from "../maps/flow-rows.js";
import { freeBuffers } from "../system/free-buffers.js";

const LITTLE_ENDIAN = LO === 0;
const ADDR_WORD = KEY_OFFSETS.addr / 4;
// The word path reads family, prefix_len and dst_port from word 0 in this order.
if (
  KEY_OFFSETS.family !== 0 ||
  KEY_OFFSETS.prefix_len !== 1 ||
  KEY_OFFSETS.dst_port !== 2 ||
  ADDR_WORD !== 1
) {
  throw new Error("key-order: the key layout changed; update compactKey");
}

/** Words of a compact key: (dst_port, family, prefix_len) and the four address words, big-endian. */
export const COMPACT_KEY_WORDS = 5;

/**
 * Writes row i's compact key at out[at .. at+4]: word 0 = dst_port << 16 | family << 8 | prefix_len,
 * words 1-4 = the address as big-endian 32-bit numbers. compareCompact orders them as the radix sort does.
 */
export function compactKey(rows: FlowRows, i: number, out: Uint32Array, at: number): void {
  if (LITTLE_ENDIAN) {
    // One word read per field group instead of twenty byte reads: on a little-endian host word 0 is
    // family | prefix_len << 8 | dst_port << 16, and each address word is byte-swapped.
    const kw = rows.keyWords;
    const w = i * KEY_WORDS;
    const w0 = kw[w]!;
    out[at] = ((w0 & 0xffff0000) | ((w0 & 0xff) << 8) | ((w0 >>> 8) & 0xff)) >>> 0;
    for (let k = 1; k <= 4; k++) {
      const x = kw[w + ADDR_WORD + k - 1]!;
      out[at + k] = ((x << 24) | ((x & 0xff00) << 8) | ((x >>> 8) & 0xff00) | (x >>> 24)) >>> 0;
    }
    return;
  }
  const k = rows.keys;
  const b = i * KEY_SIZE;
  const a = b + KEY_OFFSETS.addr;
  out[at] =
    ((rows.keyHalves[i * (KEY_SIZE / 2) + KEY_OFFSETS.dst_port / 2]! << 16) |
      (k[b + KEY_OFFSETS.family]! << 8) |
      k[b + KEY_OFFSETS.prefix_len]!) >>>
    0;
  for (let w = 0; w < 4; w++) {
    const o = a + 4 * w;
    out[at + 1 + w] = ((k[o]! << 24) | (k[o + 1]! << 16) | (k[o + 2]! << 8) | k[o + 3]!) >>> 0;
  }
}

/**
 * Sign of (key a at x[ai]) - (key b at y[bi]) in snapshot order: dst_port and family (the top 24 bits of
 * word 0), then the address, then prefix_len (the low byte of word 0).
 */
export function compareCompact(x: Uint32Array, ai: number, y: Uint32Array, bi: number): number {
  const a0 = x[ai]!;
  const b0 = y[bi]!;
  const hi = (a0 >>> 8) - (b0 >>> 8);
  if (hi !== 0) return hi;
  for (let w = 1; w <= 4; w++) {
    const d = x[ai + w]! - y[bi + w]!;
    if (d !== 0) return d;
  }
  return (a0 & 255) - (b0 & 255);
}

/** One counter per 16-bit digit value, plus one (the prefix sums are shifted by one slot). */
const COUNT_SLOTS = 65_537;

/**
 * Sorts drained rows into snapshot order; buffers sized for `capacity` rows, dropped by free() until the
 * next sort().
 */
export class KeySorter {
  private a: Uint32Array;
  private b: Uint32Array;
  private counts = new Uint32Array(COUNT_SLOTS);
  private digits: Uint16Array;

  constructor(readonly capacity: number) {
    this.a = new Uint32Array(capacity);
    this.b = new Uint32Array(capacity);
    this.digits = new Uint16Array(capacity);
  }

  /** Frees the sort buffers now (see freeBuffers); the next sort() allocates them again. */
  free(): void {
    freeBuffers(this.a.buffer, this.b.buffer, this.digits.buffer, this.counts.buffer);
    this.counts = new Uint32Array(0);
    this.a = new Uint32Array(0);
    this.b = new Uint32Array(0);
    this.digits = new Uint16Array(0);
  }

  /**
   * Row indexes 0..n-1 of `rows` in snapshot order; stable (equal keys keep their drain order). The
   * result is a view of one of the sorter's buffers, valid until the next sort().
   */
  sort(rows: FlowRows, n: number): Uint32Array {
    if (n > this.capacity) throw new RangeError(`KeySorter: ${n} rows exceed capacity ${this.capacity}`);
    // Any buffer free() or the previous sort's end dropped is allocated again.
    if (this.a.length !== this.capacity) this.a = new Uint32Array(this.capacity);
    if (this.b.length !== this.capacity) this.b = new Uint32Array(this.capacity);
    if (this.digits.length !== this.capacity) this.digits = new Uint16Array(this.capacity);
    if (this.counts.length !== COUNT_SLOTS) this.counts = new Uint32Array(COUNT_SLOTS);
    let from = this.a;
    let to = this.b;
    for (let i = 0; i < n; i++) from[i] = i;
    const { counts, digits } = this;
    // 11 digits of 16 bits, least significant first: prefix_len, the eight 16-bit halves of the address
    // (last first), family, port. A digit that is the same for every row (the upper address words of an
    // IPv4-only map, say) costs one counting pass and no move.
    for (let k = 0; k < 11; k++) {
      this.fillDigits(rows, k, from, n);
      counts.fill(0);
      for (let j = 0; j < n; j++) counts[digits[j]! + 1]!++;
      let uniform = false;
      for (let v = 1; v < counts.length; v++) {
        if (counts[v] === 0) continue;
        uniform = counts[v] === n;
        break;
      }
      if (uniform) continue;
      for (let v = 1; v < counts.length; v++) counts[v]! += counts[v - 1]!;
      for (let j = 0; j < n; j++) to[counts[digits[j]!]!++] = from[j]!;
      const t = from;
      from = to;
      to = t;
    }
    // Only the result is needed until the snapshot ends: the other index buffer, the digits and the
    // counts (about 10 B per row of capacity) are freed now, before the encode, where the peak is.
    const spare = to;
    freeBuffers(spare.buffer, digits.buffer, counts.buffer);
    if (spare === this.a) this.a = new Uint32Array(0);
    else this.b = new Uint32Array(0);
    this.digits = new Uint16Array(0);
    this.counts = new Uint32Array(0);
    return from.subarray(0, n);
  }

  /** digits[j] = digit k of row from[j], read from the key bytes (one tight loop per digit kind). */
  private fillDigits(rows: FlowRows, k: number, from: Uint32Array, n: number): void {
    const { digits } = this;
    const keys = rows.keys;
    if (k === 0) {
      for (let j = 0; j < n; j++) digits[j] = keys[from[j]! * KEY_SIZE + KEY_OFFSETS.prefix_len]!;
    } else if (k <= 8) {
      // Address bytes are big-endian: half h (0 = most significant) is bytes 2h, 2h+1.
      const o = KEY_OFFSETS.addr + (8 - k) * 2;
      for (let j = 0; j < n; j++) {
        const b = from[j]! * KEY_SIZE + o;
        digits[j] = (keys[b]! << 8) | keys[b + 1]!;
      }
    } else if (k === 9) {
      for (let j = 0; j < n; j++) digits[j] = keys[from[j]! * KEY_SIZE + KEY_OFFSETS.family]!;
    } else {
      // dst_port in host order, as the kernel stored it.
      const halves = rows.keyHalves;
      const port = KEY_OFFSETS.dst_port / 2;
      for (let j = 0; j < n; j++) digits[j] = halves[from[j]! * (KEY_SIZE / 2) + port]!;
    }
  }
}
