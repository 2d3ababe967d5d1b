import assert from "node:assert/strict";
import { test } from "node:test";
import { ReportError } from "./exit-codes.js";
import { parseCommandFlags, RUN_FLAG_SPECS } from "./run-flags.js";

test("a value starting with '-' after a flag is its value (relative times, negative numbers to refuse)", () => {
  const { raw, positionals } = parseCommandFlags(
    [
      "snaps",
      "--since",
      "-24h",
      "--until",
      "-1h",
      "--memory-limit",
      "-5GB",
      "--dst-ports",
      "80",
      "--dst-ports",
      "443",
    ],
    RUN_FLAG_SPECS,
    "ibsr-report",
  );
  assert.deepEqual(positionals, ["snaps"]);
  assert.equal(raw.since, "-24h");
  assert.equal(raw.until, "-1h");
  assert.equal(raw["memory-limit"], "-5GB");
  assert.deepEqual(raw["dst-ports"], ["80", "443"]);
});

test("shape errors name the flag and suggest the nearest one", () => {
  assert.throws(
    () => parseCommandFlags(["--sinec", "-1h"], RUN_FLAG_SPECS, "ibsr-report"),
    (e: unknown) =>
      e instanceof ReportError &&
      /--sinec: unknown flag; did you mean --since\? \(see ibsr-report --help\)/.test(e.message),
  );
  assert.throws(
    () => parseCommandFlags(["--since"], RUN_FLAG_SPECS, "ibsr-report"),
    /--since: needs a value: --since <time>/,
  );
  assert.throws(
    () => parseCommandFlags(["--since", "-1h", "--since", "-2h"], RUN_FLAG_SPECS, "x"),
    /--since: may be given only once/,
  );
  // --host is a list: repeating it adds names.
  assert.deepEqual(parseCommandFlags(["--host", "a", "--host", "b"], RUN_FLAG_SPECS, "x").raw.host, [
    "a",
    "b",
  ]);
});
