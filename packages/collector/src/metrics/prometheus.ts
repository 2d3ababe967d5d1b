// Prometheus metrics from heartbeats, in the text exposition format (what node_exporter's textfile
// collector and `promtool check metrics` read). The single owner of every metric name: the collector's
// --metrics-textfile and `ibsr-collect status --format prometheus` both render through here, and
// docs/operate.md lists the same names (checked by metrics/prometheus.test.ts). Units are in the names
// (seconds, bytes), counters end in _total and restart from 0 with each run (Prometheus' rate() handles
// resets). No sample carries a timestamp: node_exporter refuses textfiles that do. The age of the last
// snapshot is left to Prometheus (time() - ibsr_last_snapshot_timestamp_seconds), so a file nobody
// rewrites any more still raises the alert.
import type { Heartbeat } from "@ibsr/contract";
import type { StatusReport } from "../commands/status.js";

/** The only file names node_exporter's textfile collector reads (here: options.ts has no slow import). */
export const TEXTFILE_SUFFIX = ".prom";

type MetricType = "gauge" | "counter";

interface MetricDef {
  name: string;
  type: MetricType;
  help: string;
  /** The sample of one collector; null leaves it out (not known from this heartbeat). */
  value: (hb: Heartbeat, extra: CollectorExtra) => number | null;
  /** Extra labels of the sample besides host and iface. */
  labels?: (hb: Heartbeat) => Record<string, string>;
}

/** What only a reader of the heartbeats knows (status), not the collector writing them. */
interface CollectorExtra {
  healthy?: boolean;
}

const seconds = (iso: string | null | undefined): number | null => {
  if (!iso) return null;
  const ms = Date.parse(iso);
  return Number.isFinite(ms) ? ms / 1000 : null;
};

/** Every per-collector metric, in the order they are written. Labels: host, iface (and those named). */
export const COLLECTOR_METRICS: readonly MetricDef[] = [
  {
    name: "ibsr_collector_info",
    type: "gauge",
    help: "Always 1; the xdp_mode label is the XDP attach mode in effect (native or generic).",
    value: () => 1,
    labels: (hb) => ({ xdp_mode: hb.xdpMode ?? "unknown" }),
  },
  {
    name: "ibsr_collector_stopped",
    type: "gauge",
    help: "1 when the last heartbeat is the final one of a clean shutdown: nothing is collecting.",
    value: (hb) => (hb.final ? 1 : 0),
  },
  {
    name: "ibsr_last_heartbeat_timestamp_seconds",
    type: "gauge",
    help: "Unix time of the last collection cycle (drain and snapshot attempt).",
    value: (hb) => seconds(hb.time),
  },
  {
    name: "ibsr_last_snapshot_timestamp_seconds",
    type: "gauge",
    help: "Unix time of the last snapshot that reached the disk in this run.",
    // Heartbeats of collectors before lastSnapshotTime: the cycle's own time, if its write succeeded.
    value: (hb) =>
      seconds(hb.lastSnapshotTime !== undefined ? hb.lastSnapshotTime : hb.writeOk ? hb.time : null),
  },
  {
    name: "ibsr_snapshot_interval_seconds",
    type: "gauge",
    help: "The configured time between snapshots.",
    value: (hb) => hb.intervalSec,
  },
  {
    name: "ibsr_snapshot_cycles_total",
    type: "counter",
    help: "Collection cycles in this run (the run-start snapshot included).",
    value: (hb) => hb.cycle + 1,
  },
  {
    name: "ibsr_map_entries",
    type: "gauge",
    help: "Flow map entries (source, port) drained in the last cycle.",
    value: (hb) => hb.liveEntries,
  },
  {
    name: "ibsr_map_capacity_entries",
    type: "gauge",
    help: "Flow map capacity (--map-size).",
    value: (hb) => hb.capacity,
  },
  {
    name: "ibsr_map_fill_ratio",
    type: "gauge",
    help: "Map entries / capacity, 0 to 1; above 0.9 new sources start evicting old ones.",
    value: (hb) => hb.fill,
  },
  {
    name: "ibsr_map_inserts_total",
    type: "counter",
    help: "Entries the BPF program inserted into the flow map.",
    value: (hb) => hb.inserts,
  },
  {
    name: "ibsr_map_evictions_total",
    type: "counter",
    help: "Entries the LRU map evicted (inserts minus live entries, estimated).",
    value: (hb) => hb.estimatedEvictions,
  },
  {
    name: "ibsr_eviction_loss_packets_total",
    type: "counter",
    help: "Matched packets missing from the snapshots because their entry was evicted before a drain.",
    value: (hb) => hb.evictionLossTotalPackets ?? null,
  },
  {
    name: "ibsr_matched_packets_total",
    type: "counter",
    help: "TCP packets to a monitored port seen by the XDP program.",
    value: (hb) => hb.matchedPackets,
  },
  {
    name: "ibsr_matched_bytes_total",
    type: "counter",
    help: "Bytes of those packets.",
    value: (hb) => hb.matchedBytes,
  },
  {
    name: "ibsr_matched_syn_packets_total",
    type: "counter",
    help: "SYN packets (without ACK) among them.",
    value: (hb) => hb.matchedSyn,
  },
  {
    name: "ibsr_drain_duration_seconds",
    type: "gauge",
    help: "Time the last cycle took to read the flow map.",
    value: (hb) => hb.drainMs / 1000,
  },
  {
    name: "ibsr_write_duration_seconds",
    type: "gauge",
    help: "Time the last cycle took to write its snapshot (0 when the write failed).",
    value: (hb) => hb.writeMs / 1000,
  },
  {
    name: "ibsr_snapshot_write_errors_total",
    type: "counter",
    help: "Snapshot writes that failed in this run.",
    value: (hb) => hb.writeErrorsTotal,
  },
  {
    name: "ibsr_snapshot_write_errors_consecutive",
    type: "gauge",
    help: "Snapshot writes failed in a row up to the last cycle (0 after a success).",
    value: (hb) => hb.writeErrorsConsecutive,
  },
  {
    name: "ibsr_resident_memory_bytes",
    type: "gauge",
    help: "Resident set size of the collector process between snapshots.",
    value: (hb) => hb.rssBytes,
  },
  {
    name: "ibsr_resident_memory_peak_bytes",
    type: "gauge",
    help: "Largest resident set size of the collector process so far.",
    value: (hb) => hb.peakRssBytes,
  },
  {
    name: "ibsr_collector_healthy",
    type: "gauge",
    help: "1 when `ibsr-collect status` judges the collector healthy (only in its output).",
    value: (_hb, extra) => (extra.healthy === undefined ? null : extra.healthy ? 1 : 0),
  },
];

/** Metrics of the status reader as a whole (no host/iface). */
export const STATUS_METRICS = {
  unreadable: {
    name: "ibsr_status_unreadable_heartbeat_files",
    type: "gauge",
    help: "Heartbeat files that exist but hold no readable line (the collector's state is unknown).",
  },
} as const;

/** Every metric name this module can write. */
export const METRIC_NAMES: readonly string[] = [
  ...COLLECTOR_METRICS.map((m) => m.name),
  ...Object.values(STATUS_METRICS).map((m) => m.name),
];

interface Entry {
  hb: Heartbeat;
  extra: CollectorExtra;
}

/** The metrics of one collector, from the heartbeat it just wrote (--metrics-textfile). */
export function renderHeartbeatMetrics(hb: Heartbeat): string {
  return render([{ hb, extra: {} }], null);
}

/** `ibsr-collect status --format prometheus`: every collector's last heartbeat and verdict. */
export function renderStatusMetrics(report: StatusReport): string {
  const entries = report.collectors.map((c) => ({
    // host and iface as status found them (the folder names), which the heartbeat also holds.
    hb: { ...c.last, host: c.host, iface: c.iface },
    extra: { healthy: c.healthy },
  }));
  return render(entries, report.unreadable.length);
}

function render(entries: Entry[], unreadable: number | null): string {
  const out: string[] = [];
  for (const m of COLLECTOR_METRICS) {
    const samples: string[] = [];
    for (const { hb, extra } of entries) {
      // A heartbeat file is read back as it is: a field that is not a finite number gives no sample.
      const v = m.value(hb, extra);
      if (typeof v !== "number" || !Number.isFinite(v)) continue;
      const labels = { host: hb.host, iface: hb.iface, ...(m.labels?.(hb) ?? {}) };
      samples.push(`${m.name}${labelText(labels)} ${v}`);
    }
    // A family with no sample is left out whole: HELP/TYPE alone would announce a metric that is not there.
    if (samples.length === 0) continue;
    out.push(`# HELP ${m.name} ${escapeHelp(m.help)}`, `# TYPE ${m.name} ${m.type}`, ...samples);
  }
  if (unreadable !== null) {
    const u = STATUS_METRICS.unreadable;
    out.push(
      `# HELP ${u.name} ${escapeHelp(u.help)}`,
      `# TYPE ${u.name} ${u.type}`,
      `${u.name} ${unreadable}`,
    );
  }
  return out.length === 0 ? "" : `${out.join("\n")}\n`;
}

function labelText(labels: Record<string, string>): string {
  const parts = Object.entries(labels).map(([k, v]) => `${k}="${escapeLabel(v)}"`);
  return `{${parts.join(",")}}`;
}

/** Label values escape backslash, double quote and newline (exposition format). */
export function escapeLabel(v: string): string {
  return v.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");
}

function escapeHelp(v: string): string {
  return v.replace(/\\/g, "\\\\").replace(/\n/g, "\\n");
}
