// Eviction loss per snapshot, never negative. The raw figure (the kernel's exact matched-packet total minus
// the sum of the per-key deltas, since the last written snapshot) races with traffic: packets counted in
// the global totals after their key was drained show up as loss now and as a negative loss in the next
// snapshot, whose per-key deltas carry them. A negative figure is carried into the next snapshot instead
// of being shown, so each per-snapshot figure is >= 0 and their sum follows the exact run total (it equals
// it whenever nothing is carried).

export class EvictionLossTracker {
  /** Sum of the figures of written snapshots (what the heartbeats of the run add up to). */
  total = 0n;
  /** The negative part not yet offset by later loss (<= 0). */
  private carry = 0n;

  /**
   * The figure to show for a snapshot whose raw loss is `raw`. `written`: the snapshot reached the disk,
   * so the next one's raw figure starts from it (a failed write's raw loss is counted again next time,
   * so it changes nothing here).
   */
  next(raw: bigint, written: boolean): bigint {
    const v = raw + this.carry;
    const shown = v > 0n ? v : 0n;
    if (written) {
      this.carry = v < 0n ? v : 0n;
      this.total += shown;
    }
    return shown;
  }

  /** The exact run total so far (the raw figures of written snapshots summed), never below zero. */
  get exact(): bigint {
    const e = this.total + this.carry;
    return e > 0n ? e : 0n;
  }
}
