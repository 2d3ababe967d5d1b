// The shared folder's location has one owner, and a test that needs a shared file it cannot find fails
// with the path and the override in the message (it never passes by returning early).
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import {
  NR_IBSR_FIXTURES_ENV,
  nrIbsrFixturesDir,
  requireShared,
  SHARED_DIR_ENV,
  sharedDir,
} from "./shared-dir.js";

test("the shared folder is the repository root's sibling shared/, unless IBSR_SHARED_DIR says otherwise", () => {
  assert.match(sharedDir({}), /\/shared$/);
  assert.ok(!sharedDir({}).includes("/packages/"), sharedDir({}));
  assert.equal(sharedDir({ [SHARED_DIR_ENV]: "/elsewhere/s" }), "/elsewhere/s");
  assert.equal(nrIbsrFixturesDir({ [SHARED_DIR_ENV]: "/elsewhere/s" }), "/elsewhere/s/conformance/nr-ibsr");
  assert.equal(nrIbsrFixturesDir({ [NR_IBSR_FIXTURES_ENV]: "/fx" }), "/fx");
});

test("a missing shared file is an error naming the path and the override variables", () => {
  const env = { [SHARED_DIR_ENV]: "/nonexistent-ibsr-shared" };
  const missing = join(sharedDir(env), "tools", "gen-day-jsonl.py");
  assert.throws(
    () => requireShared(missing, env),
    (e: Error) =>
      e.message.includes(missing) &&
      e.message.includes(SHARED_DIR_ENV) &&
      e.message.includes(NR_IBSR_FIXTURES_ENV) &&
      e.message.includes("/nonexistent-ibsr-shared"),
  );
});

test("an existing shared file is returned as it is", () => {
  const here = import.meta.dirname;
  assert.ok(existsSync(here));
  assert.equal(requireShared(here), here);
});
