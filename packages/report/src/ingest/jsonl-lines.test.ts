// A plain file's lines as fileLines gives them: lines shorter and much longer than one read, across reads.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { fileLines } from "./jsonl-lines.js";

test("fileLines: every line of a plain file, whatever its length against the reads", async () => {
  const dir = mkdtempSync(join(tmpdir(), "ibsr-jsonl-lines-"));
  try {
    // Lengths around and far above the 256 KB read: a line ends in the middle of a read, at its end, or spans five.
    const lines = [
      "a",
      "x".repeat(700_000),
      "",
      "b",
      "y".repeat(256 * 1024 - 1),
      "z".repeat(256 * 1024),
      "w".repeat(1_300_000),
      "c",
    ];
    const file = join(dir, "day.jsonl");
    // A BOM before the first line, \r\n after the fourth, no newline after the last.
    const text = `\ufeff${lines.slice(0, 3).join("\n")}\n${lines[3]}\r\n${lines.slice(4).join("\n")}`;
    writeFileSync(file, text);
    const got: string[] = [];
    const numbers: number[] = [];
    for await (const l of fileLines(file)) {
      assert.ok(!("error" in l), JSON.stringify(l));
      if ("error" in l) continue;
      got.push(l.b.toString("utf8", l.start, l.end));
      numbers.push(l.lineNo);
    }
    assert.equal(got.length, lines.length);
    for (const [i, g] of got.entries())
      assert.equal(g, lines[i], `line ${i + 1}: ${g.length} bytes, ${lines[i]!.length} expected`);
    assert.deepEqual(
      numbers,
      lines.map((_, i) => i + 1),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
