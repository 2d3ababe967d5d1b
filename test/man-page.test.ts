// The man pages come from each command's own --help (scripts/man-page.ts): every example command of the help
// is one whole term of the page, the long ones too (the help puts those on their own line).
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { test } from "node:test";
import { REPO_ROOT } from "../lab/netns.js";
import { parseHelp } from "../scripts/man-page.js";

function help(pkg: "report" | "collector"): string {
  const r = spawnSync(process.execPath, [join(REPO_ROOT, `packages/${pkg}/dist/cli.js`), "--help"], {
    encoding: "utf8",
    env: { ...process.env, COLUMNS: "100" },
  });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout;
}

for (const pkg of ["report", "collector"] as const) {
  test(`man page of ibsr-${pkg === "report" ? "report" : "collect"}: every example command is one whole entry`, () => {
    const text = help(pkg);
    const parsed = parseHelp(text);
    const examples = parsed.sections.find((s) => s.title === "Examples");
    assert.ok(examples && examples.entries.length >= 3, "an Examples section");
    const cmd = pkg === "report" ? "ibsr-report" : "ibsr-collect";
    // In the help, every example starts a line with the command name; each must be a term of its own.
    const inHelp = text
      .split("\n")
      .map((l) => l.trim())
      .filter((l) => l.startsWith(`${cmd} `) || l === cmd)
      .map((l) => l.split(/\s{2,}/)[0]!);
    const terms = examples.entries.map((e) => e.term);
    for (const c of inHelp.filter((c) => terms.some((t) => t.startsWith(cmd)) && !c.includes("[")))
      if (text.indexOf(c) > text.indexOf("Examples:"))
        assert.ok(terms.includes(c), `${c} in ${terms.join(" | ")}`);
    for (const e of examples.entries) assert.ok(e.text.length > 0, `${e.term} has its description`);
  });
}
