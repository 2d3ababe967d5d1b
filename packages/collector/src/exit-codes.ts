// The one table of process exit codes. Only cli.ts turns errors into these numbers (via exitCodeFor);
// every other module throws typed errors (errors.ts) or returns a code from a command handler.

/** Exit codes of `ibsr-collect run` and `ibsr-collect verify`. */
export const ExitCode = {
  /** Finished normally: duration elapsed, or SIGINT/SIGTERM after the final snapshot. */
  OK: 0,
  /** Runtime failure after a successful start (a bug, a map read that keeps failing, ...). */
  RUNTIME: 1,
  /** Usage: unknown or invalid flag, bad value. Nothing was loaded or attached. */
  USAGE: 2,
  /** Environment: not root / no CAP_BPF, no BPF, interface missing, XDP slot busy, object missing. */
  ENVIRONMENT: 3,
  /** The BPF object failed the safety verifier: refused before anything was loaded. */
  UNSAFE_OBJECT: 4,
} as const;
export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

/** Exit codes of `ibsr-collect status` (what monitoring alerts on). */
export const StatusExitCode = {
  HEALTHY: 0,
  UNHEALTHY: 1,
  /** No heartbeat file at all under the output directory (a file with no readable line is UNHEALTHY). */
  NO_DATA: 2,
} as const;
export type StatusExitCodeValue = (typeof StatusExitCode)[keyof typeof StatusExitCode];
