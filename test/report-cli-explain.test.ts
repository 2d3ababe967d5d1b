// `ibsr-report explain` as an operator runs it: text and --json on stdout, exit codes, its own help, and a
// directory literally named "explain" still reportable.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { after, describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { steady, writeParquetRun } from "@ibsr/report/testing";

const here = dirname(fileURLToPath(import.meta.url));
const cli = join(here, "../packages/report/src/cli.ts");
const root = mkdtempSync(join(tmpdir(), "ibsr-report-explain-cli-"));
after(() => rmSync(root, { recursive: true, force: true }));
const BASE = 1_700_000_000;

function run(args: string[], cwd = root) {
  const r = spawnSync(process.execPath, ["--import", import.meta.resolve("tsx"), cli, ...args], {
    cwd,
    encoding: "utf8",
    timeout: 120_000,
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

const snapshots = (d: string) =>
  writeParquetRun(d, {
    baseTs: BASE,
    intervalSec: 60,
    snapshots: steady(BASE, 60, 12, (i) => [
      ...Array.from({ length: 12 }, (_, j) => ({
        src: `198.18.100.${j + 1}`,
        port: 80,
        syn: 6,
        handshake_ack: 6,
        packets: 120,
        bytes: 12_000,
      })),
      ...(i >= 4 && i <= 6
        ? [{ src: "198.18.5.5", port: 80, syn: 12_000, packets: 12_000, bytes: 720_000 }]
        : []),
    ]),
  });
const data = join(root, "snaps");
snapshots(data);

describe("ibsr-report explain", () => {
  test("prints the key's intervals, block window and verdict; --json is one document", () => {
    const r = run(["explain", "198.18.5.5", data, "--allowlist", "/dev/null"]);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /== 198\.18\.5\.5:80: BLOCKED \(SYN_FLOOD_LIKE\)/);
    assert.match(r.out, /SYN_FLOOD_LIKE fires/);
    assert.match(
      r.out,
      /Block windows:\n {2}2023-11-14 22:17:20 UTC to 2023-11-14 22:24:20 UTC \(7 min\) on host-a\/eth0: 3 fires, 2 re-arms/,
    );
    assert.match(r.out, /would have been BLOCKED as SYN_FLOOD_LIKE/);
    const j = run(["explain", "198.18.5.5", data, "--json", "--syn-rate-threshold", "1000"]);
    assert.equal(j.code, 0, j.err);
    const doc = JSON.parse(j.out);
    assert.equal(doc.config.syn_rate_threshold, 1000, "threshold flags are the report's");
    assert.equal(doc.keys[0].decision, "allow", "200 SYN/s is below a threshold of 1000");
    assert.match(doc.keys[0].intervals[0].why_not[0], /syn_rate 200\/s < syn_rate_threshold 1,000\/s/);
  });

  test("the window flags are the report's: --since -5m keeps the last five intervals", () => {
    const doc = JSON.parse(run(["explain", "198.18.100.1", data, "--json", "--since", "-5m"]).out);
    assert.equal(doc.window.intervals, 5);
    assert.equal(doc.keys[0].intervals.length, 5);
  });

  test("an address never seen: exit 0, 'no traffic'", () => {
    const r = run(["explain", "198.18.77.77", data]);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /No traffic from 198\.18\.77\.77 in the window/);
  });

  test("exit 2: invalid address, missing directory, no address; exit 3: bad allowlist", () => {
    const bad = run(["explain", "198.18.300.1", data]);
    assert.equal(bad.code, 2);
    assert.match(bad.err, /explain: invalid address "198\.18\.300\.1"/);
    const noDir = run(["explain", "198.18.5.5"]);
    assert.equal(noDir.code, 2);
    assert.match(noDir.err, /give at least one directory of snapshots/);
    const none = run(["explain"]);
    assert.equal(none.code, 2);
    assert.match(none.err, /ibsr-report \.\/explain/);
    const flag = run(["explain", "198.18.5.5", data, "--min-syn", "x"]);
    assert.equal(flag.code, 2);
    assert.match(flag.err, /--min-syn "x": not a number/);
    const al = join(root, "bad-allow.txt");
    writeFileSync(al, "198.18.0.0/99\n");
    const badAl = run(["explain", "198.18.5.5", data, "--allowlist", al]);
    assert.equal(badAl.code, 3);
  });

  test("explain --help is its own; ibsr-report --help names the subcommand", () => {
    const h = run(["explain", "--help"]);
    assert.equal(h.code, 0, h.err);
    assert.match(h.out, /ibsr-report explain <address\|CIDR> <dir>\.\.\./);
    assert.match(h.out, /--syn-rate-threshold/);
    assert.match(h.out, /--since/);
    assert.doesNotMatch(h.out, /--format/);
    const top = run(["--help"]);
    assert.equal(top.code, 0);
    assert.match(top.out, /ibsr-report explain <address\|CIDR> <dir>\.\.\./);
  });

  test("a directory named explain is reported as ./explain or after --", () => {
    const cwd = mkdtempSync(join(root, "cwd-"));
    snapshots(join(cwd, "explain"));
    for (const [i, args] of [["./explain"], ["--", "explain"]].entries()) {
      const out = join(cwd, `out-${i}`);
      const r = run(["-o", out, "--format", "json", "-q", ...args], cwd);
      assert.equal(r.code, 0, `${args.join(" ")}: ${r.err}`);
      assert.ok(existsSync(join(out, "summary.json")));
    }
    // As the first word it is the subcommand, and the next word must then be an address.
    const r = run(["explain", "-o", "x"], cwd);
    assert.equal(r.code, 2);
  });
});
