import assert from "node:assert/strict";
import { test } from "node:test";
import {
  EnvironmentError,
  exitCodeFor,
  hintOf,
  RuntimeError,
  UnsafeObjectError,
  UsageError,
} from "./errors.js";
import { ExitCode } from "./exit-codes.js";

test("every error kind maps to its documented exit code", () => {
  const cases: [unknown, number][] = [
    [new UsageError("--map-size", "0", "must be from 1"), ExitCode.USAGE],
    [new EnvironmentError("iface.lookup", "no such interface"), ExitCode.ENVIRONMENT],
    [new UnsafeObjectError("backward jump at insn 12"), ExitCode.UNSAFE_OBJECT],
    [new RuntimeError("map.drain", "lookup_batch failed 5 times"), ExitCode.RUNTIME],
    // libbpf/errors.ts's LibbpfError, duck-typed (this module must not load koffi).
    [
      Object.assign(new Error("libbpf attach failed"), { op: "xdp.attach", errno: 16, errnoName: "EBUSY" }),
      ExitCode.ENVIRONMENT,
    ],
    [new TypeError("bug"), ExitCode.RUNTIME],
    ["a string", ExitCode.RUNTIME],
    [undefined, ExitCode.RUNTIME],
  ];
  for (const [err, code] of cases) assert.equal(exitCodeFor(err), code, String(err));
});

test("a usage error names the flag, the value and the rule", () => {
  const e = new UsageError("--dst-ports", "22,,80", "empty item in the comma-separated list");
  assert.equal(e.message, '--dst-ports "22,,80": empty item in the comma-separated list');
  assert.equal(e.flag, "--dst-ports");
  assert.equal(e.value, '"22,,80"');
  assert.equal(e.name, "UsageError");
  assert.match(hintOf(e) ?? "", /--help/);
  assert.equal(
    new UsageError("-p/--dst-port", undefined, "at least one destination port is required").message,
    "-p/--dst-port: at least one destination port is required",
  );
  assert.equal(new UsageError("--x", 5, "r").message, "--x 5: r");
});

test("hints are carried through", () => {
  assert.equal(hintOf(new EnvironmentError("x", "y", { hint: "run as root" })), "run as root");
  assert.equal(hintOf(new Error("plain")), undefined);
  assert.equal(hintOf({ hint: "from libbpf" }), "from libbpf");
});
