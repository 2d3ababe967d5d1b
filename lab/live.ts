// Whether this machine can load XDP programs: root and a kernel with BPF. The demo asks it to pick its
// mode; live tests ask it through test/harness/live.ts (which decides skip or fail).
import { accessSync, constants } from "node:fs";

let probed: string | null | undefined;

/** Returns why live XDP cannot run here, or null when it can. Probed once per process. */
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
