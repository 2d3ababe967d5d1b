// ibsr-report's exit codes: 0-2 are the table shared with ibsr-collect (@ibsr/contract,
// docs/exit-codes.md), 3 is the reporter's own.
import { SHARED_EXIT } from "@ibsr/contract";

export { signalExitCode } from "@ibsr/contract";

export const EXIT = {
  /** Report written (skipped input lines are shown in the report, not an error). */
  OK: SHARED_EXIT.OK,
  /** Reading input or writing the output failed (permissions, disk full, engine I/O error). */
  IO: SHARED_EXIT.FAILURE,
  /** Bad command line, or no usable snapshot at all. */
  USAGE: SHARED_EXIT.USAGE,
  /** The allowlist or the --config file is invalid. */
  CONFIG: 3,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

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
