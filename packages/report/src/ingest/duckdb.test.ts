import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { withDuckDB } from "./duckdb.js";

test("a failed engine configuration leaves no spill directory behind", async () => {
  const privateTmp = mkdtempSync(join(tmpdir(), "ibsr-duckdb-tmp-"));
  const saved = process.env.TMPDIR;
  process.env.TMPDIR = privateTmp; // os.tmpdir() reads it on every call
  try {
    await assert.rejects(
      withDuckDB({ memoryLimit: "lots" }, async () => 1),
      /Failed to set config|memory/i,
    );
    assert.equal(await withDuckDB({}, async () => 2), 2);
  } finally {
    if (saved === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = saved;
  }
  try {
    assert.deepEqual(readdirSync(privateTmp), []);
  } finally {
    rmSync(privateTmp, { recursive: true, force: true });
  }
});
