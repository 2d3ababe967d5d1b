// Fail-open: the XDP program is attached through a bpf_link, so however the collector ends (even SIGKILL)
// the kernel removes it and traffic keeps flowing. A second collector on a busy
// interface refuses, naming the program holding it, and attaches nothing.
import assert from "node:assert/strict";
import { join } from "node:path";
import { test } from "node:test";
import { startCollector, waitFor, withPair, xdpOnServer } from "../../lab/netns.js";
import { requireLive } from "../harness/live.js";

const PORT = 9443;

test("kill -9 of the collector leaves no XDP program on the interface, and traffic still flows", async (t) => {
  if (!requireLive(t)) return;
  await withPair("kill", async (pair, out) => {
    await pair.startTcpServer(PORT);
    const c = startCollector(pair, out, [
      "-p",
      String(PORT),
      "--snapshot-interval-sec",
      "0.5",
      "--map-size",
      "1024",
    ]);
    await c.waitForHeartbeats(1);
    const [xdp] = (await xdpOnServer(pair)) as { prog?: { name: string } }[];
    assert.equal(xdp?.prog?.name, "ibsr_xdp", "attached while running");
    const before = await pair.tcpConnections(4, PORT, 2, 1000);
    assert.equal(before[0]?.received, before[0]?.sent);

    const r = await c.stop("SIGKILL");
    assert.equal(r.signal, "SIGKILL");
    // The link's last fd closed with the process: the kernel detaches (asynchronously on some kernels).
    await waitFor(
      async () => (await xdpOnServer(pair)).length === 0,
      5000,
      () => "XDP still attached after kill -9",
    );
    const after = await pair.tcpConnections(4, PORT, 2, 100_000);
    const after6 = await pair.tcpConnections(6, PORT, 1, 100_000);
    for (const x of [...after, ...after6]) assert.equal(x.received, x.sent, "traffic flows after the kill");
  });
});

test("an interface already holding an XDP program is refused, naming it; nothing else is attached", async (t) => {
  if (!requireLive(t)) return;
  await withPair("busy", async (pair, dir) => {
    const out1 = join(dir, "first");
    const out2 = join(dir, "second");
    const first = startCollector(pair, out1, [
      "-p",
      String(PORT),
      "--snapshot-interval-sec",
      "0.5",
      "--map-size",
      "1024",
    ]);
    await first.waitForHeartbeats(1);
    const [xdp] = (await xdpOnServer(pair)) as { prog?: { id: number; name: string } }[];
    const id = xdp?.prog?.id;
    assert.ok(id, "first collector attached");

    const second = startCollector(pair, out2, [
      "-p",
      String(PORT),
      "--map-size",
      "1024",
      "--duration-sec",
      "5",
    ]);
    const r = await second.proc.exited;
    assert.equal(r.code, 3, `environment exit code: ${r.stderr}`);
    const failed = second.logs().find((l) => l.event === "run.failed");
    assert.ok(failed, r.stderr);
    assert.match(String(failed.error), new RegExp(`ibsr_xdp \\(id ${id}\\)`), "names the program and its id");
    assert.match(String(failed.hint), /ip link show dev .*bpftool net show dev/, "says how to see it");
    // Still exactly the first collector's program.
    const now = (await xdpOnServer(pair)) as { prog?: { id: number } }[];
    assert.equal(now.length, 1);
    assert.equal(now[0]?.prog?.id, id);
    assert.equal(second.heartbeats().length, 0, "the refused collector wrote nothing");
    const stop = await first.stop("SIGTERM");
    assert.equal(stop.code, 0);
  });
});
