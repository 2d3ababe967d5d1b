#!/usr/bin/env -S node --max-semi-space-size=1 --expose-gc --no-concurrent-recompilation --wasm-sync-tier-up --wasm-tiering-budget=300000
// ibsr-collect's process entry. Signal handlers first: this module imports nothing but signals.ts, so
// they are in place before the slow imports (parquet-wasm and koffi for `run`),
// and a SIGHUP or SIGTERM in the first few hundred ms has its documented effect instead of killing the
// process. Everything else lives in main.ts, loaded after.
import { ExitCode } from "./exit-codes.js";
import { priorityPrefix, priorityPrefixWanted } from "./log/priority.js";
import { SignalState } from "./signals.js";

/** How long the process may stay alive after its work is done (something in flight that cannot end). */
const EXIT_GRACE_MS = 1000;

const signals = new SignalState().install();
let code: number = ExitCode.RUNTIME;
try {
  const { main } = await import("./main.js");
  code = await main(process.argv.slice(2), signals);
} catch (err) {
  // One line (journald would split a stack into lines of default priority), an error for `journalctl -p err`.
  const prefix = priorityPrefixWanted(process.argv.slice(2)) ? priorityPrefix("error") : "";
  const detail = err instanceof Error ? (err.stack ?? err.message) : String(err);
  process.stderr.write(`${prefix}ibsr-collect: unexpected failure: ${detail.replace(/\n\s*/g, " | ")}\n`);
  code = ExitCode.RUNTIME;
}
signals.finish();
process.exitCode = code;
// A file operation that never returns (a hung mount, a FIFO nobody reads) keeps Node's event loop alive
// after the run gave up on it, and would hold process.exit too; the work is over, so exit anyway, through
// the run's exit that does not wait for it. unref: a normal exit is not delayed.
setTimeout(() => signals.exit(code), EXIT_GRACE_MS).unref();
