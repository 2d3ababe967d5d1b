// One line per event on stderr. Human form: `<ISO time> <level> <event> key=value ...`; JSON lines with
// --json-logs ({"time","level","event",...fields}). debug only with -v; quiet keeps warnings and errors.
// Error fields are flattened (op, errno, code, hint, message) so a log line alone says what to do.
// With `priorityPrefix` each line starts with its syslog priority `<N>` for journald (log/priority.ts).
import { isoUtc } from "@ibsr/contract";
import { priorityPrefix } from "./priority.js";

export type LogLevel = "debug" | "info" | "warn" | "error";
export type LogFields = Record<string, unknown>;

export interface Logger {
  /** The lowest level this logger emits. */
  readonly level: LogLevel;
  debug(event: string, fields?: LogFields): void;
  info(event: string, fields?: LogFields): void;
  warn(event: string, fields?: LogFields): void;
  error(event: string, fields?: LogFields): void;
  /** True when `level` would be written: lets callers skip building expensive fields. */
  enabled(level: LogLevel): boolean;
  /** A logger that adds `fields` to every line (e.g. iface, run_id). */
  child(fields: LogFields): Logger;
}

export interface LoggerOptions {
  /** Lowest level written. Default "info". -v gives "debug", -q gives "warn". */
  level?: LogLevel;
  /** JSON lines instead of the human form. */
  json?: boolean;
  /** Where lines go. Default process.stderr. */
  stream?: { write(chunk: string): unknown };
  /** Clock, for tests. */
  now?: () => Date;
  /** Start each line with `<N>`, its syslog priority (when stderr is the journal, or asked). */
  priorityPrefix?: boolean;
}

const RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

/** Maps the CLI's -v / -q to a level (quiet wins: it is the explicit request for less). */
export function levelFromFlags(verbose: boolean | number | undefined, quiet: boolean | undefined): LogLevel {
  if (quiet) return "warn";
  if (verbose) return "debug";
  return "info";
}

export function createLogger(options: LoggerOptions = {}): Logger {
  const level = options.level ?? "info";
  const json = options.json ?? false;
  const stream = options.stream ?? process.stderr;
  const now = options.now ?? (() => new Date());
  return makeLogger({ level, json, stream, now, prefix: options.priorityPrefix ?? false }, {});
}

interface Sink {
  level: LogLevel;
  json: boolean;
  stream: { write(chunk: string): unknown };
  now: () => Date;
  prefix: boolean;
}

function makeLogger(sink: Sink, bound: LogFields): Logger {
  const min = RANK[sink.level];
  const emit = (level: LogLevel, event: string, fields?: LogFields): void => {
    if (RANK[level] < min) return;
    const all = fields ? { ...bound, ...expandErrors(fields) } : bound;
    // Not Date.prototype.toISOString: that loads ICU's time-zone data (@ibsr/contract utc-time.ts).
    const time = isoUtc(sink.now().getTime());
    const line = sink.json ? jsonLine(time, level, event, all) : humanLine(time, level, event, all);
    try {
      sink.stream.write(sink.prefix ? `${priorityPrefix(level)}${line}\n` : `${line}\n`);
    } catch {
      // A closed stderr must never take the collector down; the heartbeat still records state.
    }
  };
  return {
    level: sink.level,
    debug: (e, f) => emit("debug", e, f),
    info: (e, f) => emit("info", e, f),
    warn: (e, f) => emit("warn", e, f),
    error: (e, f) => emit("error", e, f),
    enabled: (l) => RANK[l] >= min,
    child: (fields) => makeLogger(sink, { ...bound, ...fields }),
  };
}

/** An `err` field holding an Error is flattened into op/errno/code/hint/message fields. */
function expandErrors(fields: LogFields): LogFields {
  const err = fields.err;
  if (!(err instanceof Error)) return fields;
  const { err: _drop, ...rest } = fields;
  return { ...errorFields(err), ...rest };
}

/** The loggable fields of an error: message plus op, errno name, hint when it carries them. */
export function errorFields(err: unknown): LogFields {
  if (!(err instanceof Error)) return { error: String(err) };
  const e = err as Error & {
    op?: unknown;
    errno?: unknown;
    errnoName?: unknown;
    code?: unknown;
    syscall?: unknown;
    path?: unknown;
    hint?: unknown;
  };
  const out: LogFields = {};
  if (typeof e.op === "string") out.op = e.op;
  else if (typeof e.syscall === "string") out.op = e.syscall;
  // Node's system errors carry the errno name in `code` (e.g. ENOSPC) and a negative number in errno.
  if (typeof e.errnoName === "string") out.errno = e.errnoName;
  else if (typeof e.code === "string") out.errno = e.code;
  if (typeof e.path === "string") out.path = e.path;
  out.error = e.message;
  if (typeof e.hint === "string") out.hint = e.hint;
  return out;
}

function jsonLine(time: string, level: LogLevel, event: string, fields: LogFields): string {
  return JSON.stringify({ time, level, event, ...fields }, jsonReplacer);
}

function jsonReplacer(_key: string, value: unknown): unknown {
  if (typeof value === "bigint") {
    return value <= BigInt(Number.MAX_SAFE_INTEGER) && value >= -BigInt(Number.MAX_SAFE_INTEGER)
      ? Number(value)
      : value.toString();
  }
  return value;
}

function humanLine(time: string, level: LogLevel, event: string, fields: LogFields): string {
  let line = `${time} ${level.padEnd(5)} ${event}`;
  for (const [k, v] of Object.entries(fields)) {
    if (v === undefined) continue;
    line += ` ${k}=${humanValue(v)}`;
  }
  return line;
}

// Bare tokens stay bare; anything with spaces, quotes or `=` is quoted so lines split cleanly.
function humanValue(v: unknown): string {
  let s: string;
  if (typeof v === "string") s = v;
  else if (typeof v === "number" || typeof v === "bigint" || typeof v === "boolean") return String(v);
  else if (v === null) return "null";
  else if (Array.isArray(v))
    s = v.map((x) => (typeof x === "object" ? JSON.stringify(x, jsonReplacer) : String(x))).join(",");
  else s = JSON.stringify(v, jsonReplacer) ?? String(v);
  return s === "" || /[\s"=\\]/.test(s) ? JSON.stringify(s) : s;
}

/** A logger that writes nothing (tests, library use). */
export const silentLogger: Logger = createLogger({ level: "error", stream: { write: () => true } });
