// SIGTERM/SIGINT in the middle of a report: the compiled CLI removes its staging directory and DuckDB's
// spill directory, and exits 128+signo.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { after, test } from "node:test";
import { fileURLToPath } from "node:url";
import { steady, writeParquetRun } from "@ibsr/report/testing";

const here = dirname(fileURLToPath(import.meta.url));
const cli = join(here, "../packages/report/dist/cli.js"); // rebuilt by `npx tsc -b`
const root = mkdtempSync(join(tmpdir(), "ibsr-report-signals-"));
after(() => rmSync(root, { recursive: true, force: true }));
const BASE = 1_700_000_000;
const data = join(root, "snaps");
// Big enough that reading takes a second or two after the engine has started.
writeParquetRun(data, {
  baseTs: BASE,
  intervalSec: 60,
  snapshots: steady(BASE, 60, 40, (i) =>
    Array.from({ length: 3000 }, (_, j) => ({
      src: `10.${j >> 8}.${j & 255}.${i % 3}`,
      port: 80,
      syn: 5 + (j % 7),
      packets: 10,
      bytes: 100,
    })),
  ),
});

for (const [sig, code] of [
  ["SIGTERM", 143],
  ["SIGINT", 130],
] as const)
  test(`${sig} mid-run: exit ${code}, no staging directory, no spill directory`, async () => {
    assert.ok(existsSync(cli), "build first: npx tsc -b");
    const privateTmp = join(root, `tmp-${sig}`);
    const work = join(root, `work-${sig}`);
    mkdirSync(privateTmp);
    mkdirSync(work);
    const out = join(work, "out");
    const child = spawn(process.execPath, [cli, data, "-o", out, "-q"], {
      cwd: work,
      env: { ...process.env, TMPDIR: privateTmp },
      stdio: ["ignore", "ignore", "pipe"],
    });
    let stderr = "";
    child.stderr.on("data", (b) => {
      stderr += b;
    });
    const exited = new Promise<{ code: number | null; signal: string | null }>((res) =>
      child.on("exit", (c, s) => res({ code: c, signal: s })),
    );
    // Wait until both temporaries exist: the engine is running on its spill directory.
    const t0 = Date.now();
    for (;;) {
      const spill = readdirSync(privateTmp).some((n) => n.startsWith("ibsr-report-duckdb-"));
      const staging = readdirSync(work).some((n) => n.includes(".tmp-"));
      if (spill && staging) break;
      assert.equal(child.exitCode, null, `the run ended before it could be interrupted: ${stderr}`);
      assert.ok(Date.now() - t0 < 60_000, "temporaries never appeared");
      await new Promise((r) => setTimeout(r, 10));
    }
    child.kill(sig);
    const r = await exited;
    assert.deepEqual(r, { code, signal: null }, stderr);
    assert.match(stderr, new RegExp(`stopped by ${sig}`));
    assert.deepEqual(readdirSync(privateTmp), [], "spill directory left");
    assert.deepEqual(readdirSync(work), [], "staging directory or partial report left");
  });
