// From one drain and its deltas to the rows of a snapshot file: only rows with a non-zero delta (the
// data contract allows leaving the rest out: their cumulative counters did not move), sorted by
// (dst_port, family, src, prefix_len). The sort moves row indexes only; the writer then pulls the rows a
// chunk at a time (SnapshotRowSource), each gathered from the drained rows and its deltas computed on the
// way, so no second copy of the snapshot ever exists. Every buffer is allocated once.
import { KEY_OFFSETS, KEY_SIZE } from "@ibsr/contract";
import type { DeltaResult } from "../snapshot/deltas.js";
import {
  allocSnapshotRows,
  ENCODE_CHUNK_ROWS,
  type SnapshotRowSource,
  type SnapshotRows,
} from "../snapshot/parquet.js";
import { type FlowRows, gatherFlowRows } from "./flow-rows.js";

export class SnapshotBuilder implements SnapshotRowSource {
  /** Rows of the last build(). */
  length = 0;
  private readonly order: Uint32Array;
  private readonly spare: Uint32Array;
  private readonly counts = new Uint32Array(65_537);
  private readonly digits: Uint16Array;
  private readonly out: SnapshotRows;
  /** The last build()'s inputs and its sorted row indexes. */
  private built: { cols: FlowRows; d: DeltaResult; sorted: Uint32Array } | null = null;

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
  build(cols: FlowRows, count: number, d: DeltaResult, keepUnchanged = false): SnapshotRowSource {
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
    gatherFlowRows(cols, sorted, at, len, out);
    for (let r = 0; r < len; r++) out.newEntry[r] = d.newEntry[sorted[at + r]!]!;
    d.gatherDeltas(sorted, at, len, out.deltas);
    out.spanUs.fill(d.spanUs, 0, len);
    out.length = len;
    return out;
  }

  /**
   * Orders the first n entries of `order` by (dst_port, family, src, prefix_len) with an LSD radix sort on
   * 16-bit digits, least significant first; a digit that is the same for every row (the upper address words
   * of an IPv4-only map, say) costs one counting pass and no move. Returns the buffer holding the result.
   */
  private sort(cols: FlowRows, n: number): Uint32Array {
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

  /** digits[j] = digit k of row from[j], read from the key bytes (one tight loop per digit kind). */
  private fillDigits(cols: FlowRows, k: number, from: Uint32Array, n: number): void {
    const { digits } = this;
    const keys = cols.keys;
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
      const halves = cols.keyHalves;
      const port = KEY_OFFSETS.dst_port / 2;
      for (let j = 0; j < n; j++) digits[j] = halves[from[j]! * (KEY_SIZE / 2) + port]!;
    }
  }
}
