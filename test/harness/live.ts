// Live tests need root and a kernel with BPF + XDP. Outside CI a missing piece skips the test with
// a message naming it; in CI (which has both) a skip would hide a regression, so it fails instead.
import { accessSync, constants } from "node:fs";
import type { TestContext } from "node:test";

let probed: string | null | undefined;

/** Returns why live tests cannot run here, or null when they can. Probed once per process. */
export function liveUnavailableReason(): string | null {
  if (probed !== undefined) return probed;
  probed = null;
  if (process.getuid?.() !== 0) probed = "needs root (CAP_BPF + CAP_NET_ADMIN)";
  else {
    try {
      accessSync("/sys/fs/bpf", constants.R_OK);
    } catch {
      probed = "kernel lacks /sys/fs/bpf (BPF not available)";
    }
  }
  return probed;
}

/** Call first in a live test: skips it (or fails it under CI) when root/BPF is missing. */
export function requireLive(t: TestContext): boolean {
  const why = liveUnavailableReason();
  if (why === null) return true;
  if (process.env.CI) throw new Error(`live test cannot run in CI: ${why}`);
  t.skip(why);
  return false;
}
