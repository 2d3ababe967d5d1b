// Under `set -o pipefail`, a pipe into a reader that stops early (awk's exit, head, grep -q/-m, sed's q) can
// end its writer with SIGPIPE: the pipeline's status is then 141 and `set -e` stops the script with nothing
// said, depending on timing. bundle.sh failed in CI that way (`ldconfig -p | awk '... exit'`). Every shell
// script the repository runs is checked for the pattern.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { REPO_ROOT } from "../lab/netns.js";

/** Readers that may close the pipe before the writer is done. */
const EARLY_READER = [
  /\|\s*head\b/,
  /\|\s*grep\s+(-\w*[qm]\w*)\b/,
  /\|\s*awk\s+'[^']*\bexit\b[^']*'/,
  /\|\s*sed\s+(-n\s+)?'[^']*\dq[^']*'/,
];

/** Lines of a script that pipe into an early reader (comments left out). */
function earlyReaderLines(text: string): string[] {
  return text
    .split("\n")
    .filter((l) => !/^\s*#/.test(l))
    .filter((l) => EARLY_READER.some((re) => re.test(l)));
}

test("the check finds a pipe into a reader that exits early", () => {
  assert.deepEqual(earlyReaderLines(`x=$(ldconfig -p | awk '$1 == "a" { print $NF; exit }')`).length, 1);
  assert.equal(earlyReaderLines("ps aux | head -1\n# a | head in a comment").length, 1);
  assert.equal(earlyReaderLines("dpkg -l | grep -q foo").length, 1);
  assert.equal(earlyReaderLines(`ldconfig -p | awk '$1 == "a" && !f { print $NF; f = 1 }'`).length, 0);
});

test("no pipefail shell script pipes into a reader that can stop before its writer", () => {
  const files = execFileSync("git", ["ls-files", "*.sh", ".ci/run", "packaging/deb/*"], {
    cwd: REPO_ROOT,
    encoding: "utf8",
  })
    .split("\n")
    .filter(Boolean);
  assert.ok(files.includes("scripts/bundle.sh"), "the scripts are found");
  const found: string[] = [];
  for (const f of files) {
    const text = readFileSync(join(REPO_ROOT, f), "utf8");
    if (!/pipefail/.test(text)) continue;
    for (const l of earlyReaderLines(text)) found.push(`${f}: ${l.trim()}`);
  }
  assert.deepEqual(found, []);
});
