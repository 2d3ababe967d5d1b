// The collector's signal handling, in a module with no slow dependency (only @ibsr/contract) so that cli.ts
// can install it before it imports anything slow (parquet-wasm, koffi: a few hundred ms
// in which a default SIGHUP or SIGTERM would kill the process with 128 + n). One set of rules from the first instruction to
// the exit (docs/collector.md, "Signals"):
//   first SIGINT/SIGTERM  stop cleanly (before attach: attach nothing and exit 0; after: final snapshot)
//   another stop signal   exit at once, 128 + n (the kernel removes the XDP link)
//   SIGHUP                snapshot now (before the first snapshot: the first snapshot answers it)
// Commands other than `run` hand the signals back (release), and a signal that came meanwhile then takes
// its default effect, as if no handler had been there.
import { STOP_SIGNAL_NUMBERS, type StopSignal, signalExitCode } from "@ibsr/contract";
import type { LogFields, Logger, LogLevel } from "./log/logger.js";
import { monotonicMs } from "./system/clock.js";

/**
 * The same stop signal again within this long of the first is the same request, not a second one:
 * timeout(1) and process-group kills deliver it twice, microseconds apart (a person's second Ctrl-C
 * comes much later).
 */
export const REPEATED_SIGNAL_MS = 250;

const STOP_SIGNALS: readonly NodeJS.Signals[] = ["SIGINT", "SIGTERM"];

/** Exit code of a process ended by `sig`, as the shell reports it (128 + signal number; SIGTERM's if unknown). */
function exitCodeOfSignal(sig: NodeJS.Signals): number {
  return signalExitCode(sig in STOP_SIGNAL_NUMBERS ? (sig as StopSignal) : "SIGTERM");
}

export class SignalState {
  stopRequested: NodeJS.Signals | null = null;
  snapshotRequested = false;
  /** The first signal received while installed (what release() re-raises). */
  private first: NodeJS.Signals | null = null;
  private stopAt = 0;
  private wake: (() => void) | null = null;
  private readonly stopWaiters: (() => void)[] = [];
  private installed = false;
  private ended = false;
  private log: Logger | null = null;
  /** How the process ends at once (run swaps in one that does not wait for a stuck file operation). */
  private exitFn: (code: number) => void = (code) => process.exit(code);
  /** Lines logged before a logger existed (the flags choose its form), written once one is given. */
  private readonly pending: [LogLevel, string, LogFields][] = [];

  private readonly onStop = (sig: NodeJS.Signals) => {
    this.first ??= sig;
    if (this.ended) {
      this.emit("debug", "run.signal_after_end", {
        signal: sig,
        note: "the run is over; exiting as planned",
      });
      return;
    }
    if (this.stopRequested) {
      const sinceMs = monotonicMs() - this.stopAt;
      if (sig === this.stopRequested && sinceMs < REPEATED_SIGNAL_MS) {
        this.emit("info", "run.signal_repeated", {
          signal: sig,
          since_ms: Math.round(sinceMs),
          note: "taken as the same stop request; send it again to exit at once",
        });
        return;
      }
      this.emit("warn", "run.second_signal", {
        signal: sig,
        note: "exiting now; the kernel removes the XDP link",
      });
      if (this.log) this.flushPending();
      else process.stderr.write(`ibsr-collect: second ${sig} during start-up: exiting now\n`);
      this.exit(exitCodeOfSignal(sig));
    }
    this.stopRequested = sig;
    this.stopAt = monotonicMs();
    this.emit("info", "run.stopping", {
      signal: sig,
      note: "writing a final snapshot; send the signal again to exit at once",
    });
    this.wake?.();
    for (const w of this.stopWaiters.splice(0)) w();
  };

  private readonly onHup = () => {
    this.first ??= "SIGHUP";
    if (this.ended) return;
    this.snapshotRequested = true;
    this.emit("info", "run.sighup", { action: "immediate snapshot" });
    this.wake?.();
  };

  /** Takes over SIGINT, SIGTERM and SIGHUP (idempotent). */
  install(): this {
    if (this.installed) return this;
    this.installed = true;
    for (const s of STOP_SIGNALS) process.on(s, this.onStop);
    process.on("SIGHUP", this.onHup);
    return this;
  }

  /** From now on end the process at once through `fn` (exit-codes unchanged). */
  useExit(fn: (code: number) => void): void {
    this.exitFn = fn;
  }

  /** Ends the process now with `code`. */
  exit(code: number): void {
    this.exitFn(code);
  }

  /** From now on log through `log`; what happened before is written first. */
  useLogger(log: Logger): void {
    this.log = log;
    this.flushPending();
  }

  /**
   * For commands that do not collect (status, verify, --help): hands the signals back to their default
   * effect. A signal received meanwhile is raised again, so it has the effect it would have had.
   */
  release(): void {
    if (!this.installed) return;
    this.installed = false;
    for (const s of STOP_SIGNALS) process.off(s, this.onStop);
    process.off("SIGHUP", this.onHup);
    if (this.first !== null && !this.ended) process.kill(process.pid, this.first);
  }

  /**
   * The run is over (final snapshot written or the run failed): from here to the process's exit, which
   * the handlers do not delay, a stop signal changes nothing. Without handlers it would kill the process
   * and turn the exit code into 128 + signal.
   */
  finish(): void {
    this.ended = true;
    this.flushPending();
  }

  /** Resolves when a stop is requested (at once if it already was). */
  whenStopRequested(): Promise<void> {
    if (this.stopRequested) return Promise.resolve();
    return new Promise((resolve) => this.stopWaiters.push(resolve));
  }

  /** Sleeps until `ms` from now or until a signal wakes it. */
  sleep(ms: number): Promise<void> {
    if (this.stopRequested || this.snapshotRequested || ms <= 0) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      const self = this;
      function done() {
        clearTimeout(timer);
        self.wake = null;
        resolve();
      }
      this.wake = done;
    });
  }

  private emit(level: LogLevel, event: string, fields: LogFields): void {
    if (this.log) this.log[level](event, fields);
    else this.pending.push([level, event, fields]);
  }

  private flushPending(): void {
    if (!this.log) return;
    for (const [level, event, fields] of this.pending.splice(0))
      this.log[level](event, { ...fields, early: true });
  }
}
