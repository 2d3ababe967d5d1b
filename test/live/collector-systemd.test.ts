// The collector under a service manager, with the test as the manager: a real AF_UNIX datagram socket in
// $NOTIFY_SOCKET receives READY=1 (after attach and the first map read), WATCHDOG=1 paced by
// $WATCHDOG_USEC, STATUS=, and STOPPING=1 on SIGTERM, in that order; a loop stuck in a file operation stops
// the pings, so the manager's watchdog fires and its WatchdogSignal (SIGKILL, deploy/ibsr-collect.service)
// ends the run with the XDP link gone. The same run writes --metrics-textfile (promtool-clean), logs with
// journald priorities, and `status --format prometheus` reads its heartbeats (promtool-clean too).
// systemd is not PID 1 in the test container, so no real unit runs here.
import assert from "node:assert/strict";
import { existsSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import {
  type NotifyMessage,
  promtoolCheckMetrics,
  requirePromtool,
  startNotifyReceiver,
} from "@ibsr/collector/testing";
import { heartbeatRelativePath } from "@ibsr/contract";
import {
  collectorArgv,
  delay,
  REPO_ROOT,
  runHost,
  startCollector,
  waitFor,
  withPair,
  xdpOnServer,
} from "../../lab/netns.js";
import { SYSLOG_PRIORITY } from "../../packages/collector/src/log/priority.js";
import { requireLive } from "../harness/live.js";

const PORT = 9000;
/** WatchdogSec of the simulated manager: pings are due every half of it. */
const WATCHDOG_MS = 1000;

const keys = (ms: NotifyMessage[]) =>
  ms.map((m) => Object.keys(m.fields).find((k) => k !== "STATUS") ?? "STATUS");

test("sd_notify in order: READY after attach, WATCHDOG paced by WATCHDOG_USEC, STOPPING on SIGTERM; metrics and priorities", async (t) => {
  if (!requireLive(t) || !requirePromtool(t)) return;
  await withPair("notify", async (pair, out) => {
    const socket = join(out, "notify.sock");
    const textfile = join(out, "metrics", "ibsr.prom");
    const rx = await startNotifyReceiver(socket, 120);
    try {
      const c = startCollector(
        pair,
        join(out, "snapshots"),
        // A snapshot interval far longer than the ping interval: the pings must not wait for snapshots.
        [
          "-p",
          String(PORT),
          "--snapshot-interval-sec",
          "5",
          "--map-size",
          "1024",
          "--metrics-textfile",
          textfile,
          "--log-priority-prefix",
        ],
        { env: { ...process.env, NOTIFY_SOCKET: socket, WATCHDOG_USEC: String(WATCHDOG_MS * 1000) } },
      );
      const ready = await rx.waitFor("READY", 30_000);
      // At READY the program is attached and the first snapshot's map read happened.
      assert.notDeepEqual(await xdpOnServer(pair), [], "XDP attached when READY=1 arrives");
      assert.ok(c.heartbeats().length >= 1, "seq 0 was drained before READY=1");
      assert.match(
        ready.fields.STATUS ?? "",
        new RegExp(`^attached ${pair.serverIf} \\w+, 0 entries \\(0\\.0% of 1024\\), last snapshot 20`),
      );
      await delay(3000);
      const before = rx.messages();
      const pings = before.filter((m) => m.fields.WATCHDOG === "1");
      assert.ok(pings.length >= 4, `pings in 3 s at a ${WATCHDOG_MS} ms watchdog: ${pings.length}`);
      for (let i = 1; i < pings.length; i++)
        assert.ok(
          pings[i]!.atMs - pings[i - 1]!.atMs < WATCHDOG_MS,
          `gap ${pings[i]!.atMs - pings[i - 1]!.atMs} ms`,
        );

      // The textfile after the last cycle: node_exporter-ready, the attach mode as a label.
      assert.ok(existsSync(textfile), "metrics textfile written");
      const prom = readFileSync(textfile, "utf8");
      const check = promtoolCheckMetrics(prom);
      assert.ok(check.ok, `${check.output}\n${prom}`);
      assert.match(
        prom,
        new RegExp(
          `ibsr_collector_info\\{host="test",iface="${pair.serverIf}",xdp_mode="(native|generic)"\\} 1`,
        ),
      );
      assert.match(prom, /^ibsr_map_capacity_entries\{[^}]*\} 1024$/m);

      const r = await c.stop("SIGTERM");
      assert.equal(r.code, 0, r.stderr);
      await rx.waitFor("STOPPING", 5000);
      const all = keys(rx.messages());
      assert.equal(all[0], "READY", all.join(" "));
      assert.equal(all.indexOf("STOPPING"), all.length - 1, `STOPPING=1 is the last word: ${all.join(" ")}`);
      assert.ok(
        all.slice(1, -1).every((k) => k === "WATCHDOG" || k === "STATUS"),
        all.join(" "),
      );
      // The final heartbeat's metrics: stopped.
      assert.match(readFileSync(textfile, "utf8"), /^ibsr_collector_stopped\{[^}]*\} 1$/m);

      // Every log line starts with the priority of its level.
      const lines = r.stderr.split("\n").filter((l) => l !== "");
      assert.ok(lines.length > 3);
      for (const line of lines) {
        const m = /^<(\d)>(\{.*\})$/.exec(line);
        assert.ok(m, `no priority prefix: ${line}`);
        const level = (JSON.parse(m[2]!) as { level: keyof typeof SYSLOG_PRIORITY }).level;
        assert.equal(Number(m[1]), SYSLOG_PRIORITY[level], line);
      }

      // status reads the same heartbeats as metrics (exit 1: the collector stopped).
      const st = await runHost(collectorArgv(["status", join(out, "snapshots"), "--format", "prometheus"]), {
        cwd: REPO_ROOT,
      });
      assert.equal(st.code, 1, st.stderr);
      const stCheck = promtoolCheckMetrics(st.stdout);
      assert.ok(stCheck.ok, `${stCheck.output}\n${st.stdout}`);
      assert.match(st.stdout, /^ibsr_collector_healthy\{[^}]*\} 0$/m);
    } finally {
      await rx.stop();
    }
  });
});

test("watchdog: a cycle stuck in a file operation stops the pings; the manager's SIGKILL leaves no XDP", async (t) => {
  if (!requireLive(t)) return;
  await withPair("watchdog", async (pair, out) => {
    const socket = join(out, "notify.sock");
    const rx = await startNotifyReceiver(socket, 120);
    try {
      const snaps = join(out, "snapshots");
      const c = startCollector(
        pair,
        snaps,
        ["-p", String(PORT), "--snapshot-interval-sec", "1", "--map-size", "1024"],
        {
          env: { ...process.env, NOTIFY_SOCKET: socket, WATCHDOG_USEC: String(WATCHDOG_MS * 1000) },
        },
      );
      await rx.waitFor("READY", 30_000);
      await c.waitForHeartbeats(2);
      // The heartbeat file becomes a FIFO: the next cycle's append opens it and waits for a reader for ever.
      const hb = join(snaps, heartbeatRelativePath("test", pair.serverIf));
      rmSync(hb);
      const mk = await runHost(["mkfifo", hb]);
      assert.equal(mk.code, 0, mk.stderr);
      // The simulated manager: the watchdog fires when no WATCHDOG=1 came for WatchdogSec.
      const lastPing = () =>
        rx
          .messages()
          .filter((m) => m.fields.WATCHDOG === "1")
          .at(-1)?.atMs ?? 0;
      await waitFor(
        () => Date.now() - lastPing() > WATCHDOG_MS,
        15_000,
        () => "pings never stopped",
      );
      // Not a dead process: the event loop still runs (SIGHUP is handled), only the snapshot loop is stuck,
      // and the pings stay away for several watchdog periods.
      const firedAt = Date.now();
      c.proc.kill("SIGHUP");
      await waitFor(
        () => c.logs().some((l) => l.event === "run.sighup"),
        5000,
        () => c.proc.stderr(),
      );
      await delay(2 * WATCHDOG_MS);
      assert.ok(lastPing() < firedAt, "no ping after the watchdog fired");
      assert.equal(c.proc.child.exitCode, null, "still running: only a watchdog would end it");
      // WatchdogSignal=SIGKILL: the kernel destroys the bpf_link with the process.
      c.proc.kill("SIGKILL");
      await c.proc.exited;
      await waitFor(
        async () => (await xdpOnServer(pair)).length === 0,
        5000,
        () => "XDP still attached",
      );
    } finally {
      await rx.stop();
    }
  });
});
