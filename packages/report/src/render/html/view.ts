// Turns the report model into what the templates show: chart markup, table slices with "N more not
// shown" counts, the verdict's key figures. Presentation only: every figure comes from the model;
// here it is only picked, sliced and formatted, so the templates need no arithmetic.
import {
  type MeasurePct,
  type Measures,
  type PortFinding,
  type ReportModel,
  ROLLUP_ROWS_CAP,
  type SeriesPoint,
  verdictCheck,
} from "../../model.js";
import { barChart } from "../charts/bar-chart.js";
import { sparkline } from "../charts/sparkline.js";
import { timeSeriesChart } from "../charts/time-series.js";
import {
  formatBytes,
  formatInt,
  formatNumber,
  formatPct,
  formatRate,
  formatShare,
  formatTimestamp,
  plural,
} from "../format.js";
import { historyBrief, historyKeyLabel } from "../history-text.js";
import { checkRows, peakHostText } from "../verdict-checks.js";
import { exploreView, STATIC_DRILLS } from "./explore/data.js";

/** Hosts the fleet table shows (every host of a typical fleet; summary.json has them all). */
export const FLEET_HOST_ROWS = 500;

/** A fleet report's host table (each row with its rules files), not-ready names and shared hot keys. */
function fleetView(m: ReportModel) {
  const f = m.fleet;
  const files = new Map((m.rules.byHost ?? []).map((h) => [h.host, h.files]));
  const rows = (f?.hosts ?? []).map((row) => ({ row, files: files.get(row.host) ?? null }));
  const shared = (f?.sharedHotKeys.rows ?? []).map((k) => {
    const left = k.hosts - k.hostNames.length;
    return {
      ...k,
      namesText: left > 0 ? `${k.hostNames.join(", ")} and ${formatInt(left)} more` : k.hostNames.join(", "),
    };
  });
  return {
    fleetHosts: shown(rows, rows.length, FLEET_HOST_ROWS),
    fleetNotReady: shown(f?.notReady ?? [], f?.notReady.length ?? 0, 20),
    fleetShared: shown(shared, f?.sharedHotKeys.total ?? 0),
  };
}

/** Earlier reports of this scope: verdict per report (and per host), trends as sparklines, keys' runs. */
function historyView(m: ReportModel) {
  const h = m.history;
  if (!h) return null;
  const fleet = h.hosts !== null;
  const day = (r: { start: { unix: number } }) => formatTimestamp(r.start.unix).slice(0, 10);
  return {
    h,
    brief: historyBrief(h),
    reports: h.reports.map((r, i) => ({
      r,
      window: `${formatTimestamp(r.start.unix)} to ${formatTimestamp(r.end.unix)}`,
      reasonsText: r.reasons.join(", "),
      fpText: r.fpPct === null ? "unknown" : formatPct(r.fpPct),
      changed: i > 0 && h.reports[i - 1]!.configHash !== r.configHash,
    })),
    days: h.reports.map(day),
    hosts: (h.hosts ?? []).map((x) => ({ host: x.host, outcomes: x.outcomes.map((o) => ({ o })) })),
    keys: shown(
      h.keys.rows.map((k) => ({ k, label: historyKeyLabel(k, fleet) })),
      h.keys.total,
    ),
    fpSpark: sparkline({
      title: "FP bound per report, oldest first (%)",
      values: h.reports.map((r) => r.fpPct ?? Number.NaN),
    }),
    dropSpark: sparkline({
      title: "Would-drop packets per report, oldest first",
      values: h.reports.map((r) => Number(r.wouldDropPackets)),
    }),
  };
}

/** Rows shown in an HTML table that has no data block (the explore tables have every row). */
export const TABLE_ROWS = 50;
/** Ports drawn as small multiples. */
export const MAX_PORT_CHARTS = 24;

export interface Shown<T> {
  rows: T[];
  /** Rows that exist but are not in this table (capped by the engine or by the HTML). */
  notShown: number;
}

function shown<T>(rows: readonly T[], total: number, limit = TABLE_ROWS): Shown<T> {
  const kept = rows.slice(0, limit);
  return { rows: kept, notShown: Math.max(0, total - kept.length) };
}

export interface Tile {
  key: string;
  value: string;
  detail: string;
  bad: boolean;
}

export interface ImpactRow {
  label: string;
  note: string;
  m: Measures;
  share: MeasurePct | null;
}

export interface PortView {
  finding: PortFinding;
  synChart: string;
  distinctChart: string;
}

/**
 * Series arrays for charts with a NaN inserted wherever consecutive buckets are more than 1.5
 * buckets apart, so a gap between snapshots is drawn as a gap rather than bridged by a line.
 */
function seriesArrays(points: readonly SeriesPoint[], bucketSec: number, pick: (p: SeriesPoint) => number[]) {
  const times: number[] = [];
  const starts: number[] = [];
  const cols: number[][] = [];
  let prev: number | null = null;
  for (const p of points) {
    const vals = pick(p);
    if (cols.length === 0) for (let i = 0; i < vals.length; i++) cols.push([]);
    if (prev !== null && bucketSec > 0 && p.end.unix - prev > 1.5 * bucketSec) {
      const mid = (prev + p.start.unix) / 2;
      times.push(mid);
      starts.push(mid);
      for (const c of cols) c.push(Number.NaN);
    }
    times.push(p.end.unix);
    starts.push(p.start.unix);
    for (let i = 0; i < vals.length; i++) cols[i]!.push(vals[i]!);
    prev = p.end.unix;
  }
  return { times, starts, cols };
}

function tiles(m: ReportModel): Tile[] {
  const i = m.impact;
  const measure = i.gatingMeasure === "syn" ? "SYNs" : "packets";
  const fp = m.fp;
  return [
    {
      key: "Would have been dropped",
      value: `${formatPct(i.gatingPct)} of ${measure}`,
      detail: `${formatInt(i.wouldDrop.packets)} packets, ${formatBytes(i.wouldDrop.bytes)}, ${formatInt(i.wouldDrop.syn)} SYNs`,
      bad: false,
    },
    {
      key: "Sources that would be blocked",
      value: formatInt(i.keysBlocked),
      detail: `of ${formatInt(i.keysObserved)} source/port keys observed; ${formatInt(i.keysAllowlistedHot)} spared by the allowlist`,
      bad: false,
    },
    {
      key: "Probably legitimate share (FP bound)",
      // A share of nothing is not "0 %": say that nothing would be dropped.
      value: !fp.computed ? "unknown" : fp.wouldDropPackets === 0n ? "none" : formatPct(fp.valuePct),
      detail: !fp.computed
        ? (fp.reason ?? "")
        : fp.wouldDropPackets === 0n
          ? `no packet would be dropped; limit ${formatPct(m.config.max_fp_pct)}`
          : `${formatInt(fp.probablyLegitPackets)} of ${formatInt(fp.wouldDropPackets)} would-drop packets; limit ${formatPct(m.config.max_fp_pct)}`,
      bad: !verdictCheck(m.verdict, "FP_BOUND").passed,
    },
    {
      key: "Peak concurrent blocks (per host)",
      value: formatInt(i.peakConcurrentBlocks),
      detail: `${peakHostText(m) ? `${peakHostText(m)}; ` : ""}limit ${formatInt(m.config.max_rules)} rules per host`,
      bad: !verdictCheck(m.verdict, "MAX_RULES").passed,
    },
  ];
}

function impactRows(m: ReportModel): ImpactRow[] {
  const i = m.impact;
  return [
    {
      label: "All observed traffic",
      note: "monitored ports, allowlisted sources included",
      m: i.total,
      share: null,
    },
    {
      label: "Would have been dropped",
      note: "enforcer acting at snapshot cadence: a lower bound",
      m: i.wouldDrop,
      share: i.wouldDropPct,
    },
    {
      label: "Ideal zero-latency rule",
      note: "every hot interval caught from its start",
      m: i.ideal,
      share: i.idealPct,
    },
    {
      label: "Missed because of detection delay",
      note: "ideal minus would drop",
      m: i.latencyCost,
      share: null,
    },
    {
      label: "Spared by the allowlist",
      note: "what allowlisted sources would have lost",
      m: i.sparedByAllowlist,
      share: i.sparedPct,
    },
  ];
}

function portView(p: PortFinding): PortView {
  return {
    finding: p,
    synChart: sparkline({
      title: `Aggregate SYN rate on port ${p.dstPort}, peak ${formatRate(p.peakSynRate, "SYN/s")}; ticks under the line mark the ${plural(p.hotIntervals, "interval")} where the port aggregate was hot`,
      values: p.points.map((q) => q.synRate),
      flags: p.points.map((q) => q.hot),
      flagLabel: "port hot",
      width: 300,
    }),
    distinctChart: sparkline({
      title: `Distinct sources per interval on port ${p.dstPort}, at most ${formatInt(p.maxDistinctSources)}`,
      values: p.points.map((q) => q.distinctSources),
      width: 300,
    }),
  };
}

/** The blocks headline: per host, and which host, since blocks and max_rules are per host. */
function peakBlocksText(m: ReportModel): string {
  const i = m.impact;
  const by = i.peakConcurrentByHost;
  const at = i.peakConcurrentAt ? ` (${formatTimestamp(i.peakConcurrentAt.unix)})` : "";
  const share = formatShare(i.peakConcurrentBlocks, m.config.max_rules);
  const head = `At most ${plural(i.peakConcurrentBlocks, "block")} would have been active at the same time on one host${
    by[0] ? `, on ${by[0].host} (${by[0].iface})` : ""
  }${at}: ${share} of the ${formatInt(m.config.max_rules)}-rule limit per host.`;
  if (by.length <= 1) return head;
  const rest = by
    .slice(1, 10)
    .map((h) => `${h.host} (${h.iface}) ${formatInt(h.peak)}`)
    .join(", ");
  return `${head} Other hosts: ${rest}${by.length > 10 ? ` and ${formatInt(by.length - 10)} more` : ""}. The chart below sums all hosts.`;
}

/** Text alternatives of the traffic charts: the figures a reader would take from them, in words. */
function chartText(m: ReportModel, floodIntervals: number) {
  const i = m.impact;
  const s = m.series;
  const legit = s.points.reduce((a, p) => a + p.wouldDropProbablyLegit.packets, 0n);
  const flood = floodIntervals
    ? ` Marked on top: ${plural(floodIntervals, "interval")} with a port flood no source explains.`
    : "";
  return {
    traffic: `Peak ${formatRate(s.maxPktRate, "packets/s")} and ${formatRate(s.maxSynRate, "SYN/s")} observed. Would drop ${formatInt(i.wouldDrop.packets)} packets (${formatPct(i.wouldDropPct.packets)}), of which ${formatInt(legit)} probably legitimate (amber, dashed).${flood} The impact table above has the totals.`,
    distinct: `At most ${formatInt(s.maxDistinctSources)} distinct source/port keys in one interval; the port table below has each port's maximum.`,
    blocks: `At most ${formatInt(s.maxActiveBlocks)} blocks active at once${m.impact.peakConcurrentByHost.length > 1 ? " summed over all hosts" : ""}; the sentence above gives the peak per host.`,
  };
}

/** The traffic charts' data as a table (their accessible alternative): one row per bucket, the charted rates. */
function seriesTable(m: ReportModel): string[][] {
  return m.series.points.map((p) => [
    formatTimestamp(p.start.unix),
    formatNumber(p.pktRate),
    formatNumber(p.wouldDropPktRate - p.wouldDropProbablyLegitPktRate),
    formatNumber(p.wouldDropProbablyLegitPktRate),
    formatNumber(p.synRate),
    formatNumber(p.wouldDropSynRate),
    formatBytes(p.byteRate),
    formatInt(p.distinctSources),
    formatInt(p.activeBlocks),
  ]);
}

export function buildView(m: ReportModel) {
  const s = m.series;
  const rates = seriesArrays(s.points, s.bucketSec, (p) => [
    p.pktRate,
    p.wouldDropPktRate,
    p.synRate,
    p.wouldDropSynRate,
    p.byteRate,
    p.wouldDropByteRate,
    p.distinctSources,
    p.activeBlocks,
    p.wouldDropProbablyLegitPktRate,
    p.wouldDropProbablyLegitSynRate,
    p.wouldDropProbablyLegitByteRate,
  ]);
  // Intervals where a port was flooded and hot sources explain less than the attributed share: marked on
  // the traffic charts, since per-source rules (the would-drop area) cannot act on them.
  const floodRanges = m.ports.flatMap((p) =>
    p.points.filter((q) => q.unattributed).map((q) => ({ start: q.start.unix, end: q.end.unix })),
  );
  const marks = floodRanges.length
    ? { ranges: floodRanges, label: "port flood no source explains" }
    : undefined;
  const hostCount = m.impact.peakConcurrentByHost.length;
  const col = (k: number) => rates.cols[k] ?? [];
  const bucket = s.bucketSec > 0 ? ` (buckets of ${formatInt(s.bucketSec)} s)` : "";
  const blocked = m.topSources.rows.filter((r) => r.decision === "block" && r.wouldDrop.packets > 0n);
  const charts = {
    packets: timeSeriesChart({
      title: `Packets per second on the monitored ports, observed and would-drop${bucket}`,
      times: rates.times,
      starts: rates.starts,
      total: col(0),
      overlay: col(1),
      legit: col(8),
      marks,
      unit: "packets/s",
    }),
    syn: timeSeriesChart({
      title: `SYNs per second, observed and would-drop${bucket}`,
      times: rates.times,
      starts: rates.starts,
      total: col(2),
      overlay: col(3),
      legit: col(9),
      marks,
      unit: "SYN/s",
      height: 200,
    }),
    bytes: timeSeriesChart({
      title: `Bytes per second, observed and would-drop${bucket}`,
      times: rates.times,
      starts: rates.starts,
      total: col(4),
      overlay: col(5),
      legit: col(10),
      marks,
      unit: "bytes/s",
      height: 200,
    }),
    distinct: timeSeriesChart({
      title: "Distinct source/port keys with traffic per interval",
      times: rates.times,
      starts: rates.starts,
      total: col(6),
      unit: "distinct sources",
      totalLabel: "distinct sources",
      height: 180,
      integer: true,
    }),
    activeBlocks: timeSeriesChart({
      title:
        hostCount > 1
          ? `Blocks active at each interval end, summed over all ${formatInt(hostCount)} host interfaces (each host enforces its own)`
          : "Blocks active at each interval end",
      times: rates.times,
      starts: rates.starts,
      total: col(7),
      unit: hostCount > 1 ? "active blocks, all hosts" : "active blocks",
      totalLabel: hostCount > 1 ? "active blocks, all hosts summed" : "active blocks",
      height: 180,
      integer: true,
    }),
    topSources: barChart({
      title: "Top sources by would-drop packets (dark) within all their packets (light)",
      bars: blocked.slice(0, 15).map((r) => ({
        label: r.display,
        value: Number(r.wouldDrop.packets),
        total: Number(r.totals.packets),
      })),
      valueLabel: "would drop (packets)",
      totalLabel: "all packets of the source",
      maxBars: 15,
    }),
  };
  const r = m.rollups;
  const hosts = m.scope.hosts;
  return {
    m,
    hostsText:
      hosts.length === 0
        ? "no host"
        : hosts.length <= 3
          ? hosts.join(", ")
          : `${hosts.slice(0, 3).join(", ")} and ${formatInt(hosts.length - 3)} more hosts`,
    tiles: tiles(m),
    checks: checkRows(m),
    peakBlocksText: peakBlocksText(m),
    chartText: chartText(m, floodRanges.length),
    seriesTable: seriesTable(m),
    portsHot: m.ports.some((p) => p.hotIntervals > 0),
    impactRows: impactRows(m),
    charts,
    hasSeries: s.points.length > 0,
    hasBlocked: blocked.length > 0,
    explore: exploreView(m.explorer),
    staticDrillCount: Math.min(STATIC_DRILLS, m.explorer.drill.length),
    singles: shown(m.singleIntervalKeys.rows, m.singleIntervalKeys.total, 200),
    healthy: shown(m.fp.healthyBlockedKeys, m.fp.healthyBlockedTotal),
    allowTop: shown(m.allowlist.top, m.allowlist.hotKeys, 20),
    allowEntries: shown(m.allowlist.entryTexts, m.allowlist.entries.total, 30),
    runs: shown(m.scope.runs, m.scope.runs.length, 20),
    gaps: shown(m.scope.gaps.list, m.scope.gaps.count, 100),
    baselines: shown(m.scope.baselines.list, m.scope.baselines.count, 10),
    skippedNotShown: Math.max(0, m.scope.skipped.count - m.scope.skipped.first.length),
    ports: m.ports.slice(0, MAX_PORT_CHARTS).map(portView),
    portsNotShown: Math.max(0, m.ports.length - MAX_PORT_CHARTS),
    v4Capped: Math.max(0, r.v4Total - m.explorer.rollupsV4.length),
    v6Capped: Math.max(0, r.v6Total - m.explorer.rollupsV6.length),
    rollupCap: ROLLUP_ROWS_CAP,
    ...fleetView(m),
    history: historyView(m),
    triggers: shown(m.rules.triggers, m.rules.total),
    heldBack: shown(m.rules.heldBack, m.rules.heldBack.length),
    exceptions: shown(m.rules.exceptions, m.rules.exceptions.length, 30),
    /** The rules file inline only while it stays readable; otherwise the table and the file name suffice. */
    rulesJson: m.rules.json.length <= 20_000 ? m.rules.json : null,
    tooManyRules: !verdictCheck(m.verdict, "MAX_RULES").passed,
  };
}

export type HtmlView = ReturnType<typeof buildView>;
