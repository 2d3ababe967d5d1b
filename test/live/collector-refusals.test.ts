// Refusals: each ends with a clear error, a non-zero exit and nothing attached to the interface.
// - no capabilities (setpriv drops them all, uid stays 0): the kernel says EPERM, the hint says why;
// - an object the kernel verifier rejects (passes our safety rules, reads a packet byte without a bounds
//   check): the verifier log is summarised;
// - an object our safety verifier rejects (returns something other than XDP_PASS): refused before load.
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import {
  collectorArgv,
  type NetnsPair,
  parseLogs,
  REPO_ROOT,
  withPair,
  xdpOnServer,
} from "../../lab/netns.js";
import { requireLive } from "../harness/live.js";
import { compileVariant as compile } from "./bpf-compile.js";

async function runRefused(pair: NetnsPair, prefix: string[], args: string[], out: string) {
  const argv = [...prefix, ...collectorArgv(["run", "-i", pair.serverIf, "-o", out, "--json-logs", ...args])];
  const r = await pair.run(pair.server, argv, { timeoutMs: 60_000, cwd: REPO_ROOT });
  return { ...r, logs: parseLogs(r.stderr) };
}

test("without capabilities: a clear EPERM error, a non-zero exit, nothing attached", async (t) => {
  if (!requireLive(t)) return;
  await withPair("nocaps", async (pair, out) => {
    const r = await runRefused(
      pair,
      ["/usr/bin/setpriv", "--inh-caps=-all", "--ambient-caps=-all", "--bounding-set=-all", "--"],
      ["-p", "443", "--duration-sec", "2"],
      out,
    );
    assert.equal(r.code, 3, `exit code 3 (environment): ${r.stderr}`);
    const failed = r.logs.find((l) => l.event === "run.failed");
    assert.ok(failed, r.stderr);
    assert.equal(failed.errno, "EPERM");
    assert.match(String(failed.hint), /root|CAP_BPF/);
    assert.deepEqual(await xdpOnServer(pair), []);
  });
});

test("a program the kernel verifier rejects: the verifier log summarised, nothing attached", async (t) => {
  if (!requireLive(t)) return;
  await withPair("reject", async (pair, dir) => {
    // A packet read with no bounds check: our rules allow loads, the kernel verifier does not.
    const obj = compile(
      dir,
      "unbounded",
      "  volatile __u8 x = *(__u8 *)(long)ctx->data;\n  (void)x;\n  return XDP_PASS;",
    );
    const r = await runRefused(
      pair,
      [],
      ["-p", "443", "--object", obj, "--duration-sec", "2"],
      join(dir, "out"),
    );
    assert.equal(r.code, 3, r.stderr);
    const rejected = r.logs.find((l) => l.event === "bpf.load_rejected");
    assert.ok(rejected, `verifier log summarised: ${r.stderr}`);
    assert.match(
      String(rejected.log_tail),
      /invalid access to packet|R\d+ invalid mem access|processed \d+ insns/,
    );
    assert.match(String(rejected.hint), /-v/);
    assert.ok(r.logs.some((l) => l.event === "run.failed" && /loading .* failed/.test(String(l.error))));
    assert.deepEqual(await xdpOnServer(pair), []);

    // At -v the whole log goes through the logger as libbpf lines.
    const v = await runRefused(
      pair,
      [],
      ["-v", "-p", "443", "--object", obj, "--duration-sec", "2"],
      join(dir, "out"),
    );
    assert.equal(v.code, 3);
    assert.ok(v.logs.filter((l) => l.event === "libbpf").length > 3, "libbpf's messages at -v");
  });
});

test("an object the safety verifier rejects: exit 4 with the findings, nothing loaded or attached", async (t) => {
  if (!requireLive(t)) return;
  await withPair("unsafe", async (pair, dir) => {
    const obj = compile(dir, "drops", "  return 1;");
    const r = await runRefused(
      pair,
      [],
      ["-p", "443", "--object", obj, "--duration-sec", "2"],
      join(dir, "out"),
    );
    assert.equal(r.code, 4, r.stderr);
    const findings = r.logs.filter((l) => l.event === "object.unsafe");
    assert.ok(
      findings.some((f) => f.rule === "exit-returns-pass"),
      r.stderr,
    );
    assert.deepEqual(await xdpOnServer(pair), []);
  });
});

test("an output directory that cannot be created or written: exit 3 within seconds, nothing attached", async (t) => {
  if (!requireLive(t)) return;
  await withPair("outdir", async (pair, dir) => {
    const file = join(dir, "a-file");
    writeFileSync(file, "x");
    // Under /proc Node's recursive mkdir used to spin for ever (ignoring --duration-sec and SIGTERM); a
    // plain file in the path is ENOTDIR. Each is refused at start-up, before attaching.
    for (const out of [`/proc/ibsr-test-${process.pid}`, join(file, "out")]) {
      const started = Date.now();
      const argv = collectorArgv([
        "run",
        "-i",
        pair.serverIf,
        "-o",
        out,
        "--json-logs",
        "-p",
        "443",
        "--duration-sec",
        "2",
      ]);
      const res = await pair.run(pair.server, argv, { timeoutMs: 30_000, cwd: REPO_ROOT });
      const r = { ...res, logs: parseLogs(res.stderr) };
      assert.equal(r.signal, null, `${out}: still running after 30 s (a 2 s run): ${r.stderr.slice(-500)}`);
      assert.equal(r.code, 3, `${out}: ${r.stderr}`);
      // The process's start-up (tsx, libbpf, load) takes a few seconds; the check itself under one.
      assert.ok(Date.now() - started < 20_000, `${out}: ${Date.now() - started} ms`);
      const failed = r.logs.find((l) => l.event === "run.failed");
      assert.match(String(failed?.error), /output directory/, r.stderr);
      assert.ok(!r.logs.some((l) => l.event === "run.attached"), r.stderr);
      assert.deepEqual(await xdpOnServer(pair), []);
    }
  });
});
