// From one drain and its deltas to the rows of a snapshot file: only rows with a non-zero delta (the
// data contract allows leaving the rest out: their cumulative counters did not move), sorted by
// (dst_port, family, src, prefix_len). The sort moves row indexes only; the writer then pulls the rows a
// chunk at a time (SnapshotRowSource), each gathered from the drained columns and its deltas computed on
// the way, so no second copy of the snapshot ever exists. Every buffer is allocated once.
import {
  allocSnapshotRows,
  ENCODE_CHUNK_ROWS,
  type FlowColumns,
  type SnapshotRowSource,
  type SnapshotRows,
} from "@ibsr/schema";
import type { DeltaResult } from "../snapshot/deltas.js";

export class SnapshotBuilder implements SnapshotRowSource {
  /** Rows of the last build(). */
  length = 0;
  private readonly order: Uint32Array;
  private readonly spare: Uint32Array;
  private readonly counts = new Uint32Array(65_537);
  private readonly digits: Uint16Array;
  private readonly out: SnapshotRows;
  /** The last build()'s inputs and its sorted row indexes. */
  private built: { cols: FlowColumns; d: DeltaResult; sorted: Uint32Array } | null = null;

  constructor(readonly capacity: number) {
    this.order = new Uint32Array(capacity);
    this.spare = new Uint32Array(capacity);
    this.digits = new Uint16Array(capacity);
    this.out = allocSnapshotRows(Math.min(capacity, ENCODE_CHUNK_ROWS));
  }

  /**
   * Selects rows 0..count-1 of `cols` with a non-zero delta (all rows when `keepUnchanged`) and sorts
   * them. Returns this builder as the snapshot's row source, valid while `cols` and `d` are (until the next
   * drain and the deltas' commit()).
   */
  build(cols: FlowColumns, count: number, d: DeltaResult, keepUnchanged = false): SnapshotRowSource {
    if (count > this.capacity)
      throw new RangeError(`SnapshotBuilder: ${count} rows exceed capacity ${this.capacity}`);
    const order = this.order;
    let n = 0;
    for (let i = 0; i < count; i++) if (keepUnchanged || d.changed[i] !== 0) order[n++] = i;
    this.built = { cols, d, sorted: this.sort(cols, n) };
    this.length = n;
    return this;
  }

  /** Sorted rows at..at+len-1 as rows 0..len-1 of one reused buffer (SnapshotRowSource). */
  chunk(at: number, len: number): SnapshotRows {
    const b = this.built;
    if (b === null) throw new Error("SnapshotBuilder.chunk before build()");
    const out = this.out;
    if (!(at >= 0 && len >= 0 && at + len <= this.length) || len > out.capacity) {
      throw new RangeError(
        `SnapshotBuilder.chunk: rows ${at}..${at + len} (chunk capacity ${out.capacity}) outside 0..${this.length}`,
      );
    }
    const { cols, d, sorted } = b;
    for (let r = 0; r < len; r++) {
      const i = sorted[at + r]!;
      out.family[r] = cols.family[i]!;
      out.prefixLen[r] = cols.prefixLen[i]!;
      out.dstPort[r] = cols.dstPort[i]!;
      out.newEntry[r] = d.newEntry[i]!;
    }
    gather(words32(cols.src), words32(out.src), sorted, at, len, 4);
    // 64-bit columns are moved as pairs of 32-bit words: reading a BigInt64Array element makes a BigInt.
    gather(words32(cols.firstSeen), words32(out.firstSeen), sorted, at, len, 2);
    d.gatherDeltas(sorted, at, len, out.deltas, out);
    out.spanUs.fill(d.spanUs, 0, len);
    out.length = len;
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
    // 11 digits, least significant first: prefix_len, the eight 16-bit halves of the address (last
    // first), family, port.
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
    const { digits } = this;
    if (k === 0) {
      const p = cols.prefixLen;
      for (let j = 0; j < n; j++) digits[j] = p[from[j]!]!;
    } else if (k <= 8) {
      // Address bytes are big-endian: half h (0 = most significant) is bytes 2h, 2h+1.
      const src = cols.src;
      const o = (8 - k) * 2;
      for (let j = 0; j < n; j++) {
        const b = from[j]! * 16 + o;
        digits[j] = (src[b]! << 8) | src[b + 1]!;
      }
    } else if (k === 9) {
      const f = cols.family;
      for (let j = 0; j < n; j++) digits[j] = f[from[j]!]!;
    } else {
      const p = cols.dstPort;
      for (let j = 0; j < n; j++) digits[j] = p[from[j]!]!;
    }
  }
}

function words32(a: BigInt64Array | Uint8Array): Uint32Array {
  return new Uint32Array(a.buffer, a.byteOffset, a.byteLength >> 2);
}

/** out[r*w .. r*w+w) = from[order[at+r]*w .. +w) for r < len. */
function gather(
  from: Uint32Array,
  out: Uint32Array,
  order: Uint32Array,
  at: number,
  len: number,
  w: number,
): void {
  if (w === 2) {
    for (let r = 0; r < len; r++) {
      const i = order[at + r]! * 2;
      out[r * 2] = from[i]!;
      out[r * 2 + 1] = from[i + 1]!;
    }
    return;
  }
  for (let r = 0; r < len; r++) {
    const i = order[at + r]! * w;
    for (let k = 0; k < w; k++) out[r * w + k] = from[i + k]!;
  }
}
