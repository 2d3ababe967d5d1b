// systemd's service notification protocol (sd_notify(3)), spoken directly: one datagram of "KEY=value"
// lines to the AF_UNIX socket named by $NOTIFY_SOCKET (a path, or an abstract name written with a leading
// '@'). Node has no unix datagram sockets, so socket(2) and sendto(2) come from libc through koffi, which
// the collector already loads for libbpf: no libsystemd is needed (the protocol is stable and documented
// for exactly this), and the address handling is ours to test. Without $NOTIFY_SOCKET everything here is
// a no-op (not started by systemd, or Type= is not notify).
//
// What the collector says: READY=1 once the program is attached and the first map read worked, STATUS=
// after each cycle, WATCHDOG=1 from the snapshot loop itself (never from a timer, so a loop stuck in a
// file operation stops the pings and systemd restarts the service), STOPPING=1 when the shutdown begins.
import koffi from "koffi";
import { libbpf } from "../libbpf/bindings.js";
import { errnoName as nameOfErrno } from "../libbpf/errors.js";
import type { Logger } from "../log/logger.js";

const AF_UNIX = 1;
const SOCK_DGRAM = 2;
const SOCK_CLOEXEC = 0o2000000;
/** Never block the event loop on a manager that does not read; never die of SIGPIPE. */
const MSG_DONTWAIT = 0x40;
const MSG_NOSIGNAL = 0x4000;
/** sizeof(struct sockaddr_un.sun_path) on Linux. */
const SUN_PATH_MAX = 108;

export class NotifySocketError extends Error {
  constructor(
    readonly socket: string,
    message: string,
    readonly errnoName?: string,
  ) {
    super(`NOTIFY_SOCKET=${socket}: ${message}`);
  }
}

/**
 * struct sockaddr_un for `name` and the address length to pass: a path is NUL-terminated; an abstract
 * name ('@' first) has a NUL in place of the '@' and its length counts exactly its bytes.
 */
export function sockaddrUn(name: string): { addr: Buffer; len: number } {
  const abstract = name.startsWith("@");
  if (!abstract && !name.startsWith("/"))
    throw new NotifySocketError(
      name,
      "not an absolute path or an abstract name (@...); other kinds (vsock) are not supported",
    );
  const path = Buffer.from(abstract ? `\0${name.slice(1)}` : name, "utf8");
  const max = abstract ? SUN_PATH_MAX : SUN_PATH_MAX - 1;
  if (path.length > max) throw new NotifySocketError(name, `longer than ${max} bytes`);
  const addr = Buffer.alloc(2 + SUN_PATH_MAX);
  addr.writeUInt16LE(AF_UNIX, 0); // sa_family_t, native order (the kernel reads it as the host's u16)
  path.copy(addr, 2);
  return { addr, len: 2 + path.length + (abstract ? 0 : 1) };
}

/** Sends datagrams to one notification socket. */
export interface NotifyTransport {
  /** Throws NotifySocketError when the datagram cannot be sent. */
  send(message: string): void;
}

/** The libc transport: one socket, opened on first use, kept for the life of the process (close-on-exec). */
export function libcTransport(name: string): NotifyTransport {
  const { addr, len } = sockaddrUn(name);
  let fd = -1;
  return {
    send(message) {
      const lib = libbpf();
      if (fd < 0) {
        fd = lib.socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        if (fd < 0) throw new NotifySocketError(name, "socket(AF_UNIX, SOCK_DGRAM) failed", errnoName());
      }
      const buf = Buffer.from(message, "utf8");
      const n = Number(lib.sendto(fd, buf, buf.length, MSG_DONTWAIT | MSG_NOSIGNAL, addr, len));
      if (n < 0) throw new NotifySocketError(name, "sendto failed", errnoName());
    },
  };
}

function errnoName(): string {
  return nameOfErrno(koffi.errno());
}

/**
 * The collector's side of the protocol. `watchdogMs`: systemd's WatchdogSec ($WATCHDOG_USEC), null when
 * no watchdog is asked of this process. Pings are paced at half of it (as sd_watchdog_enabled(3) advises).
 */
export class ServiceNotifier {
  private lastPingMs = Number.NEGATIVE_INFINITY;
  private failed = false;
  private readied = false;

  constructor(
    private readonly transport: NotifyTransport | null,
    readonly watchdogMs: number | null,
    private readonly log: Logger,
  ) {}

  /** From the environment systemd sets: NOTIFY_SOCKET, WATCHDOG_USEC, WATCHDOG_PID. */
  static fromEnv(env: NodeJS.ProcessEnv, log: Logger, pid = process.pid): ServiceNotifier {
    const socket = env.NOTIFY_SOCKET;
    if (!socket) return new ServiceNotifier(null, null, log);
    let transport: NotifyTransport | null = null;
    try {
      transport = libcTransport(socket);
    } catch (err) {
      log.warn("sd_notify.unusable", { err, note: "systemd will not hear readiness or watchdog pings" });
    }
    return new ServiceNotifier(transport, watchdogFromEnv(env, pid), log);
  }

  /** True when a notification socket is in use. */
  get enabled(): boolean {
    return this.transport !== null;
  }

  /** The program is attached and the map reads: systemd may consider the service started. Once. */
  ready(status: string): void {
    if (this.readied) return;
    this.readied = true;
    this.send(`READY=1\nSTATUS=${oneLine(status)}`);
  }

  status(text: string): void {
    this.send(`STATUS=${oneLine(text)}`);
  }

  stopping(status: string): void {
    this.send(`STOPPING=1\nSTATUS=${oneLine(status)}`);
  }

  /** When (monotonicMs() ms, system/clock.ts) the loop must next come round to ping; +Infinity without a watchdog. */
  nextPingAtMs(): number {
    if (this.transport === null || this.watchdogMs === null) return Number.POSITIVE_INFINITY;
    return this.lastPingMs + this.watchdogMs / 2;
  }

  /** Called from the snapshot loop each time it comes round: pings when half the watchdog time has passed. */
  watchdog(nowMs: number): void {
    if (this.transport === null || this.watchdogMs === null) return;
    // 1 ms early still counts: a timer set for the due time may fire a fraction before it.
    if (nowMs + 1 < this.nextPingAtMs()) return;
    this.lastPingMs = nowMs;
    this.send("WATCHDOG=1");
  }

  private send(message: string): void {
    if (this.transport === null) return;
    try {
      this.transport.send(message);
      if (this.failed) this.log.info("sd_notify.recovered", {});
      this.failed = false;
    } catch (err) {
      // Once per failing streak: a manager that went away must not flood the log every ping.
      if (!this.failed) this.log.warn("sd_notify.failed", { err, message: message.split("\n")[0] });
      this.failed = true;
    }
  }
}

/**
 * The watchdog interval asked of this process, ms, or null: $WATCHDOG_USEC (a positive integer), meant
 * for us unless $WATCHDOG_PID names another process (sd_watchdog_enabled(3)).
 */
export function watchdogFromEnv(env: NodeJS.ProcessEnv, pid = process.pid): number | null {
  const usec = env.WATCHDOG_USEC;
  if (!usec || !/^\d+$/.test(usec) || Number(usec) === 0) return null;
  const wpid = env.WATCHDOG_PID;
  if (wpid && wpid !== String(pid)) return null;
  return Number(usec) / 1000;
}

/** A STATUS= value is one line. */
function oneLine(s: string): string {
  return s.replace(/[\r\n]+/g, " ");
}
