import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { EnvironmentError } from "../errors.js";
import { ExitCode } from "../exit-codes.js";
import { prepareOutDir, removeCreatedDirs } from "./out-dir.js";

test("an output directory that cannot be created is an environment error (exit 3) within a second", async () => {
  const dir = mkdtempSync(join(tmpdir(), "ibsr-outdir-"));
  try {
    writeFileSync(join(dir, "file"), "x");
    const cases: [string, RegExp][] = [
      [join("/proc", `ibsr-test-${process.pid}`), /ENOENT/],
      [join(dir, "file", "out"), /ENOTDIR/],
    ];
    for (const [out, errno] of cases) {
      const started = performance.now();
      await assert.rejects(prepareOutDir(out, "h"), (err: unknown) => {
        assert.ok(err instanceof EnvironmentError, String(err));
        assert.equal(err.exitCode, ExitCode.ENVIRONMENT);
        assert.match(err.message, /^output directory .*: cannot mkdir /);
        assert.match(String(err.errnoName), errno);
        assert.match(String(err.hint), /nothing was attached/);
        return true;
      });
      assert.ok(performance.now() - started < 1000, `${out}: ${performance.now() - started} ms`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("a writable output directory: the host folder is created and the probe file removed", async () => {
  const dir = mkdtempSync(join(tmpdir(), "ibsr-outdir-"));
  try {
    const created = await prepareOutDir(join(dir, "a", "b"), "web1");
    assert.deepEqual(readdirSync(join(dir, "a", "b")), ["host=web1"]);
    assert.deepEqual(readdirSync(join(dir, "a", "b", "host=web1")), []);
    assert.deepEqual(created, [join(dir, "a"), join(dir, "a", "b"), join(dir, "a", "b", "host=web1")]);
    assert.deepEqual(await prepareOutDir(join(dir, "a", "b"), "web1"), [], "nothing new the second time");
    // Removing what it made removes only empty folders: a file keeps its folder and everything above.
    writeFileSync(join(dir, "a", "keep"), "user data");
    await removeCreatedDirs(created);
    assert.deepEqual(readdirSync(join(dir, "a")), ["keep"]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
