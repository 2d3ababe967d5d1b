import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { createLogger } from "../log/logger.js";
import { startNotifyReceiver } from "../testing/notify-socket.js";
import {
  libcTransport,
  NotifySocketError,
  ServiceNotifier,
  sockaddrUn,
  watchdogFromEnv,
} from "./sd-notify.js";

function captureLog() {
  const lines: string[] = [];
  const log = createLogger({ json: true, level: "debug", stream: { write: (s: string) => lines.push(s) } });
  return { log, events: () => lines.map((l) => (JSON.parse(l) as { event: string }).event) };
}

test("sockaddr_un: a path is NUL-terminated, an abstract name has a NUL for its '@' and no terminator", () => {
  const p = sockaddrUn("/run/systemd/notify");
  assert.equal(p.addr.readUInt16LE(0), 1);
  assert.equal(p.addr.subarray(2, p.len).toString("latin1"), "/run/systemd/notify\0");
  const a = sockaddrUn("@abc");
  assert.equal(a.len, 2 + 4);
  assert.deepEqual([...a.addr.subarray(2, a.len)], [0, 0x61, 0x62, 0x63]);
  assert.throws(() => sockaddrUn("vsock:2:1234"), NotifySocketError);
  assert.throws(() => sockaddrUn(`/${"x".repeat(107)}`), /longer than 107 bytes/);
});

test("datagrams reach a real AF_UNIX socket, by path and by abstract name, in order", async () => {
  const dir = mkdtempSync(join(tmpdir(), "ibsr-notify-"));
  const names = [join(dir, "notify"), `@ibsr-notify-test-${process.pid}`];
  try {
    for (const name of names) {
      const rx = await startNotifyReceiver(name, 30);
      try {
        const t = libcTransport(name);
        t.send("READY=1\nSTATUS=one");
        t.send("WATCHDOG=1");
        t.send("STOPPING=1");
        await rx.waitFor("STOPPING", 5000);
        assert.deepEqual(
          rx.messages().map((m) => m.text),
          ["READY=1\nSTATUS=one", "WATCHDOG=1", "STOPPING=1"],
          name,
        );
      } finally {
        await rx.stop();
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("a socket nobody listens on is reported once per streak, never thrown", () => {
  const dir = mkdtempSync(join(tmpdir(), "ibsr-notify-"));
  try {
    const { log, events } = captureLog();
    const n = ServiceNotifier.fromEnv({ NOTIFY_SOCKET: join(dir, "nobody") }, log);
    assert.equal(n.enabled, true);
    n.ready("x");
    n.status("y");
    assert.deepEqual(events(), ["sd_notify.failed"]);
    assert.throws(
      () => libcTransport(join(dir, "nobody")).send("X=1"),
      (e: Error & { errnoName?: string }) => {
        assert.equal(e.errnoName, "ENOENT");
        return true;
      },
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("without NOTIFY_SOCKET nothing is sent and the loop is never woken for a watchdog", () => {
  const { log, events } = captureLog();
  const n = ServiceNotifier.fromEnv({ WATCHDOG_USEC: "1000000" }, log);
  assert.equal(n.enabled, false);
  assert.equal(n.nextPingAtMs(), Number.POSITIVE_INFINITY);
  n.ready("x");
  n.watchdog(1e9);
  assert.deepEqual(events(), []);
});

test("WATCHDOG_USEC: a positive integer, for this process unless WATCHDOG_PID names another", () => {
  assert.equal(watchdogFromEnv({ WATCHDOG_USEC: "180000000" }, 7), 180_000);
  assert.equal(watchdogFromEnv({ WATCHDOG_USEC: "180000000", WATCHDOG_PID: "7" }, 7), 180_000);
  assert.equal(watchdogFromEnv({ WATCHDOG_USEC: "180000000", WATCHDOG_PID: "8" }, 7), null);
  assert.equal(watchdogFromEnv({ WATCHDOG_USEC: "0" }, 7), null);
  assert.equal(watchdogFromEnv({ WATCHDOG_USEC: "-5" }, 7), null);
  assert.equal(watchdogFromEnv({}, 7), null);
});

test("watchdog pings are paced at half of WatchdogSec, READY is sent once", async () => {
  const dir = mkdtempSync(join(tmpdir(), "ibsr-notify-"));
  const name = join(dir, "notify");
  const rx = await startNotifyReceiver(name, 30);
  try {
    const n = ServiceNotifier.fromEnv({ NOTIFY_SOCKET: name, WATCHDOG_USEC: "2000000" }, captureLog().log);
    n.ready("a");
    n.ready("b");
    n.watchdog(10_000); // first ping at once
    assert.equal(n.nextPingAtMs(), 11_000);
    n.watchdog(10_500); // too early: nothing
    n.watchdog(10_999.5); // within 1 ms of due: sent
    n.watchdog(12_000);
    n.stopping("bye");
    await rx.waitFor("STOPPING", 5000);
    assert.deepEqual(
      rx.messages().map((m) => m.text),
      ["READY=1\nSTATUS=a", "WATCHDOG=1", "WATCHDOG=1", "WATCHDOG=1", "STOPPING=1\nSTATUS=bye"],
    );
  } finally {
    await rx.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});
