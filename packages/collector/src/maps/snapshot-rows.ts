// From one drain and its deltas to the rows of a snapshot file: only rows with a non-zero delta (the
// data contract allows leaving the rest out: their cumulative counters did not move), sorted by
// (dst_port, family, src, prefix_len). Every buffer is allocated once, for the map's capacity.
import { allocSnapshotRows, type FlowColumns, type SnapshotRows, VALUE_COUNTERS } from "@ibsr/schema";
import type { DeltaResult } from "../snapshot/deltas.js";

export class SnapshotBuilder {
  private readonly rows: SnapshotRows;
  private readonly order: Uint32Array;
  /** Source address as four big-endian words per drained row: sorting compares numbers, not bytes. */
  private readonly words: Uint32Array;

  constructor(readonly capacity: number) {
    this.rows = allocSnapshotRows(capacity);
    this.order = new Uint32Array(capacity);
    this.words = new Uint32Array(capacity * 4);
  }

  /**
   * Rows 0..count-1 of `cols` with their deltas, changed rows only (all rows when `keepUnchanged`).
   * The returned object is reused by the next build().
   */
  build(cols: FlowColumns, count: number, d: DeltaResult, keepUnchanged = false): SnapshotRows {
    if (count > this.capacity)
      throw new RangeError(`SnapshotBuilder: ${count} rows exceed capacity ${this.capacity}`);
    const { order, words } = this;
    const src = cols.src;
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
    const { dstPort, family, prefixLen } = cols;
    order.subarray(0, n).sort((a, b) => {
      const p = dstPort[a]! - dstPort[b]!;
      if (p !== 0) return p;
      const f = family[a]! - family[b]!;
      if (f !== 0) return f;
      for (let w = 0; w < 4; w++) {
        const x = words[a * 4 + w]!;
        const y = words[b * 4 + w]!;
        if (x !== y) return x < y ? -1 : 1;
      }
      return prefixLen[a]! - prefixLen[b]!;
    });
    const out = this.rows;
    for (let j = 0; j < n; j++) {
      const i = order[j]!;
      out.family[j] = family[i]!;
      out.prefixLen[j] = prefixLen[i]!;
      out.dstPort[j] = dstPort[i]!;
      out.src.set(src.subarray(i * 16, i * 16 + 16), j * 16);
      out.firstSeen[j] = cols.firstSeen[i]!;
      out.newEntry[j] = d.newEntry[i]!;
      out.spanUs[j] = d.spanUs;
      for (const c of VALUE_COUNTERS) {
        out[c][j] = cols[c][i]!;
        out.deltas[c][j] = d.deltas[c][i]!;
      }
    }
    out.length = n;
    return out;
  }
}
