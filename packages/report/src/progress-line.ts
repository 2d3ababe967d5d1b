// The progress line both commands show on a terminal while the engine works.

/**
 * Set to 1, every stage is logged on its own stderr line with the seconds since start, the resident set and
 * the JS heap in use (profiling, benches: which stage holds the memory).
 */
export const TIMINGS_ENV = "IBSR_REPORT_TIMINGS";

/** A single-line progress indicator on a TTY; silent otherwise (cron logs stay clean). */
export function progressLine(enabled: boolean): { update(msg: string): void; done(): void } {
  if (process.env[TIMINGS_ENV] === "1") {
    const t0 = performance.now();
    const mb = (n: number) => `${Math.round(n / 2 ** 20)} MB`;
    const line = (msg: string) => {
      const m = process.memoryUsage();
      const s = ((performance.now() - t0) / 1000).toFixed(2);
      process.stderr.write(`ibsr-report: [${s}s rss ${mb(m.rss)} heap ${mb(m.heapUsed)}] ${msg}\n`);
    };
    return { update: line, done() {} };
  }
  if (!enabled || !process.stderr.isTTY) return { update() {}, done() {} };
  const t0 = Date.now();
  let shown = false;
  return {
    update(msg) {
      shown = true;
      const s = ((Date.now() - t0) / 1000).toFixed(1);
      process.stderr.write(`\r\x1b[2K[${s}s] ${msg}`);
    },
    done() {
      if (shown) process.stderr.write("\r\x1b[2K");
    },
  };
}
