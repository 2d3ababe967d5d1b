import assert from "node:assert/strict";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { stageOutput } from "./output.js";

test("files appear only on commit, replacing an older report; abort leaves nothing", () => {
  const root = mkdtempSync(join(tmpdir(), "ibsr-output-"));
  const target = join(root, "report");
  mkdirSync(target);
  writeFileSync(join(target, "old.txt"), "old");
  const s = stageOutput(target);
  s.write("summary.json", "{}\n");
  assert.ok(existsSync(join(target, "old.txt")), "the old report stays until commit");
  assert.ok(!existsSync(join(target, "summary.json")));
  s.commit();
  assert.deepEqual(readdirSync(target), ["summary.json"]);
  assert.equal(readFileSync(join(target, "summary.json"), "utf8"), "{}\n");
  const t = stageOutput(join(root, "other"));
  t.write("a", "b");
  t.abort();
  assert.deepEqual(readdirSync(root).sort(), ["report"]);
});

test("a write failure names the path and maps to exit 1", () => {
  const root = mkdtempSync(join(tmpdir(), "ibsr-output-"));
  const s = stageOutput(join(root, "r"));
  assert.throws(
    () => s.write("no/such/dir/file", "x"),
    (e: unknown) =>
      (e as { exitCode: number }).exitCode === 1 &&
      /cannot write .*no\/such\/dir\/file: ENOENT/.test(String(e)),
  );
  s.abort();
});
