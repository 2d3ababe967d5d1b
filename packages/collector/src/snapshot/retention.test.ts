import assert from "node:assert/strict";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { describe, test } from "node:test";
import { applyRetention } from "./retention.js";

const NOW = new Date("2026-11-26T12:00:00Z");

/** Creates `rel` under `dir` with an mtime `ageSec` before NOW. */
function put(dir: string, rel: string, ageSec: number): string {
  const path = join(dir, rel);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, "x");
  const t = new Date(NOW.getTime() - ageSec * 1000);
  utimesSync(path, t, t);
  return path;
}

function tree(dir: string): string[] {
  return readdirSync(dir, { recursive: true }).map(String).sort();
}

describe("applyRetention", () => {
  test("by count across hosts, runs and interfaces, oldest first", async () => {
    const dir = mkdtempSync(join(tmpdir(), "ibsr-ret-"));
    try {
      const a = put(dir, "host=a/date=2026-11-24/ibsr-eth0-r1-00000000.parquet", 5000);
      const b = put(dir, "host=b/date=2026-11-25/ibsr-eth1-r2-00000000.parquet", 4000);
      const c = put(dir, "host=a/date=2026-11-26/ibsr-eth0-r3-00000000.parquet", 3000);
      const d = put(dir, "host=a/date=2026-11-26/ibsr-eth0-r3-00000001.parquet", 2000);
      const res = await applyRetention(dir, { maxFiles: 2, maxAgeSec: 86_400 }, { now: NOW });
      assert.deepEqual(res.removed, [a, b]);
      assert.equal(res.kept, 2);
      assert.ok(existsSync(c) && existsSync(d));
      // Emptied date folders go; the emptied host=b folder too.
      assert.deepEqual(
        res.removedDirs.sort(),
        [
          join(dir, "host=a/date=2026-11-24"),
          join(dir, "host=b"),
          join(dir, "host=b/date=2026-11-25"),
        ].sort(),
      );
      assert.deepEqual(res.errors, []);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("by age, never the protected file, never foreign files", async () => {
    const dir = mkdtempSync(join(tmpdir(), "ibsr-ret-"));
    try {
      const old = put(dir, "host=a/date=2026-11-10/ibsr-eth0-r1-00000000.parquet", 16 * 86_400);
      const current = put(dir, "host=a/date=2026-11-10/ibsr-eth0-r1-00000001.parquet", 16 * 86_400);
      const fresh = put(dir, "host=a/date=2026-11-26/ibsr-eth0-r1-00000002.parquet", 60);
      const foreign = [
        put(dir, "host=a/date=2026-11-10/notes.parquet", 99 * 86_400),
        put(dir, "host=a/date=2026-11-10/ibsr-eth0-r1-00000003.parquet.bak", 99 * 86_400),
        put(dir, "host=a/status-eth0.jsonl", 99 * 86_400),
        put(dir, "other/ibsr-eth0-r1-00000000.parquet", 99 * 86_400),
        put(dir, "ibsr-eth0-r1-00000000.parquet", 99 * 86_400),
      ];
      const res = await applyRetention(
        dir,
        { maxFiles: 100, maxAgeSec: 7 * 86_400 },
        { now: NOW, protect: [current] },
      );
      assert.deepEqual(res.removed, [old]);
      for (const f of [current, fresh, ...foreign]) assert.ok(existsSync(f), f);
      assert.equal(res.kept, 2);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("crash leftovers (temp files) go after an hour, fresh ones stay", async () => {
    const dir = mkdtempSync(join(tmpdir(), "ibsr-ret-"));
    try {
      const stale = put(dir, "host=a/date=2026-11-26/.ibsr-eth0-r1-00000004.parquet.tmp-4242", 7200);
      const live = put(dir, "host=a/date=2026-11-26/.ibsr-eth0-r1-00000005.parquet.tmp-4242", 5);
      const res = await applyRetention(dir, { maxFiles: 10, maxAgeSec: 86_400 }, { now: NOW });
      assert.deepEqual(res.removedTemps, [stale]);
      assert.ok(existsSync(live));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("a missing out dir is nothing to do", async () => {
    const res = await applyRetention("/nonexistent/ibsr", { maxFiles: 1, maxAgeSec: 1 }, { now: NOW });
    assert.deepEqual(res, { removed: [], removedTemps: [], removedDirs: [], kept: 0, errors: [] });
  });

  test("the protected file survives even when the count says otherwise", async () => {
    const dir = mkdtempSync(join(tmpdir(), "ibsr-ret-"));
    try {
      const only = put(dir, "host=a/date=2026-11-26/ibsr-eth0-r1-00000000.parquet", 999_999);
      const res = await applyRetention(dir, { maxFiles: 1, maxAgeSec: 1 }, { now: NOW, protect: [only] });
      assert.deepEqual(res.removed, []);
      assert.deepEqual(tree(dir), [
        "host=a",
        "host=a/date=2026-11-26",
        "host=a/date=2026-11-26/ibsr-eth0-r1-00000000.parquet",
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
