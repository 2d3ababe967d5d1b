import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { EnvironmentError } from "../errors.js";
import { createLogger, errorFields, type LoggerOptions, levelFromFlags } from "./logger.js";

function capture(opts: LoggerOptions = {}) {
  const lines: string[] = [];
  const log = createLogger({
    now: () => new Date("2026-11-26T05:00:00.000Z"),
    stream: { write: (s: string) => lines.push(s) },
    ...opts,
  });
  return { log, lines };
}

describe("logger", () => {
  test("human line: time, level, event, key=value; one line per event", () => {
    const { log, lines } = capture();
    log.info("snapshot.written", { path: "/var/lib/ibsr/a b.parquet", rows: 3, ok: true, big: 2n ** 64n });
    assert.deepEqual(lines, [
      '2026-11-26T05:00:00.000Z info  snapshot.written path="/var/lib/ibsr/a b.parquet" rows=3 ok=true big=18446744073709551616\n',
    ]);
  });

  test("values with newlines stay on one line", () => {
    const { log, lines } = capture();
    log.warn("x", { msg: "a\nb" });
    assert.equal(lines.length, 1);
    assert.equal(lines[0]!.split("\n").length, 2);
    assert.match(lines[0]!, /msg="a\\nb"/);
  });

  test("JSON lines parse back, bigints as numbers when safe", () => {
    const { log, lines } = capture({ json: true });
    log.error("write.failed", { path: "/x", errno: "ENOSPC", n: 5n, huge: 2n ** 63n });
    const v = JSON.parse(lines[0]!);
    assert.deepEqual(v, {
      time: "2026-11-26T05:00:00.000Z",
      level: "error",
      event: "write.failed",
      path: "/x",
      errno: "ENOSPC",
      n: 5,
      huge: "9223372036854775808",
    });
  });

  test("levels: debug only when verbose, quiet keeps warn and error", () => {
    for (const [level, expected] of [
      ["debug", ["debug", "info", "warn", "error"]],
      ["info", ["info", "warn", "error"]],
      ["warn", ["warn", "error"]],
    ] as const) {
      const { log, lines } = capture({ level, json: true });
      log.debug("e");
      log.info("e");
      log.warn("e");
      log.error("e");
      assert.deepEqual(
        lines.map((l) => JSON.parse(l).level),
        expected,
      );
      assert.equal(log.enabled("debug"), level === "debug");
    }
    assert.equal(levelFromFlags(true, false), "debug");
    assert.equal(levelFromFlags(false, true), "warn");
    assert.equal(levelFromFlags(undefined, undefined), "info");
  });

  test("child loggers add their fields", () => {
    const { log, lines } = capture({ json: true });
    log.child({ iface: "eth0" }).info("cycle", { seq: 1 });
    assert.deepEqual(JSON.parse(lines[0]!), {
      time: "2026-11-26T05:00:00.000Z",
      level: "info",
      event: "cycle",
      iface: "eth0",
      seq: 1,
    });
  });

  test("an err field is flattened into op, errno, hint and message", () => {
    const { log, lines } = capture({ json: true });
    const err = new EnvironmentError("xdp.attach", "interface busy", {
      errnoName: "EBUSY",
      hint: "detach the other program",
    });
    log.error("attach.failed", { err, iface: "eth0" });
    const v = JSON.parse(lines[0]!);
    assert.equal(v.op, "xdp.attach");
    assert.equal(v.errno, "EBUSY");
    assert.equal(v.hint, "detach the other program");
    assert.equal(v.error, "interface busy");
    assert.equal(v.iface, "eth0");
    assert.equal(v.err, undefined);
  });

  test("node system errors give syscall and code", () => {
    const e = Object.assign(new Error("ENOSPC: no space left on device, write"), {
      code: "ENOSPC",
      errno: -28,
      syscall: "write",
      path: "/x",
    });
    assert.deepEqual(errorFields(e), { op: "write", errno: "ENOSPC", path: "/x", error: e.message });
    assert.deepEqual(errorFields("boom"), { error: "boom" });
  });

  test("a throwing stream does not throw into the caller", () => {
    const log = createLogger({
      stream: {
        write: () => {
          throw new Error("EPIPE");
        },
      },
    });
    assert.doesNotThrow(() => log.error("x"));
  });
});
