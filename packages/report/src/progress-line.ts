// The progress line both commands show on a terminal while the engine works.

/** A single-line progress indicator on a TTY; silent otherwise (cron logs stay clean). */
export function progressLine(enabled: boolean): { update(msg: string): void; done(): void } {
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
