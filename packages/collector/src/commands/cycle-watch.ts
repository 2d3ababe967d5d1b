// Tells a cycle that waits on a file operation that never returns (a hung mount, a FIFO in place of a file)
// from one that is slow because it computes (the drain, deltas and encode of a 2 M-entry snapshot on a
// loaded host). Only time the event loop spent free while the cycle was unfinished counts: synchronous work
// holds the loop, so the ticks that measure the wait do not run, and a tick that comes late adds no more than
// a late tick's worth. A paused process (SIGSTOP, a frozen cgroup) is not stuck either, for the same reason.

/** How often the watch looks, while a cycle runs. */
export const WATCH_TICK_MS = 100;
/** The most one tick adds: a tick later than this was held up by work (or a pause), not by waiting. */
const MAX_TICK_CREDIT_MS = 2 * WATCH_TICK_MS;

/** Free time waited, from the gaps between ticks. */
export class WaitMeter {
  private waitedMs = 0;
  constructor(private last: number) {}

  /** One tick at `now` (monotonic ms); returns the free time waited so far. */
  tick(now: number): number {
    this.waitedMs += Math.min(Math.max(0, now - this.last), MAX_TICK_CREDIT_MS);
    this.last = now;
    return this.waitedMs;
  }
}

/**
 * Races `work` against the watch: "stuck" once the loop has waited `graceMs` of free time for it since
 * `armed()` first returned true (checked at every tick), else what `work` gives.
 */
export async function watchCycle<T>(
  work: Promise<T>,
  opts: { graceMs: number; armed: () => boolean; now: () => number },
): Promise<T | "stuck"> {
  let timer: NodeJS.Timeout | undefined;
  const stuck = new Promise<"stuck">((resolve) => {
    let meter: WaitMeter | null = null;
    // A poll, not a listener: nothing to unregister, and it runs only while a cycle does.
    timer = setInterval(() => {
      const now = opts.now();
      if (meter === null) {
        if (opts.armed()) meter = new WaitMeter(now);
      } else if (meter.tick(now) >= opts.graceMs) resolve("stuck");
    }, WATCH_TICK_MS);
  });
  try {
    return await Promise.race([work, stuck]);
  } finally {
    clearInterval(timer);
  }
}
