// Temporary things (the report's staging directory, DuckDB's spill directory) registered here are removed
// on every exit path that can be caught: a normal return, an error, SIGINT/SIGTERM/SIGHUP.
import { signalExitCode } from "./exit-codes.js";

const cleanups = new Set<() => void>();

/** Registers `fn`; returns a function that unregisters it (call it once the thing is gone or kept). */
export function onCleanup(fn: () => void): () => void {
  cleanups.add(fn);
  return () => {
    cleanups.delete(fn);
  };
}

/** Runs and forgets every registered cleanup, newest first; one failing does not stop the others. */
export function runCleanups(): void {
  for (const fn of [...cleanups].reverse()) {
    cleanups.delete(fn);
    try {
      fn();
    } catch {
      // best effort: the process is ending anyway
    }
  }
}

const SIGNALS = ["SIGINT", "SIGTERM", "SIGHUP"] as const;

/**
 * On SIGINT/SIGTERM/SIGHUP: remove what is registered, say so, and exit 128+signo (130/143/129). The handler
 * runs once; a second signal during cleanup gets the default action.
 */
export function cleanUpOnSignals(): void {
  for (const sig of SIGNALS)
    process.once(sig, () => {
      runCleanups();
      process.stderr.write(`ibsr-report: stopped by ${sig}; temporary files removed, no report written\n`);
      process.exit(signalExitCode(sig));
    });
}
