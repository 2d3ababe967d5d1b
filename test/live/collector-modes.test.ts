// --xdp-mode auto tries native XDP first and falls back to generic, saying why: on a bridge device (no
// native XDP in its driver) the collector logs the native failure, attaches in generic mode and records
// that mode in the snapshot metadata. --xdp-mode native on the same device fails with a hint instead.
import assert from "node:assert/strict";
import { test } from "node:test";
import { collectorArgv, duckdbRows, parseLogs, REPO_ROOT, withPair } from "../../lab/netns.js";
import { requireLive } from "../harness/live.js";

test("auto mode falls back to generic XDP where the driver has no native XDP, and says so", async (t) => {
  if (!requireLive(t)) return;
  const bridge = `ib${process.pid}`.slice(0, 15);
  await withPair("modes", async (pair, out) => {
    // The bridge lives in the server namespace and goes away with it.
    for (const argv of [
      ["ip", "link", "add", bridge, "type", "bridge"],
      ["ip", "link", "set", bridge, "up"],
    ]) {
      const r = await pair.run(pair.server, argv);
      assert.equal(r.code, 0, r.stderr);
    }
    const run = (mode: string) =>
      pair.run(
        pair.server,
        collectorArgv([
          "run",
          "-i",
          bridge,
          "-p",
          "443",
          "-o",
          out,
          "--json-logs",
          "--xdp-mode",
          mode,
          "--duration-sec",
          "0",
        ]),
        { cwd: REPO_ROOT, timeoutMs: 60_000 },
      );

    const auto = await run("auto");
    assert.equal(auto.code, 0, auto.stderr);
    const logs = parseLogs(auto.stderr);
    const fallback = logs.find((l) => l.event === "xdp.native_unavailable");
    assert.ok(fallback, `the fallback is logged: ${auto.stderr}`);
    assert.equal(fallback.fallback, "generic");
    assert.ok(typeof fallback.errno === "string" && fallback.errno.length > 0, "with the errno");
    assert.equal(logs.find((l) => l.event === "run.attached")?.xdp_mode, "generic");
    const kv = await duckdbRows(
      `SELECT DISTINCT decode(value) AS v FROM parquet_kv_metadata('${out}/host=*/date=*/*.parquet') WHERE decode(key) = 'ibsr.xdp_mode'`,
    );
    assert.deepEqual(
      kv.map((r) => r.v),
      ["generic"],
    );

    const native = await run("native");
    assert.equal(native.code, 3, native.stderr);
    const failed = parseLogs(native.stderr).find((l) => l.event === "run.failed");
    assert.match(String(failed?.hint), /--xdp-mode generic/, "suggests generic mode");
    const link = await pair.run(pair.server, ["ip", "-j", "link", "show", "dev", bridge]);
    assert.equal(
      (JSON.parse(link.stdout) as { xdp?: unknown }[])[0]?.xdp,
      undefined,
      "nothing left attached",
    );
  });
});
