import assert from "node:assert/strict";
import { test } from "node:test";
import { joinRelativeTimes } from "./cli.js";

test("a relative time after --since/--until/--now is joined to its flag, nothing else is touched", () => {
  assert.deepEqual(joinRelativeTimes(["snaps", "--since", "-24h", "--until", "-1h", "-q"]), [
    "snaps",
    "--since=-24h",
    "--until=-1h",
    "-q",
  ]);
  assert.deepEqual(joinRelativeTimes(["--since", "1700000000", "-o", "-5"]), [
    "--since",
    "1700000000",
    "-o",
    "-5",
  ]);
  assert.deepEqual(joinRelativeTimes(["--now", "-2d"]), ["--now=-2d"]);
  assert.deepEqual(joinRelativeTimes(["--since"]), ["--since"]);
});
