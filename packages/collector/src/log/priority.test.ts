import assert from "node:assert/strict";
import { closeSync, fstatSync, mkdtempSync, openSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { createLogger } from "./logger.js";
import { fdIsJournal, priorityPrefixWanted, SYSLOG_PRIORITY } from "./priority.js";

test("each level writes its syslog priority first: error <3>, warn <4>, info <6>, debug <7>", () => {
  for (const json of [false, true]) {
    const lines: string[] = [];
    const log = createLogger({
      level: "debug",
      json,
      priorityPrefix: true,
      stream: { write: (s: string) => lines.push(s) },
    });
    log.error("e", { k: 1 });
    log.warn("w");
    log.info("i");
    log.debug("d");
    log.child({ iface: "eth0" }).error("c");
    assert.deepEqual(
      lines.map((l) => l.slice(0, 3)),
      ["<3>", "<4>", "<6>", "<7>", "<3>"],
    );
    // What follows the prefix is the unprefixed line, unchanged (JSON still parses).
    if (json) assert.equal(JSON.parse(lines[0]!.slice(3)).event, "e");
  }
  assert.deepEqual(SYSLOG_PRIORITY, { error: 3, warn: 4, info: 6, debug: 7 });
});

test("no prefix unless asked", () => {
  const lines: string[] = [];
  createLogger({ stream: { write: (s: string) => lines.push(s) } }).error("e");
  assert.doesNotMatch(lines[0]!, /^</);
});

test("JOURNAL_STREAM must name this very stream (device:inode), not just be set", () => {
  const dir = mkdtempSync(join(tmpdir(), "ibsr-journal-"));
  const fd = openSync(join(dir, "stream"), "w");
  try {
    const st = fstatSync(fd, { bigint: true });
    assert.equal(fdIsJournal({ JOURNAL_STREAM: `${st.dev}:${st.ino}` }, fd), true);
    assert.equal(fdIsJournal({ JOURNAL_STREAM: `${st.dev}:${st.ino + 1n}` }, fd), false);
    assert.equal(fdIsJournal({ JOURNAL_STREAM: "garbage" }, fd), false);
    assert.equal(fdIsJournal({}, fd), false);
  } finally {
    closeSync(fd);
    rmSync(dir, { recursive: true, force: true });
  }
});

test("--log-priority-prefix: the last of flag and --no- flag wins, and an explicit no beats detection", () => {
  assert.equal(priorityPrefixWanted(["-p", "1", "--log-priority-prefix"], {}), true);
  assert.equal(priorityPrefixWanted(["--log-priority-prefix", "--no-log-priority-prefix"], {}), false);
  assert.equal(priorityPrefixWanted(["--log-priority-prefix=false", "--log-priority-prefix=true"], {}), true);
  assert.equal(priorityPrefixWanted(["--", "--log-priority-prefix"], {}), false);
  assert.equal(priorityPrefixWanted([], {}), false);
});
