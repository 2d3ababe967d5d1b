// `ibsr-collect run --print-config`: the validated settings a run would use, one per line, each with where
// it came from (command line, its environment variable, IBSR_ARGS, or the default). Nothing is attached.
import { ARGS_ENV, RUN_FLAGS } from "./flags.js";
import type { RunOptions } from "./options.js";
import type { EffectiveRunArgs } from "./settings.js";

/** The effective value of each flag, as it would be typed (null: not set). */
function effectiveValue(name: string, o: RunOptions): string | null {
  switch (name) {
    case "iface":
      return o.iface;
    case "dst-ports":
      return o.dstPorts.join(",");
    case "out-dir":
      return o.outDir;
    case "snapshot-interval-sec":
      return String(o.snapshotIntervalSec);
    case "duration-sec":
      return o.durationSec === null ? null : String(o.durationSec);
    case "map-size":
      return String(o.mapSize);
    case "max-kernel-mem":
      return String(o.maxKernelMem);
    case "ipv6-prefix-len":
      return String(o.ipv6PrefixLen);
    case "xdp-mode":
      return o.xdpMode;
    case "max-files":
      return String(o.maxFiles);
    case "max-age":
      return `${o.maxAgeSec}s`;
    case "host":
      return o.host;
    case "object":
      return o.object;
    case "metrics-textfile":
      return o.metricsTextfile;
    case "verbose":
      return o.logLevel === "debug" ? "true" : null;
    case "quiet":
      return o.logLevel === "warn" ? "true" : null;
    case "json-logs":
      return o.jsonLogs ? "true" : null;
    default:
      return null;
  }
}

export function renderConfig(opts: RunOptions, eff: EffectiveRunArgs): string {
  const rows: [string, string, string][] = [];
  for (const f of RUN_FLAGS) {
    // -p and --dst-ports are one setting, shown once as the merged port list.
    if (f.name === "dst-port" || f.name === "print-config") continue;
    const value = effectiveValue(f.name, opts);
    if (value === null) continue;
    const src =
      f.setting === "ports"
        ? (eff.sources.get("dst-ports") ?? eff.sources.get("dst-port"))
        : eff.sources.get(f.name);
    let from = "default";
    if (src?.source === "command line") from = "command line";
    else if (src?.source === "environment") from = `environment ${src.env}`;
    else if (src?.source === ARGS_ENV) from = ARGS_ENV;
    else if (f.name === "iface") from = `default (${opts.ifaceSource})`;
    rows.push([`--${f.name}`, value, from]);
  }
  const w0 = Math.max(...rows.map((r) => r[0].length));
  const w1 = Math.max(...rows.map((r) => r[1].length));
  return `${rows.map(([n, v, s]) => `${n.padEnd(w0)}  ${v.padEnd(w1)}  # ${s}`).join("\n")}\n`;
}
