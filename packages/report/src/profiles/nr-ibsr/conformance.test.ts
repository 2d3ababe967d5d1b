// Byte-for-byte conformance with the reference reporter: every fixture folder in the project root's
// sibling `shared/conformance/nr-ibsr/` (read in place, never copied; a new folder is picked up by itself),
// run with its config.json, allowlist.txt and scenario.json generated_at, compared with expected/.
// The location comes from testing/shared-dir.ts (IBSR_SHARED_DIR or IBSR_NR_IBSR_FIXTURES override it);
// absent fixtures fail the suite.
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { nrIbsrFixturesDir, requireShared } from "../../testing/shared-dir.js";
import { runNrIbsrProfile } from "./index.js";

const fixtureRoot = nrIbsrFixturesDir();
const OUTPUTS = ["rules.json", "report.md", "evidence.csv", "summary.json"] as const;

/** The first differing line (1-based) of two texts, or the length mismatch, for the failure message. */
function firstDifference(expected: string, actual: string): string | undefined {
  if (expected === actual) return undefined;
  const e = expected.split("\n");
  const a = actual.split("\n");
  for (let i = 0; i < Math.max(e.length, a.length); i++) {
    if (e[i] !== a[i]) {
      const show = (s: string | undefined): string => (s === undefined ? "<end of file>" : JSON.stringify(s));
      return `line ${i + 1}: expected ${show(e[i])}, actual ${show(a[i])}`;
    }
  }
  return `same lines but different bytes (expected ${expected.length} chars, actual ${actual.length})`;
}

const fixtures = existsSync(fixtureRoot)
  ? readdirSync(fixtureRoot)
      .filter((n) => statSync(join(fixtureRoot, n)).isDirectory())
      .sort()
  : [];

test("nr-ibsr fixtures are present", () => {
  requireShared(fixtureRoot);
  assert.ok(fixtures.length > 0, `${fixtureRoot} holds no fixture folders`);
});

for (const name of fixtures) {
  test(`nr-ibsr conformance: ${name}`, async () => {
    const dir = join(fixtureRoot, name);
    const scenario = JSON.parse(readFileSync(join(dir, "scenario.json"), "utf8")) as {
      generated_at?: unknown;
    };
    assert.ok(
      typeof scenario.generated_at === "number",
      `${dir}/scenario.json: generated_at missing or not a number`,
    );
    // generated_at is a u64; the scenario text carries it as digits, so take them verbatim.
    const now = /"generated_at"\s*:\s*([0-9]+)/.exec(readFileSync(join(dir, "scenario.json"), "utf8"))![1]!;
    const allowlist = join(dir, "allowlist.txt");
    const out = mkdtempSync(join(tmpdir(), `nr-ibsr-${name}-`));
    try {
      await runNrIbsrProfile({
        inputs: [join(dir, "snapshots")],
        outDir: out,
        configPath: join(dir, "config.json"),
        allowlistPath: existsSync(allowlist) ? allowlist : undefined,
        now,
      });
      const problems: string[] = [];
      for (const file of OUTPUTS) {
        const expectedPath = join(dir, "expected", file);
        if (!existsSync(expectedPath)) {
          problems.push(`${file}: ${expectedPath} is missing`);
          continue;
        }
        const diff = firstDifference(
          readFileSync(expectedPath, "utf8"),
          readFileSync(join(out, file), "utf8"),
        );
        if (diff !== undefined) problems.push(`${file}: ${diff}`);
      }
      assert.deepEqual(problems, [], `${name} differs from the reference:\n  ${problems.join("\n  ")}`);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });
}
