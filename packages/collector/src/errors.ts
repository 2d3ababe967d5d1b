// Typed errors: each says what failed, where, why (errno name or rule) and what to do. cli.ts maps them
// to exit codes through exitCodeFor; nothing else decides an exit code.
import { ExitCode } from "./exit-codes.js";
import type { LibbpfError } from "./libbpf/errors.js";

/** Base class: carries the exit code it maps to and an optional hint shown on its own line. */
export class IbsrError extends Error {
  readonly exitCode: number;
  readonly hint: string | undefined;
  constructor(message: string, exitCode: number, hint?: string) {
    super(message);
    this.name = new.target.name;
    this.exitCode = exitCode;
    this.hint = hint;
  }
}

/** A flag or argument that failed validation. Names the flag, the value and the rule it broke. */
export class UsageError extends IbsrError {
  readonly flag: string;
  readonly value: string | undefined;
  readonly rule: string;
  constructor(flag: string, value: unknown, rule: string, hint?: string) {
    const shown = value === undefined ? undefined : formatValue(value);
    super(
      shown === undefined ? `${flag}: ${rule}` : `${flag} ${shown}: ${rule}`,
      ExitCode.USAGE,
      hint ?? "run `ibsr-collect --help` for the list of flags",
    );
    this.flag = flag;
    this.value = shown;
    this.rule = rule;
  }

  /** The same error with the flag named as `flag` (e.g. the environment variable its value came from). */
  relabel(flag: string): UsageError {
    const e = new UsageError(flag, undefined, this.rule, this.hint);
    const message =
      this.value === undefined ? `${flag}: ${this.rule}` : `${flag} ${this.value}: ${this.rule}`;
    return Object.assign(e, { value: this.value, message });
  }
}

/** The machine cannot run the collector as asked: privileges, BPF, interface, XDP slot, files. */
export class EnvironmentError extends IbsrError {
  readonly op: string;
  readonly errnoName: string | undefined;
  constructor(op: string, message: string, opts: { errnoName?: string; hint?: string } = {}) {
    super(message, ExitCode.ENVIRONMENT, opts.hint);
    this.op = op;
    this.errnoName = opts.errnoName;
  }
}

/** The BPF object failed the safety verifier. */
export class UnsafeObjectError extends IbsrError {
  constructor(message: string, hint?: string) {
    super(message, ExitCode.UNSAFE_OBJECT, hint);
  }
}

/** A failure after a successful start. */
export class RuntimeError extends IbsrError {
  readonly op: string;
  constructor(op: string, message: string, hint?: string) {
    super(message, ExitCode.RUNTIME, hint);
    this.op = op;
  }
}

function formatValue(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value);
  if (Array.isArray(value)) return value.map((v) => formatValue(v)).join(",");
  return String(value);
}

/**
 * The fields of libbpf/errors.ts's LibbpfError this module reads, duck-typed (a type-only import: this
 * module stays free of the libbpf bindings, and any errno-bearing error with an op maps the same way).
 */
type ErrnoCarrier = { [K in keyof Pick<LibbpfError, "op" | "errno" | "errnoName" | "hint">]?: unknown };

/**
 * The exit code for anything thrown out of a command. libbpf failures (errno-bearing errors with an op) are
 * environment problems (EPERM, ENOENT, EBUSY, E2BIG, ...); anything unknown is a runtime failure.
 */
export function exitCodeFor(err: unknown): number {
  if (err instanceof IbsrError) return err.exitCode;
  if (err && typeof err === "object") {
    const e = err as ErrnoCarrier;
    if (typeof e.op === "string" && typeof e.errnoName === "string") return ExitCode.ENVIRONMENT;
  }
  return ExitCode.RUNTIME;
}

/** The hint of an error, if it has one (ours, or libbpf/errors.ts's LibbpfError). */
export function hintOf(err: unknown): string | undefined {
  if (err && typeof err === "object" && typeof (err as ErrnoCarrier).hint === "string") {
    return (err as ErrnoCarrier).hint as string;
  }
  return undefined;
}
