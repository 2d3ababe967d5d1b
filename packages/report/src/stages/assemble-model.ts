// Stage 7, assembleModel: the report model, complete (every list, the rules, the verdict checks, the files),
// from what the stages before found. No I/O: every figure is already known.

import { compareBytes } from "@ibsr/contract";
import { coverage } from "../analysis/coverage.js";
import { classCounts, type Decision, isHealthy, pct, pct3 } from "../analysis/decide.js";
import { keyDrill } from "../analysis/drill.js";
import { type HostDecision, hostListText, notReadyText, REASON_BRIEF } from "../analysis/fleet.js";
import { buildFleetRules } from "../analysis/host-rules.js";
import { decisionOf, isBlocked } from "../analysis/key-decision.js";
import { keyRef } from "../analysis/key-label.js";
import { capSources } from "../analysis/rank.js";
import { isEnforceable } from "../analysis/rule-merge.js";
import { buildRules } from "../analysis/rules.js";
import { buildSeries } from "../analysis/series.js";
import type { KeySim } from "../analysis/simulate.js";
import { enforcerOfKey, keyFlags, zero3 } from "../analysis/simulate.js";
import { type OutputFormat, outputFiles } from "../formats.js";
import type { KeyTotals } from "../ingest/scan.js";
import {
  type Counters,
  type EpisodeRow,
  FLEET_HOSTS_SHOWN,
  type Gap,
  type HostRow,
  keyRefOf,
  type Outcome,
  REPORT_VERSION,
  type ReportConfig,
  type ReportModel,
  type Rollups,
  type RulesModel,
  type Scope,
  type SharedHotKey,
  type SourceRow,
  SUMMARY_SOURCES_CAP,
} from "../model.js";
import { formatInt, formatPct, plural } from "../render/format.js";
import { timePoint } from "../timespec.js";
import { maxBy, pushAll } from "../util.js";
import { type Timeline, windowBounds } from "./build-intervals.js";
import type { Decided } from "./decide-verdict.js";
import type { HeavyPass } from "./heavy-pass.js";
import type { KeyEvidence } from "./key-evidence.js";
import type { StageOptions } from "./options.js";
import type { Catalog } from "./read-catalog.js";
import type { HostSimulation, Simulation } from "./simulate-keys.js";

/** Rows kept in model lists meant for reading (HTML/Markdown); the full lists go to JSON/Parquet. */
export const MODEL_LIST_CAP = 1000;
export const SKIP_REASONS_SHOWN = 10;

export { keyRef };

function compareKeys(a: KeyTotals, b: KeyTotals): number {
  if (a.family !== b.family) return a.family - b.family;
  const c = compareBytes(a.src, b.src);
  if (c !== 0) return c;
  if (a.prefixLen !== b.prefixLen) return a.prefixLen - b.prefixLen;
  return a.dstPort - b.dstPort;
}

function cmpBigDesc(a: bigint, b: bigint): number {
  return a === b ? 0 : a > b ? -1 : 1;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  if (s.length === 0) return 60;
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

export interface Assembled {
  model: ReportModel;
  /** Every key with a hot interval, key order. */
  sources: SourceRow[];
  /** Every episode, start order. */
  episodes: EpisodeRow[];
}

export interface StageResults {
  cat: Catalog;
  tl: Timeline;
  heavy: HeavyPass;
  sim: Simulation;
  decided: Decided;
  ev: KeyEvidence;
}

export function assembleModel(
  { cat, tl, heavy, sim, decided, ev }: StageResults,
  opts: StageOptions,
  outputs: readonly OutputFormat[],
): Assembled {
  const cfg = opts.cfg;
  const { runs, since, until, ivs, snapsById } = tl;
  const sc = heavy.scan;
  const keyStats = heavy.keys;
  const dec = decided.decision;
  const sensitivity = decided.sensitivity;
  const ports = sim.ports;
  const sims1 = sim.sims;
  const { total, nonAllowlistedKeys, observedSec } = sim;
  const { snaps, found, latest } = cat;
  const skipped = cat.skips.list;
  const skippedCount = cat.skips.count;
  // ---- sources
  const sourceRow = (s: KeySim): SourceRow => {
    const k = s.cand.key;
    const totals: Counters = { ...k.totals };
    const blocked = isBlocked(keyFlags(s));
    return {
      ...keyRef(k.family, k.src, k.prefixLen, k.dstPort),
      decision: decisionOf(keyFlags(s)),
      allowlisted: s.allowlisted,
      abuseClass: s.cls,
      totals,
      wouldDrop: s.allowlisted ? zero3() : { ...s.drop },
      ideal: { ...s.ideal },
      spared: s.allowlisted ? { ...s.drop } : zero3(),
      probablyLegitPackets: s.allowlisted ? 0n : s.probablyLegitPackets,
      probablyLegitPct:
        !s.allowlisted && s.drop.packets > 0n ? pct(s.probablyLegitPackets, s.drop.packets) : null,
      peakSynRate: k.peakSynRate,
      peakPktRate: k.peakPktRate,
      peakByteRate: k.peakByteRate,
      minSuccessRatio: s.minSuccessRatio,
      hotIntervals: s.hotIntervals,
      episodes: s.episodes.length,
      firstHot: s.firstHot === null ? null : timePoint(s.firstHot),
      lastHot: s.lastHot === null ? null : timePoint(s.lastHot),
      singleInterval: s.hotIntervals === 1,
      healthyBlocked: isHealthy(s) && blocked,
    };
  };
  const hotSims = sims1.filter((s) => s.hotIntervals > 0).sort((a, b) => compareKeys(a.cand.key, b.cand.key));
  const sources = hotSims.map(sourceRow);
  const bySeverity = [...sources]
    .map((r, i) => ({ r, i }))
    .sort(
      (a, b) =>
        (a.r.decision === b.r.decision ? 0 : a.r.decision === "block" ? -1 : 1) ||
        cmpBigDesc(a.r.wouldDrop.packets, b.r.wouldDrop.packets) ||
        cmpBigDesc(a.r.totals.packets, b.r.totals.packets) ||
        a.i - b.i,
    );
  const severityRows = bySeverity.map((x) => x.r);
  const topRows = severityRows.slice(0, MODEL_LIST_CAP);
  // Drill-down data for every blocked key, in the same order as the sources (hotSims and sources share indices).
  const drill = bySeverity
    .filter((x) => x.r.decision === "block")
    .map((x) => keyDrill(hotSims[x.i]!, x.r.display, cfg, tl.ivs));

  // ---- episodes
  const episodes: EpisodeRow[] = [];
  for (const s of hotSims) {
    const k = s.cand.key;
    const ref0 = keyRef(k.family, k.src, k.prefixLen, k.dstPort);
    for (const e of s.episodes) {
      const run = runs[e.run]!;
      episodes.push({
        ...ref0,
        host: run.host,
        iface: run.iface,
        runId: run.runId,
        start: timePoint(e.start),
        end: timePoint(e.end),
        durationSec: e.end - e.start,
        intervals: e.intervals,
        abuseClass: e.cls,
        peakSynRate: e.peakSynRate,
        peakPktRate: e.peakPktRate,
        peakByteRate: e.peakByteRate,
        minSuccessRatio: e.minSuccessRatio,
        totals: { packets: e.packets, bytes: e.bytes, syn: e.syn },
        allowlisted: s.allowlisted,
      });
    }
  }
  // summary.json keeps start order; the readable lists put the important episodes first.
  episodes.sort((a, b) => a.start.unix - b.start.unix || 0);
  const byImpact = episodes
    .map((e, i) => ({ e, i }))
    .sort(
      (a, b) =>
        Number(a.e.allowlisted) - Number(b.e.allowlisted) ||
        cmpBigDesc(a.e.totals.packets, b.e.totals.packets) ||
        cmpBigDesc(a.e.totals.syn, b.e.totals.syn) ||
        a.i - b.i,
    )
    .map((x) => x.e);
  const singles = sources.filter((s) => s.singleInterval).map(keyRefOf);

  // ---- time series
  const intervalSec = median(runs.map((r) => r.intervalSec));
  const { start, end } = windowBounds(tl);
  const { bucketSec, points } = buildSeries({
    ivTotals: sc.ivTotals,
    ivs,
    blocked: dec.blocked,
    activeAt: dec.activeAt,
    start,
    end,
    intervalSec,
  });

  // ---- scope and coverage
  const {
    runInfos,
    gaps,
    baselines,
    caps,
    fills,
    lossTotal,
    problems,
    notes: coverageNotes,
  } = coverage({
    runs,
    snapsById,
    ivTotals: sc.ivTotals,
    writeErrors: cat.writeErrors,
    portsFiltered: opts.ports !== null,
    skippedCount,
  });
  const uniq = <T>(xs: T[]) => [...new Set(xs)];

  const dstPorts = opts.ports
    ? uniq(opts.ports).sort((a, b) => a - b)
    : uniq([...snaps.flatMap((s) => s.ports), ...keyStats.ports].filter((p) => p > 0)).sort((a, b) => a - b);

  // ---- allowlist effect
  const alHot = dec.allowlistedHot.sort(
    (a, b) => cmpBigDesc(a.drop.packets, b.drop.packets) || compareKeys(a.cand.key, b.cand.key),
  );
  const al = opts.allowlist;
  const alEntries = {
    v4Addresses: al.entries.filter((e) => e.prefix.family === 4 && e.single).length,
    v4Cidrs: al.entries.filter((e) => e.prefix.family === 4 && !e.single).length,
    v6Addresses: al.entries.filter((e) => e.prefix.family === 6 && e.single).length,
    v6Cidrs: al.entries.filter((e) => e.prefix.family === 6 && !e.single).length,
    total: al.entries.length,
  };

  const healthyRows = dec.healthy
    .sort((a, b) => cmpBigDesc(a.drop.packets, b.drop.packets) || compareKeys(a.cand.key, b.cand.key))
    .map((s) => {
      const k = s.cand.key;
      return {
        ...keyRef(k.family, k.src, k.prefixLen, k.dstPort),
        abuseClass: s.cls,
        wouldDropPackets: s.drop.packets,
        probablyLegitPackets: s.probablyLegitPackets,
        probablyLegitPct: pct(s.probablyLegitPackets, s.drop.packets),
        minSuccessRatio: s.minSuccessRatio,
        peakPktRate: k.peakPktRate,
      };
    });

  const label = OUTCOME_LABEL[dec.outcome];
  const fleetHosts = decided.hosts;
  const headline = fleetHosts
    ? fleetHeadline(dec, fleetHosts)
    : dec.outcome === "READY"
      ? `READY for a human-approved enforcement trial: ${plural(dec.blocked.length, "source key")} would be blocked, dropping ${formatPct(dec.gatingPct)} of ${dec.gatingMeasure === "syn" ? "SYNs" : "packets"} with a false-positive bound of ${formatPct(dec.fp.valuePct)}.`
      : dec.outcome === "NOTHING_TO_ENFORCE"
        ? "Nothing to enforce: no source met the abuse criteria and no port showed a flood."
        : `NOT READY: ${plural(dec.reasons.length, "condition")} failed${dec.blocked.length ? ` for ${plural(dec.blocked.length, "blocked key")}` : ""}.`;
  const notes: string[] = [];
  if (ports.unattributed && dec.blocked.length > 0) notes.push(ports.unattributed);
  if (singles.length)
    notes.push(
      `${plural(singles.length, "key was", "keys were")} hot in a single interval only: review ${singles.length === 1 ? "it" : "them"} manually before enforcing.`,
    );
  pushAll(notes, problems);

  const synthetic = cat.syntheticLabels;
  const cap = <T>(xs: T[]) => ({
    rows: xs.slice(0, MODEL_LIST_CAP),
    total: xs.length,
    leftOut: Math.max(0, xs.length - MODEL_LIST_CAP),
  });

  const generatedAt = timePoint(opts.now ?? latest);
  const scope: Scope = {
    inputs: [...opts.inputs],
    files: {
      parquet: found.parquet.length,
      jsonl: found.jsonl.length,
      total: found.parquet.length + found.jsonl.length,
    },
    // What was analysed: duplicates dropped by buildRuns are skipped input, not snapshots.
    snapshots: runs.reduce((a, r) => a + r.snaps.length, 0),
    // Rows as stored at the source: an import's skipped buckets count, as they do in a report on its JSONL.
    rows: BigInt(
      runs.reduce((a, r) => a + r.snaps.reduce((b, s) => b + s.rows, 0), 0) + cat.skips.sourceRows,
    ),
    hosts: uniq(runs.map((r) => r.host)).sort(),
    ifaces: uniq(runs.map((r) => r.iface)).sort(),
    xdpModes: uniq(snaps.map((s) => s.xdpMode).filter((x): x is string => x !== null)).sort(),
    dstPorts,
    runs: runInfos,
    start: start === null ? null : timePoint(start),
    end: end === null ? null : timePoint(end),
    observedSec,
    durationSec: start !== null && end !== null ? end - start : 0,
    since: since === null ? null : timePoint(since),
    until: until === null ? null : timePoint(until),
    hostFilter: opts.host,
    discovery: {
      listed: cat.discovery.listed,
      opened: cat.discovery.opened,
      hostFoldersPruned: cat.discovery.hostFoldersPruned,
      dateFolders: cat.discovery.dateFolders,
      dateFoldersListed: cat.discovery.dateFoldersListed,
    },
    intervalSec,
    mapCapacity: caps.length ? maxBy(caps, (x) => x) : null,
    peakFillPct: fills.length ? maxBy(fills, (x) => x) : null,
    evictionLossPackets: lossTotal,
    evictionLossPct: lossTotal !== null ? pct(lossTotal, lossTotal + total.packets) : null,
    gaps: {
      count: gaps.length,
      totalMissingSec: gaps.reduce((a, g) => a + g.missingSec, 0),
      list: gaps.slice(0, 100),
      leftOut: Math.max(0, gaps.length - 100),
    },
    baselines: {
      count: baselines.length,
      list: baselines.slice(0, 100),
      leftOut: Math.max(0, baselines.length - 100),
    },
    skipped: { count: skippedCount, first: skipped.slice(0, SKIP_REASONS_SHOWN) },
    problems,
    notes: coverageNotes,
  };
  // ---- fleet: each host's own verdict, rules and exports (several hosts only)
  let rules: ReportModel["rules"];
  let fleet: ReportModel["fleet"] = null;
  let files = outputFiles(outputs);
  if (fleetHosts && sim.hosts && ev.hostExports) {
    const hostSources = sim.hosts.map((h) =>
      h.sims
        .filter((s) => s.hotIntervals > 0)
        .sort((a, b) => compareKeys(a.cand.key, b.cand.key))
        .map(sourceRow),
    );
    rules = buildFleetRules(
      { config: cfg, scope, generatedAt },
      fleetHosts.map((h, i) => ({
        host: h.host,
        outcome: h.decision.outcome,
        sources: hostSources[i]!,
        exports: ev.hostExports![i]!,
      })),
      opts.allowlist,
    );
    const byHost = rules.byHost!;
    fleet = {
      hosts: fleetHosts.map((h, i) => hostRow(h, byHost[i]!.rules, sim.hosts![i]!, { runs, gaps })),
      notReady: fleetHosts.filter((h) => h.decision.outcome === "NOT_READY").map((h) => h.host),
      sharedHotKeys: cap(sharedHotKeys(sim.hosts)),
    };
    // Each host's files right after the fleet's rules files.
    const at = files.indexOf("rules.txt");
    if (at >= 0)
      files = [
        ...files.slice(0, at + 1),
        ...byHost.flatMap((h) => [h.files.json, h.files.nft, h.files.txt]),
        ...files.slice(at + 1),
      ];
  } else rules = buildRules({ config: cfg, scope, generatedAt }, sources, opts.allowlist, ev.exports);

  const model: ReportModel = {
    reportVersion: REPORT_VERSION,
    profile: "ibsr",
    generatedAt,
    synthetic: { isSynthetic: synthetic.length > 0, label: synthetic[0] ?? null },
    verdict: { outcome: dec.outcome, label, headline, reasons: dec.reasons, notes, checks: dec.checks },
    assumptions: ASSUMPTIONS(cfg),
    config: { ...cfg },
    scope,
    series: {
      bucketSec,
      points,
      maxPktRate: Math.max(
        0,
        maxBy(points, (p) => p.pktRate),
      ),
      maxSynRate: Math.max(
        0,
        maxBy(points, (p) => p.synRate),
      ),
      maxByteRate: Math.max(
        0,
        maxBy(points, (p) => p.byteRate),
      ),
      maxDistinctSources: Math.max(
        0,
        maxBy(points, (p) => p.distinctSources),
      ),
      maxActiveBlocks: Math.max(
        0,
        maxBy(points, (p) => p.activeBlocks),
      ),
    },
    impact: {
      total,
      wouldDrop: dec.wouldDrop,
      wouldDropPct: dec.wouldDropPct,
      ideal: dec.ideal,
      idealPct: pct3(dec.ideal, total),
      sparedByAllowlist: dec.spared,
      sparedPct: pct3(dec.spared, total),
      latencyCost: {
        packets: dec.ideal.packets > dec.wouldDrop.packets ? dec.ideal.packets - dec.wouldDrop.packets : 0n,
        bytes: dec.ideal.bytes > dec.wouldDrop.bytes ? dec.ideal.bytes - dec.wouldDrop.bytes : 0n,
        syn: dec.ideal.syn > dec.wouldDrop.syn ? dec.ideal.syn - dec.wouldDrop.syn : 0n,
      },
      keysObserved: keyStats.keys,
      keysHot: hotSims.length,
      keysBlocked: dec.blocked.length,
      keysAllowlistedHot: dec.allowlistedHot.length,
      peakConcurrentBlocks: dec.peakConcurrent,
      peakConcurrentAt: dec.peakAt === null ? null : timePoint(dec.peakAt),
      peakConcurrentByHost: dec.peaksByEnforcer.map((p) => ({
        ...enforcerOfKey(p.enforcer),
        peak: p.peak,
        at: p.at === null ? null : timePoint(p.at),
      })),
      hotByClass: classCounts(hotSims),
      blockedByClass: dec.blockedByClass,
      gatingMeasure: dec.gatingMeasure,
      gatingPct: dec.gatingPct,
    },
    topSources: {
      rows: topRows,
      total: sources.length,
      leftOut: Math.max(0, sources.length - topRows.length),
    },
    episodes: cap(byImpact),
    singleIntervalKeys: cap(singles),
    fp: {
      computed: dec.fp.computed,
      valuePct: dec.fp.valuePct,
      reason: dec.fp.reason,
      probablyLegitPackets: dec.fp.probablyLegitPackets,
      wouldDropPackets: dec.fp.wouldDropPackets,
      nonAllowlistedKeys,
      observedSec,
      healthyBlockedKeys: healthyRows.slice(0, MODEL_LIST_CAP),
      healthyBlockedTotal: healthyRows.length,
      healthyBlockedLeftOut: Math.max(0, healthyRows.length - MODEL_LIST_CAP),
    },
    allowlist: {
      configured: al.path !== null,
      path: al.path,
      entries: alEntries,
      entryTexts: al.entries.map((e) => e.text),
      matchedKeys: keyStats.allowlisted,
      hotKeys: alHot.length,
      spared: dec.spared,
      sparedPct: pct3(dec.spared, total),
      top: alHot.slice(0, MODEL_LIST_CAP).map(sourceRow),
      leftOut: Math.max(0, alHot.length - MODEL_LIST_CAP),
    },
    ports: ports.findings,
    sensitivity,
    rollups: capRollups(ev.rollups),
    rules,
    machine: {
      sources: { ...capSources(sources, SUMMARY_SOURCES_CAP), total: sources.length },
      episodes: {
        rows: episodes.slice(0, SUMMARY_SOURCES_CAP),
        total: episodes.length,
        leftOut: Math.max(0, episodes.length - SUMMARY_SOURCES_CAP),
      },
      evidence: {
        rows: ev.rows,
        total: ev.total,
        leftOut: ev.total - ev.rows.length,
        parquet: ev.parquet,
      },
    },
    explorer: {
      sources: severityRows,
      episodes: byImpact,
      rollupsV4: ev.rollups.v4,
      rollupsV6: ev.rollups.v6,
      drill,
    },
    fleet,
    // Filled by the history stage (stages/history.ts), which reads the store.
    history: null,
    files,
  };
  return { model, sources, episodes };
}

export const OUTCOME_LABEL = {
  READY: "READY",
  NOT_READY: "NOT READY",
  NOTHING_TO_ENFORCE: "NOTHING TO ENFORCE",
} as const;

/** The fleet verdict's sentence: how many hosts are ready, and which are not and why (briefly). */
function fleetHeadline(dec: Decision, hosts: readonly HostDecision[]): string {
  const of = (o: Outcome) => hosts.filter((h) => h.decision.outcome === o);
  const idle = of("NOTHING_TO_ENFORCE");
  const idleText = idle.length
    ? ` ${plural(idle.length, "host has", "hosts have")} nothing to enforce (${hostListText(idle.map((h) => h.host))}).`
    : "";
  if (dec.outcome === "NOT_READY") {
    const bad = of("NOT_READY");
    return `NOT READY on ${formatInt(bad.length)} of ${plural(hosts.length, "host")}: ${notReadyText(bad.map((h) => ({ host: h.host, reasons: h.decision.reasons })))}.`;
  }
  if (dec.outcome === "READY")
    return `READY for a human-approved enforcement trial on every host with something to enforce (${plural(of("READY").length, "host")}, each with its own rules): ${plural(dec.blocked.length, "source key")} would be blocked across the fleet, dropping ${formatPct(dec.gatingPct)} of ${dec.gatingMeasure === "syn" ? "SYNs" : "packets"}.${idleText}`;
  return `Nothing to enforce on any of the ${plural(hosts.length, "host")}: no source met the abuse criteria and no port showed a flood.`;
}

/** One host's row of the per-host table. */
function hostRow(
  h: HostDecision,
  rules: RulesModel,
  hs: HostSimulation,
  cov: { runs: Timeline["runs"]; gaps: readonly Gap[] },
): HostRow {
  const d = h.decision;
  const runs = cov.runs.filter((r) => r.host === h.host);
  const gaps = cov.gaps.filter((g) => g.host === h.host);
  return {
    host: h.host,
    outcome: d.outcome,
    label: OUTCOME_LABEL[d.outcome],
    reasons: d.reasons,
    why: d.reasons.map((r) => REASON_BRIEF[r.code]).join("; "),
    checks: d.checks,
    keysBlocked: d.blocked.length,
    rules: rules.total,
    heldBack: rules.heldBack.length,
    total: hs.total,
    wouldDrop: d.wouldDrop,
    wouldDropPct: d.wouldDropPct,
    gatingMeasure: d.gatingMeasure,
    gatingPct: d.gatingPct,
    fp: { computed: d.fp.computed, valuePct: d.fp.valuePct, reason: d.fp.reason },
    healthyBlockedKeys: d.healthy.length,
    peakConcurrentBlocks: d.peakConcurrent,
    coverage: {
      runs: runs.length,
      snapshots: runs.reduce((a, r) => a + r.snaps.length, 0),
      gaps: gaps.length,
      missingSec: gaps.reduce((a, g) => a + g.missingSec, 0),
      observedSec: hs.observedSec,
    },
  };
}

/** Keys hot on two hosts or more: most hosts first, then key order. */
function sharedHotKeys(hosts: readonly HostSimulation[]): SharedHotKey[] {
  const byKey = new Map<string, { sim: KeySim; hosts: string[]; rulesOn: number }>();
  for (const h of hosts)
    for (const s of h.sims) {
      if (s.hotIntervals === 0) continue;
      let e = byKey.get(s.cand.key.id);
      if (!e) {
        e = { sim: s, hosts: [], rulesOn: 0 };
        byKey.set(s.cand.key.id, e);
      }
      e.hosts.push(h.host);
      if (isEnforceable(s)) e.rulesOn++;
    }
  return [...byKey.values()]
    .filter((e) => e.hosts.length > 1)
    .sort((a, b) => b.hosts.length - a.hosts.length || compareKeys(a.sim.cand.key, b.sim.cand.key))
    .map((e) => {
      const k = e.sim.cand.key;
      return {
        ...keyRef(k.family, k.src, k.prefixLen, k.dstPort),
        hosts: e.hosts.length,
        hostNames: e.hosts.slice(0, FLEET_HOSTS_SHOWN),
        rulesOn: e.rulesOn,
      };
    });
}

/** The model's readable roll-ups: the first MODEL_LIST_CAP of the engine's (longer) lists. */
function capRollups(r: Rollups): Rollups {
  return {
    v4: r.v4.slice(0, MODEL_LIST_CAP),
    v4Total: r.v4Total,
    v4LeftOut: Math.max(0, r.v4Total - Math.min(r.v4.length, MODEL_LIST_CAP)),
    v6: r.v6.slice(0, MODEL_LIST_CAP),
    v6Total: r.v6Total,
    v6LeftOut: Math.max(0, r.v6Total - Math.min(r.v6.length, MODEL_LIST_CAP)),
  };
}

export function ASSUMPTIONS(cfg: ReportConfig): string[] {
  return [
    `Model: an enforcer that detects at snapshot cadence. A rule for a source on a port fires at the end of each hot interval (it cannot act before the snapshot that reveals it) and blocks that source on that port for ${cfg.block_duration_sec} s; while the source stays hot the block re-arms.`,
    "Would-drop traffic = for every interval, its traffic times the share of the interval inside blocked time (traffic assumed uniform inside an interval). A faster inline detector would catch more: the would-drop figure is a lower bound; the zero-latency figure shows what an ideal rule would have caught.",
    "Nobody's behaviour is assumed to change: blocked clients would really retry (and look worse), attackers might move; the counterfactual replays the observed traffic only.",
    `Probably legitimate = would-drop traffic in intervals that are not SYN_FLOOD_LIKE and complete handshakes (success ratio >= ${cfg.fp_safe_ratio}) or open no connections. Allowlisted sources never fire; what they would have lost is shown as spared.`,
  ];
}
