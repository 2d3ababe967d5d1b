// The progress line both commands show on a terminal while the engine works.

/**
 * Set to 1, every stage is logged on its own stderr line with the seconds since start, the resident set and
 * the JS heap in use (profiling, benches: which stage holds the memory), and the CPU seconds of the main thread
 * and of the whole process (on a shared machine, wall time between stages says little; these hold).
 */
export const TIMINGS_ENV = "IBSR_REPORT_TIMINGS";

/** A single-line progress indicator on a TTY; silent otherwise (cron logs stay clean). */
export function progressLine(enabled: boolean): { update(msg: string): void; done(): void } {
  if (process.env[TIMINGS_ENV] === "1") {
    const t0 = performance.now();
    const mb = (n: number) => `${Math.round(n / 2 ** 20)} MB`;
    const sec = (u: { user: number; system: number }) => ((u.user + u.system) / 1e6).toFixed(2);
    // Node 22 before 22.19 has no per-thread figure.
    const thread = (process as { threadCpuUsage?: () => { user: number; system: number } }).threadCpuUsage;
    const line = (msg: string) => {
      const m = process.memoryUsage();
      const s = ((performance.now() - t0) / 1000).toFixed(2);
      const cpu = `cpu ${thread ? `main ${sec(thread.call(process))}s, ` : ""}all ${sec(process.cpuUsage())}s`;
      process.stderr.write(`ibsr-report: [${s}s rss ${mb(m.rss)} heap ${mb(m.heapUsed)} ${cpu}] ${msg}\n`);
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
