// ibsr-collect's exit codes: 0-2 are the table shared with ibsr-report (@ibsr/contract, docs/exit-codes.md),
// 3 and 4 are the collector's own. Only cli.ts turns errors into these numbers (via exitCodeFor); every other
// module throws typed errors (errors.ts) or returns a code from a command handler.
import { SHARED_EXIT } from "@ibsr/contract";

/** Exit codes of `ibsr-collect run` and `ibsr-collect verify`. */
export const ExitCode = {
  /** Finished normally: duration elapsed, or SIGINT/SIGTERM after the final snapshot. */
  OK: SHARED_EXIT.OK,
  /** Runtime failure after a successful start (a bug, a map read that keeps failing, ...). */
  RUNTIME: SHARED_EXIT.FAILURE,
  /** Usage: unknown or invalid flag, bad value. Nothing was loaded or attached. */
  USAGE: SHARED_EXIT.USAGE,
  /** Environment: not root / no CAP_BPF, no BPF, interface missing, XDP slot busy, object missing. */
  ENVIRONMENT: 3,
  /** The BPF object failed the safety verifier: refused before anything was loaded. */
  UNSAFE_OBJECT: 4,
} as const;
export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

/** Exit codes of `ibsr-collect status` (what monitoring alerts on). */
export const StatusExitCode = {
  HEALTHY: SHARED_EXIT.OK,
  UNHEALTHY: 1,
  /** No heartbeat file at all under the output directory (a file with no readable line is UNHEALTHY). */
  NO_DATA: 2,
} as const;
export type StatusExitCodeValue = (typeof StatusExitCode)[keyof typeof StatusExitCode];
