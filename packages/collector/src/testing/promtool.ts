// `promtool check metrics` (Debian's prometheus package, scripts/setup.sh) on exposition text: parse errors
// and lint problems (names, units, _total, HELP) both fail it. Where promtool is missing a test skips, except
// under CI, where a skip would hide a regression.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import type { TestContext } from "node:test";

export const PROMTOOL = "/usr/bin/promtool";

/** Call first: skips the test (fails it under CI) when promtool is not installed. */
export function requirePromtool(t: TestContext): boolean {
  if (existsSync(PROMTOOL)) return true;
  const why = `${PROMTOOL} missing: apt-get install --no-install-recommends prometheus (scripts/setup.sh)`;
  if (process.env.CI) throw new Error(why);
  t.skip(why);
  return false;
}

/** promtool's verdict: ok, and what it printed (empty when clean). */
export function promtoolCheckMetrics(text: string): { ok: boolean; output: string } {
  const r = spawnSync(PROMTOOL, ["check", "metrics"], { input: text, encoding: "utf8", timeout: 30_000 });
  if (r.error) throw r.error;
  const output = `${r.stdout}${r.stderr}`.trim();
  return { ok: r.status === 0 && output === "", output };
}
