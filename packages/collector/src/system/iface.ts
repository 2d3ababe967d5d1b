// The network interface the collector attaches to: the default-route interface when none is named
// (the reference promised this and defaulted to "eth0"), its ifindex, MTU, driver and offload state.
// Everything is read from the kernel's own files (/proc/net, /sys/class/net) so it works without iproute2.
import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync, readlinkSync } from "node:fs";
import { basename, join } from "node:path";
import { EnvironmentError } from "../errors.js";

export type OffloadState = "on" | "off" | "unknown";

export interface Offloads {
  /** generic-receive-offload (software GRO; generic XDP runs after it is undone per packet). */
  gro: OffloadState;
  /** large-receive-offload (hardware; generic XDP switches it off for good). */
  lro: OffloadState;
  /** tcp-segmentation-offload. */
  tso: OffloadState;
  /** generic-segmentation-offload. */
  gso: OffloadState;
}

export interface InterfaceInfo {
  name: string;
  ifindex: number;
  mtu: number;
  /** Kernel driver (e.g. "virtio_net", "veth"), null when the kernel does not say. */
  driver: string | null;
  offloads: Offloads;
}

export interface DefaultRoute {
  iface: string;
  family: 4 | 6;
}

export interface IfaceFs {
  /** Directory holding route and ipv6_route. Default /proc/net. */
  procNet?: string;
  /** Directory listing interfaces. Default /sys/class/net. */
  sysClassNet?: string;
}

const RTF_UP = 0x1;
const RTF_REJECT = 0x200;

/**
 * The interface of the default route: IPv4 first (/proc/net/route: destination and mask 0, up, lowest
 * metric), then IPv6 (/proc/net/ipv6_route: ::/0, up, not a reject route, not lo). Null when neither exists.
 */
export function defaultRouteInterface(fs: IfaceFs = {}): DefaultRoute | null {
  const procNet = fs.procNet ?? "/proc/net";
  const v4 = parseRoute4(readOr(join(procNet, "route")));
  if (v4) return { iface: v4, family: 4 };
  const v6 = parseRoute6(readOr(join(procNet, "ipv6_route")));
  if (v6) return { iface: v6, family: 6 };
  return null;
}

/** Exported for tests: the default-route interface in the text of /proc/net/route, or null. */
export function parseRoute4(text: string): string | null {
  return lowestMetric(
    text
      .split("\n")
      .slice(1)
      .flatMap((line) => {
        const f = line.trim().split(/\s+/);
        if (f.length < 8) return [];
        const [iface = "", dest, , flags = "", , , metric = "", mask] = f;
        if (dest !== "00000000" || mask !== "00000000") return [];
        return [{ iface, flags: Number.parseInt(flags, 16), metric: Number.parseInt(metric, 10) }];
      }),
  );
}

/** Exported for tests: the default-route interface in the text of /proc/net/ipv6_route, or null. */
export function parseRoute6(text: string): string | null {
  return lowestMetric(
    text.split("\n").flatMap((line) => {
      const f = line.trim().split(/\s+/);
      if (f.length < 10) return [];
      const [dest = "", plen, , , , metric = "", , , flags = "", iface = ""] = f;
      if (!/^0{32}$/.test(dest) || plen !== "00" || iface === "lo") return [];
      return [{ iface, flags: Number.parseInt(flags, 16), metric: Number.parseInt(metric, 16) }];
    }),
  );
}

/** Of default routes, the interface of the one that is up, not a reject route, with the lowest metric. */
function lowestMetric(routes: { iface: string; flags: number; metric: number }[]): string | null {
  let best: { iface: string; metric: number } | null = null;
  for (const r of routes) {
    if (!(r.flags & RTF_UP) || r.flags & RTF_REJECT) continue;
    if (!best || r.metric < best.metric) best = r;
  }
  return best?.iface ?? null;
}

/** Names of the interfaces in this network namespace, sorted. */
export function listInterfaces(fs: IfaceFs = {}): string[] {
  try {
    return readdirSync(fs.sysClassNet ?? "/sys/class/net").sort();
  } catch {
    return [];
  }
}

/** The default-route interface, or an EnvironmentError that says what to pass instead. */
export function resolveDefaultInterface(fs: IfaceFs = {}): DefaultRoute {
  const route = defaultRouteInterface(fs);
  if (route) return route;
  const names = listInterfaces(fs).filter((n) => n !== "lo");
  throw new EnvironmentError(
    "iface.default-route",
    "no default route found in /proc/net/route or /proc/net/ipv6_route, so there is no default interface",
    { hint: `name the interface with -i/--iface${names.length ? ` (available: ${names.join(", ")})` : ""}` },
  );
}

/** The ifindex of `name`, or an EnvironmentError listing the interfaces that do exist. */
export function requireInterface(name: string, fs: IfaceFs = {}): number {
  const sys = fs.sysClassNet ?? "/sys/class/net";
  const text = readOr(join(sys, name, "ifindex"));
  const ifindex = Number.parseInt(text, 10);
  if (Number.isInteger(ifindex) && ifindex > 0) return ifindex;
  const names = listInterfaces(fs);
  throw new EnvironmentError("iface.lookup", `network interface ${JSON.stringify(name)} does not exist`, {
    errnoName: "ENODEV",
    hint: names.length
      ? `available interfaces: ${names.join(", ")} (see \`ip link show\`)`
      : "no interfaces visible in /sys/class/net: is /sys mounted?",
  });
}

/** ifindex, MTU, driver and offload state of an existing interface (throws EnvironmentError if missing). */
export function interfaceInfo(name: string, fs: IfaceFs & { ethtool?: boolean } = {}): InterfaceInfo {
  const ifindex = requireInterface(name, fs);
  const dir = join(fs.sysClassNet ?? "/sys/class/net", name);
  const mtu = Number.parseInt(readOr(join(dir, "mtu")), 10);
  const useEthtool = fs.ethtool ?? true;
  return {
    name,
    ifindex,
    mtu: Number.isFinite(mtu) ? mtu : 0,
    driver: driverOf(dir, name, useEthtool),
    offloads: useEthtool ? offloadsOf(name) : unknownOffloads(),
  };
}

function driverOf(dir: string, name: string, useEthtool: boolean): string | null {
  try {
    return basename(readlinkSync(join(dir, "device", "driver")));
  } catch {
    // Virtual devices (veth, bridges) have no device/ link; ethtool -i still names their driver.
  }
  if (!useEthtool) return null;
  const out = ethtool(["-i", name]);
  const m = out ? /^driver:\s*(\S+)/m.exec(out) : null;
  return m?.[1] ?? null;
}

function unknownOffloads(): Offloads {
  return { gro: "unknown", lro: "unknown", tso: "unknown", gso: "unknown" };
}

/** Offload state from `ethtool -k`; "unknown" for each feature when ethtool is missing or fails. */
export function offloadsOf(name: string): Offloads {
  const out = ethtool(["-k", name]);
  return out === null ? unknownOffloads() : parseOffloads(out);
}

/** Exported for tests: the four offloads in the text of `ethtool -k`. */
export function parseOffloads(text: string): Offloads {
  const get = (feature: string): OffloadState => {
    const m = new RegExp(`^${feature}:\\s*(on|off)`, "m").exec(text);
    return (m?.[1] as "on" | "off" | undefined) ?? "unknown";
  };
  return {
    gro: get("generic-receive-offload"),
    lro: get("large-receive-offload"),
    tso: get("tcp-segmentation-offload"),
    gso: get("generic-segmentation-offload"),
  };
}

function ethtool(args: string[]): string | null {
  try {
    return execFileSync("ethtool", args, {
      encoding: "utf8",
      timeout: 2000,
      stdio: ["ignore", "pipe", "ignore"],
    });
  } catch {
    return null;
  }
}

function readOr(path: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return "";
  }
}
