// From one drain and its deltas to the rows of a snapshot file: only rows with a non-zero delta (the data
// contract allows leaving the rest out: their cumulative counters did not move), sorted by (dst_port, family,
// src, prefix_len), the order the delta engine already moved the drained rows into (the builder keeps its
// changed rows, in that order, and reads them front to back). Only row indexes move; the writer then pulls
// the rows a chunk at a time (SnapshotRowSource), each gathered from the drained rows and its deltas computed
// on the way, so no second copy of the snapshot ever exists. The row index buffer lives from build() to
// release().
import type { DeltaResult } from "../snapshot/deltas.js";
import {
  allocSnapshotRows,
  ENCODE_CHUNK_ROWS,
  type SnapshotRowSource,
  type SnapshotRows,
} from "../snapshot/parquet.js";
import { freeBuffers } from "../system/free-buffers.js";
import { type FlowRows, gatherFlowRows } from "./flow-rows.js";

export class SnapshotBuilder implements SnapshotRowSource {
  /** Rows of the last build(). */
  length = 0;
  /** The selected rows (4 B per row of capacity), allocated by build() and dropped by release(). */
  private order: Uint32Array | null = null;
  private readonly out: SnapshotRows;
  /** The last build()'s inputs and its selected row indexes (ascending). */
  private built: { cols: FlowRows; d: DeltaResult; selected: Uint32Array } | null = null;

  constructor(readonly capacity: number) {
    this.out = allocSnapshotRows(Math.min(capacity, ENCODE_CHUNK_ROWS));
  }

  /**
   * Selects rows 0..count-1 of `cols` with a non-zero delta (all rows when `keepUnchanged`), in their
   * order, which is snapshot order once the deltas' compute() has sorted them. Returns this builder as the snapshot's row source, valid while `cols` and `d` are (until the next
   * drain and the deltas' commit()).
   */
  build(cols: FlowRows, count: number, d: DeltaResult, keepUnchanged = false): SnapshotRowSource {
    if (count > this.capacity)
      throw new RangeError(`SnapshotBuilder: ${count} rows exceed capacity ${this.capacity}`);
    if (d.stats.rows !== count)
      throw new RangeError(`SnapshotBuilder: the deltas cover ${d.stats.rows} rows, not ${count}`);
    this.order ??= new Uint32Array(this.capacity);
    const order = this.order;
    const changed = d.changed;
    let n = 0;
    for (let i = 0; i < count; i++) {
      if (keepUnchanged || changed[i] !== 0) order[n++] = i;
    }
    this.built = { cols, d, selected: order };
    this.length = n;
    return this;
  }

  /** Drops the last build() and its index buffer (between snapshots; build() allocates it again). */
  release(): void {
    this.built = null;
    if (this.order) freeBuffers(this.order.buffer);
    this.order = null;
    this.length = 0;
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
    const { cols, d, selected } = b;
    gatherFlowRows(cols, selected, at, len, out);
    for (let r = 0; r < len; r++) out.newEntry[r] = d.newEntry[selected[at + r]!]!;
    d.gatherDeltas(selected, at, len, out.deltas);
    out.spanUs.fill(d.spanUs, 0, len);
    out.length = len;
    return out;
  }
}
