// `ibsr-report compact` as an operator meets it (spawned processes): help, exit codes (0 done or nothing to
// do, 1 a file left out, 2 usage), the typo suggestion, and a report over the compacted tree.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { after, describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { COMPACTED_FILE_NAME } from "@ibsr/contract";
import { steady, writeParquetRun } from "@ibsr/report/testing";
import { compactHelp } from "../packages/report/src/commands/compact.js";

const here = dirname(fileURLToPath(import.meta.url));
const cli = join(here, "../packages/report/src/cli.ts");
const root = mkdtempSync(join(tmpdir(), "ibsr-report-compact-cli-"));
after(() => rmSync(root, { recursive: true, force: true }));
const BASE = 1_700_000_000;
const data = join(root, "snaps");
for (const host of ["a", "b"])
  writeParquetRun(data, {
    host,
    baseTs: BASE,
    intervalSec: 60,
    snapshots: steady(BASE, 60, 6, (i) => [
      { src: "198.18.0.1", port: 80, syn: 5 * i, packets: 10, bytes: 100 },
    ]),
  });
const day = (host: string) => {
  const h = join(data, `host=${host}`);
  return join(h, readdirSync(h).find((n) => n.startsWith("date="))!);
};

function run(args: string[]) {
  const r = spawnSync(process.execPath, ["--import", import.meta.resolve("tsx"), cli, ...args], {
    cwd: root,
    encoding: "utf8",
    timeout: 120_000,
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

describe("ibsr-report compact (CLI)", () => {
  test("help exits 0 and fits 100 columns; no directory is a usage error; a typo gets the command", () => {
    const h = run(["compact", "--help"]);
    assert.equal(h.code, 0, h.err);
    assert.match(h.out, /^ibsr-report compact <dir>\.\.\./);
    assert.match(h.out, /--remove-sources/);
    for (const line of compactHelp(100).split("\n")) assert.ok(line.length <= 100, line);
    assert.match(run(["--help"]).out, /ibsr-report compact <dir>/);
    const none = run(["compact"]);
    assert.equal(none.code, 2);
    assert.match(none.err, /give at least one snapshot directory/);
    const typo = run(["compcat", data]);
    assert.equal(typo.code, 2);
    assert.match(typo.err, /did you mean "compact"/);
  });

  test("exit 1 names a file left out; the rest is compacted; a second run has nothing to do", () => {
    const bad = join(day("a"), readdirSync(day("a")).find((n) => n.endsWith(".parquet"))!);
    writeFileSync(bad, "PAR1 but not really");
    const r = run(["compact", data, "--remove-sources"]);
    assert.equal(r.code, 1, r.err);
    assert.ok(r.err.includes(`${bad}: left out (not merged, not removed)`), r.err);
    assert.match(r.out, /2 folder\(s\) compacted, 0 up to date/);
    assert.ok(existsSync(bad));
    assert.ok(existsSync(join(day("b"), COMPACTED_FILE_NAME)));
    rmSync(bad);
    const again = run(["compact", data]);
    assert.equal(again.code, 0, again.err);
    assert.match(again.out, /0 folder\(s\) compacted, 2 up to date/);
    const rep = run([data, "--json", "-q", "--format", "json", "-o", join(root, "out")]);
    assert.equal(rep.code, 0, rep.err);
    const doc = JSON.parse(rep.out) as { input: { snapshots: number; parquet_files: number } };
    assert.deepEqual([doc.input.snapshots, doc.input.parquet_files], [11, 2]);
  });
});
