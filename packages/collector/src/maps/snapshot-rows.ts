// From one drain and its deltas to the rows of a snapshot file: only rows with a non-zero delta (the
// data contract allows leaving the rest out: their cumulative counters did not move), sorted by
// (dst_port, family, src, prefix_len). Every buffer is allocated once, for the map's capacity.
import { allocSnapshotRows, type FlowColumns, type SnapshotRows, VALUE_COUNTERS } from "@ibsr/schema";
import type { DeltaResult } from "../snapshot/deltas.js";

export class SnapshotBuilder {
  private readonly rows: SnapshotRows;
  private readonly order: Uint32Array;
  private readonly spare: Uint32Array;
  /** Source address as four big-endian words per drained row: sorting compares numbers, not bytes. */
  private readonly words: Uint32Array;
  private readonly counts = new Uint32Array(65_537);
  private readonly digits: Uint16Array;

  constructor(readonly capacity: number) {
    this.rows = allocSnapshotRows(capacity);
    this.order = new Uint32Array(capacity);
    this.spare = new Uint32Array(capacity);
    this.words = new Uint32Array(capacity * 4);
    this.digits = new Uint16Array(capacity);
  }

  /**
   * Rows 0..count-1 of `cols` with their deltas, changed rows only (all rows when `keepUnchanged`).
   * The returned object is reused by the next build().
   */
  build(cols: FlowColumns, count: number, d: DeltaResult, keepUnchanged = false): SnapshotRows {
    if (count > this.capacity)
      throw new RangeError(`SnapshotBuilder: ${count} rows exceed capacity ${this.capacity}`);
    const { words } = this;
    const src = cols.src;
    let order = this.order;
    let n = 0;
    for (let i = 0; i < count; i++) {
      if (!keepUnchanged && d.changed[i] === 0) continue;
      order[n++] = i;
      const b = i * 16;
      for (let w = 0; w < 4; w++) {
        const o = b + w * 4;
        words[i * 4 + w] = ((src[o]! << 24) | (src[o + 1]! << 16) | (src[o + 2]! << 8) | src[o + 3]!) >>> 0;
      }
    }
    order = this.sort(cols, n);
    const out = this.rows;
    for (let j = 0; j < n; j++) {
      const i = order[j]!;
      out.family[j] = cols.family[i]!;
      out.prefixLen[j] = cols.prefixLen[i]!;
      out.dstPort[j] = cols.dstPort[i]!;
      out.newEntry[j] = d.newEntry[i]!;
    }
    const outSrc = new Uint32Array(out.src.buffer, out.src.byteOffset, (out.capacity * 16) / 4);
    const inSrc = new Uint32Array(src.buffer, src.byteOffset, (cols.capacity * 16) / 4);
    gather(inSrc, outSrc, order, n, 4);
    // 64-bit columns are moved as pairs of 32-bit words: reading a BigInt64Array element makes a BigInt.
    gather(words64(cols.firstSeen), words64(out.firstSeen), order, n, 2);
    for (const c of VALUE_COUNTERS) {
      gather(words64(cols[c]), words64(out[c]), order, n, 2);
      gather(words64(d.deltas[c]), words64(out.deltas[c]), order, n, 2);
    }
    out.spanUs.fill(d.spanUs, 0, n);
    out.length = n;
    return out;
  }

  /**
   * Orders the first n entries of `order` by (dst_port, family, src, prefix_len) with an LSD radix sort on
   * 16-bit digits, least significant first; a digit that is the same for every row (the upper address words
   * of an IPv4-only map, say) costs one counting pass and no move. Returns the buffer holding the result.
   */
  private sort(cols: FlowColumns, n: number): Uint32Array {
    let from = this.order;
    let to = this.spare;
    const { counts, digits } = this;
    // 11 digits, least significant first: prefix_len, the address words (low half, then high half, from
    // the last word to the first), family, port.
    for (let k = 0; k < 11; k++) {
      this.fillDigits(cols, k, from, n);
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
    return from;
  }

  /** digits[j] = digit k of row from[j] (one tight loop per digit kind). */
  private fillDigits(cols: FlowColumns, k: number, from: Uint32Array, n: number): void {
    const { digits, words } = this;
    if (k === 0) {
      const p = cols.prefixLen;
      for (let j = 0; j < n; j++) digits[j] = p[from[j]!]!;
    } else if (k <= 8) {
      const w = 3 - ((k - 1) >> 1);
      if ((k - 1) % 2 === 0) for (let j = 0; j < n; j++) digits[j] = words[from[j]! * 4 + w]! & 0xffff;
      else for (let j = 0; j < n; j++) digits[j] = words[from[j]! * 4 + w]! >>> 16;
    } else if (k === 9) {
      const f = cols.family;
      for (let j = 0; j < n; j++) digits[j] = f[from[j]!]!;
    } else {
      const p = cols.dstPort;
      for (let j = 0; j < n; j++) digits[j] = p[from[j]!]!;
    }
  }
}

function words64(a: BigInt64Array): Uint32Array {
  return new Uint32Array(a.buffer, a.byteOffset, a.length * 2);
}

/** out[j*w .. j*w+w) = from[order[j]*w .. +w) for j < n. */
function gather(from: Uint32Array, out: Uint32Array, order: Uint32Array, n: number, w: number): void {
  if (w === 2) {
    for (let j = 0; j < n; j++) {
      const i = order[j]! * 2;
      out[j * 2] = from[i]!;
      out[j * 2 + 1] = from[i + 1]!;
    }
    return;
  }
  for (let j = 0; j < n; j++) {
    const i = order[j]! * w;
    for (let k = 0; k < w; k++) out[j * w + k] = from[i + k]!;
  }
}
