// Syslog priorities for journald. A line written to a journal stream that starts with `<N>` is stored with
// priority N (sd-daemon(3); the unit's SyslogLevelPrefix=yes is systemd's default), so
// `journalctl -u ibsr-collect -p err` finds the collector's errors. The prefix goes on only when stderr IS
// the journal ($JOURNAL_STREAM names the device:inode of the stream systemd connected) or when asked
// (--log-priority-prefix): anywhere else it would be noise in a terminal or a log file. No module imports
// anything slow, so cli.ts can use it before the rest loads.
import { fstatSync } from "node:fs";
import type { LogLevel } from "./logger.js";

/** The one level -> syslog priority table (3 err, 4 warning, 6 info, 7 debug). */
export const SYSLOG_PRIORITY: Readonly<Record<LogLevel, number>> = {
  error: 3,
  warn: 4,
  info: 6,
  debug: 7,
};

/** The flag that asks for the prefix when stderr is not detected as the journal (e.g. through a pipe). */
export const PRIORITY_PREFIX_FLAG = "--log-priority-prefix";

/** `<N>` for `level`. */
export function priorityPrefix(level: LogLevel): string {
  return `<${SYSLOG_PRIORITY[level]}>`;
}

/**
 * True when file descriptor `fd` is the stream systemd connected to the journal: $JOURNAL_STREAM holds
 * "<st_dev>:<st_ino>" of it. A child whose stderr was redirected elsewhere inherits the variable but not
 * the stream, hence the comparison rather than the variable alone.
 */
export function fdIsJournal(env: NodeJS.ProcessEnv = process.env, fd = 2): boolean {
  const m = /^(\d+):(\d+)$/.exec(env.JOURNAL_STREAM ?? "");
  if (!m) return false;
  try {
    const st = fstatSync(fd, { bigint: true });
    return st.dev === BigInt(m[1]!) && st.ino === BigInt(m[2]!);
  } catch {
    return false;
  }
}

/** Whether log lines get the prefix: asked on the command line (last of flag / --no- flag wins), else detected. */
export function priorityPrefixWanted(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): boolean {
  let asked: boolean | null = null;
  for (const a of argv) {
    if (a === "--") break;
    if (a === PRIORITY_PREFIX_FLAG || a === `${PRIORITY_PREFIX_FLAG}=true`) asked = true;
    else if (a === `--no-${PRIORITY_PREFIX_FLAG.slice(2)}` || a === `${PRIORITY_PREFIX_FLAG}=false`)
      asked = false;
  }
  return asked ?? fdIsJournal(env);
}
