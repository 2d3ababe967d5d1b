// The exit codes ibsr-collect and ibsr-report share (docs/exit-codes.md). 0, 1 and 2 mean the same in both
// programs; each program adds its own codes from 3 up only where its failures truly differ (the collector's
// environment and unsafe-object refusals, the reporter's configuration errors), in its own exit-codes.ts.
export const SHARED_EXIT = {
  /** Finished normally. */
  OK: 0,
  /** Failed while running: an I/O error, a runtime fault, a bug. Retrying may help. */
  FAILURE: 1,
  /** Bad command line (unknown or invalid flag or value) or nothing usable to work on. */
  USAGE: 2,
} as const;

/** The signals both programs stop on, with their numbers (the same on every Linux architecture). */
export const STOP_SIGNAL_NUMBERS = { SIGHUP: 1, SIGINT: 2, SIGTERM: 15 } as const;
export type StopSignal = keyof typeof STOP_SIGNAL_NUMBERS;

/** Stopped by a signal (after cleaning up): 128 + the signal number, as a shell reports it. */
export function signalExitCode(sig: StopSignal): number {
  return 128 + STOP_SIGNAL_NUMBERS[sig];
}
