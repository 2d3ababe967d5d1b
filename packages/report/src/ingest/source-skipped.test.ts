import assert from "node:assert/strict";
import { test } from "node:test";
import {
  encodeSourceSkipped,
  parseSourceSkipped,
  REASONS_PER_FILE,
  type SourceSkip,
  sumSourceSkips,
} from "./source-skipped.js";

test("a recorded list reads back as written; anything else is refused with what is wrong", () => {
  const list: SourceSkip[] = [
    { file: "/d/a.jsonl", line: 4, reason: "invalid JSON" },
    { file: "/d/b.jsonl", line: null, reason: "dst_port out of range", buckets: 3 },
    { file: "/d/c.jsonl", line: null, reason: "not readable" },
  ];
  assert.deepEqual(parseSourceSkipped(encodeSourceSkipped(list)), list);
  assert.throws(() => parseSourceSkipped("{"), /not JSON/);
  assert.throws(() => parseSourceSkipped('{"file":"x"}'), /not a JSON list/);
  assert.throws(() => parseSourceSkipped('[{"file":"x","line":"4","reason":"r"}]'), /entry 0/);
  assert.throws(() => parseSourceSkipped('[{"file":"x","line":null,"reason":"r","buckets":0}]'), /entry 0/);
});

test("the tally counts files and lines as units and buckets as rows, in the JSONL reader's order and cap", () => {
  const lines = Array.from({ length: REASONS_PER_FILE + 5 }, (_, i) => ({
    file: "/d/b.jsonl",
    line: i + 1,
    reason: `bad ${i + 1}`,
  }));
  const sum = sumSourceSkips([
    { file: "/d/c.jsonl", line: 9, reason: "invalid JSON" },
    ...lines,
    { file: "/d/b.jsonl", line: null, reason: "port", buckets: 2 },
    { file: "/d/a.jsonl", line: null, reason: "port", buckets: 1 },
    { file: "/d/b.jsonl", line: null, reason: "port", buckets: 4 },
    { file: "/d/z.jsonl", line: null, reason: "unreadable" },
  ]);
  assert.equal(sum.lostUnits, 1 + lines.length + 1);
  assert.equal(sum.invalidRows, 7);
  assert.equal(sum.count, sum.lostUnits + sum.invalidRows);
  assert.deepEqual(sum.list.slice(0, 3), [
    { file: "/d/z.jsonl", line: null, reason: "unreadable" },
    { file: "/d/a.jsonl", line: null, reason: "1 bucket(s) skipped: port" },
    { file: "/d/b.jsonl", line: null, reason: "6 bucket(s) skipped: port" },
  ]);
  // Lines by file, each file's in the order they came, at most REASONS_PER_FILE reasons per file.
  const named = sum.list.slice(3);
  assert.equal(named.length, REASONS_PER_FILE + 1);
  assert.deepEqual(named[0], { file: "/d/b.jsonl", line: 1, reason: "bad 1" });
  assert.deepEqual(named[named.length - 1], { file: "/d/c.jsonl", line: 9, reason: "invalid JSON" });
});
