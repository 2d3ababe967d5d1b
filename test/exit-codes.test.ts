// One exit-code table: 0, 1 and 2 mean the same in ibsr-collect and ibsr-report (SHARED_EXIT in
// @ibsr/contract); each program's own codes start at 3; docs/exit-codes.md lists every code of both.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { SHARED_EXIT, signalExitCode } from "@ibsr/contract";
import { ExitCode, StatusExitCode } from "../packages/collector/src/exit-codes.js";
import { EXIT } from "../packages/report/src/exit-codes.js";

test("both programs use the shared codes for the shared meanings, and their own only from 3", () => {
  assert.deepEqual(
    [ExitCode.OK, ExitCode.RUNTIME, ExitCode.USAGE],
    [SHARED_EXIT.OK, SHARED_EXIT.FAILURE, SHARED_EXIT.USAGE],
  );
  assert.deepEqual([EXIT.OK, EXIT.IO, EXIT.USAGE], [SHARED_EXIT.OK, SHARED_EXIT.FAILURE, SHARED_EXIT.USAGE]);
  const shared = new Set<number>(Object.values(SHARED_EXIT));
  const own = [ExitCode.ENVIRONMENT, ExitCode.UNSAFE_OBJECT, EXIT.CONFIG];
  assert.ok(
    own.every((c) => !shared.has(c) && c >= 3),
    `per-program codes ${own} overlap the shared ones`,
  );
  assert.equal(StatusExitCode.HEALTHY, SHARED_EXIT.OK);
});

test("docs/exit-codes.md has a row for every code of both programs", () => {
  const doc = readFileSync(new URL("../docs/exit-codes.md", import.meta.url), "utf8");
  const rows = new Set([...doc.matchAll(/^\| (\d+) +\|/gm)].map((m) => Number(m[1])));
  for (const c of new Set<number>([...Object.values(ExitCode), ...Object.values(EXIT)]))
    assert.ok(rows.has(c), `code ${c} is not in docs/exit-codes.md`);
});

test("a stop signal exits 128 + its number in both programs, the number Node knows for it", async () => {
  const { constants } = await import("node:os");
  for (const sig of ["SIGHUP", "SIGINT", "SIGTERM"] as const)
    assert.equal(signalExitCode(sig), 128 + constants.signals[sig], sig);
});
