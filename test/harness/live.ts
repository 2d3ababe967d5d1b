// Live tests need root and a kernel with BPF + XDP (probed by lab/live.ts). Outside CI a missing piece
// skips the test with a message naming it; in CI (which has both) a skip would hide a regression, so it
// fails instead.
import { spawnSync } from "node:child_process";
import type { TestContext } from "node:test";
import { liveUnavailableReason } from "../../lab/live.js";

/** Call first in a live test: skips it (or fails it under CI) when root/BPF is missing. */
export function requireLive(t: TestContext): boolean {
  const why = liveUnavailableReason();
  if (why === null) return true;
  if (process.env.CI) throw new Error(`live test cannot run in CI: ${why}`);
  t.skip(why);
  return false;
}

/**
 * Call first in a test that needs root (network namespaces) and a command (e.g. `nft`): skips it outside CI
 * when either is missing, fails under CI (CI installs it: scripts/setup.sh).
 */
export function requireRootCommand(t: TestContext, command: string, aptPackage: string): boolean {
  const why =
    process.getuid?.() !== 0
      ? "needs root (network namespaces)"
      : spawnSync("sh", ["-c", `command -v ${command}`]).status !== 0
        ? `needs ${command} (apt-get install ${aptPackage}; scripts/setup.sh installs it)`
        : null;
  if (why === null) return true;
  if (process.env.CI) throw new Error(`test cannot run in CI: ${why}`);
  t.skip(why);
  return false;
}
