/** The one place that owns ibsr-report's exit codes (documented in docs/report.md). */
import { constants } from "node:os";

export const EXIT = {
  /** Report written (skipped input lines are shown in the report, not an error). */
  OK: 0,
  /** Reading input or writing the output failed (permissions, disk full, engine I/O error). */
  IO: 1,
  /** Bad command line, or no usable snapshot at all. */
  USAGE: 2,
  /** The allowlist or the --config file is invalid. */
  CONFIG: 3,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** Stopped by a signal after removing temporary files: 128 + the signal number, as a shell reports it. */
export function signalExitCode(sig: "SIGINT" | "SIGTERM" | "SIGHUP"): number {
  return 128 + constants.signals[sig];
}

/** An error that knows which exit code it maps to; its message is the full operator-facing text. */
export class ReportError extends Error {
  override name = "ReportError";
  constructor(
    readonly exitCode: ExitCode,
    message: string,
  ) {
    super(message);
  }
}
