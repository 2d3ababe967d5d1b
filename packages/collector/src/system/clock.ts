// The run loop's clocks, without the global `performance`: its first use loads node's perf_hooks (eleven
// internal modules, about 1.1 MB of the node binary's pages and 0.3 MB of heap that a collector keeps for
// its life; bench/notes/collector-memory.md, session 9). Both read libuv's monotonic clock, as
// performance.now() does.

/** Monotonic milliseconds (fractional) from an arbitrary origin: for intervals, as performance.now(). */
export function monotonicMs(): number {
  const [s, ns] = process.hrtime();
  return s * 1000 + ns / 1e6;
}

// Wall time at start and the monotonic clock then, as performance.timeOrigin anchors performance.now().
const WALL_ORIGIN_US = BigInt(Date.now()) * 1000n;
const MONOTONIC_ORIGIN_NS = process.hrtime.bigint();

/**
 * Wall-clock microseconds since the Unix epoch: the wall time at start plus the monotonic time since, as
 * performance.timeOrigin + performance.now() gives it (a step of the system clock after start does not
 * move it; consecutive readings never go back).
 */
export function wallUs(): bigint {
  return WALL_ORIGIN_US + (process.hrtime.bigint() - MONOTONIC_ORIGIN_NS) / 1000n;
}
