import assert from "node:assert/strict";
import { test } from "node:test";
import { LibbpfError, libbpfVersion, openObjectMem, setLibbpfLogger } from "./index.js";

test("libbpf's messages reach the logger set with setLibbpfLogger, and stop after null", (t) => {
  let version: string;
  try {
    version = libbpfVersion();
  } catch (err) {
    t.skip((err as Error).message);
    return;
  }
  assert.match(version, /^v1\./);
  const seen: Array<[string, string]> = [];
  setLibbpfLogger((level, msg) => seen.push([level, msg]));
  try {
    assert.throws(() => openObjectMem(Buffer.alloc(64), "logtest"), LibbpfError);
  } finally {
    setLibbpfLogger(null);
  }
  assert.ok(
    seen.some(([level, msg]) => level === "warn" && /libbpf: .*(elf|ELF)/.test(msg)),
    `expected a libbpf ELF warning, got ${JSON.stringify(seen)}`,
  );
  const before = seen.length;
  assert.throws(() => openObjectMem(Buffer.alloc(64), "logtest"), LibbpfError);
  assert.equal(seen.length, before, "no messages after setLibbpfLogger(null)");
});

test("a failure carries libbpf's log as data (one line per entry) and its tail in the message", (t) => {
  try {
    libbpfVersion();
  } catch (err) {
    t.skip((err as Error).message);
    return;
  }
  try {
    openObjectMem(Buffer.from("\x7fELF not really"), "tailtest");
    assert.fail("opened junk");
  } catch (err) {
    assert.ok(err instanceof LibbpfError);
    assert.match(err.message, /libbpf said:/);
    assert.ok(err.log.length > 0, "the log is data on the error");
    assert.ok(
      err.log.every((l) => !l.includes("\n")),
      "one line per entry",
    );
    assert.ok(
      err.log.some((l) => /elf|ELF/.test(l)),
      `libbpf's ELF complaint is in the log: ${err.log}`,
    );
  }
});
