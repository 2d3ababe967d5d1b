// summary.json per spec §9, from the report model (plus the full source and episode lists).
import type { EpisodeRow, ReportModel, SourceRow } from "../model.js";
import { jsonText } from "./json-text.js";

export const SUMMARY_SOURCES_CAP = 10_000;

function sourceJson(s: SourceRow) {
  return {
    src: s.src,
    dst_port: s.dstPort === 0 ? null : s.dstPort,
    family: s.family,
    prefix_len: s.prefixLen,
    decision: s.decision,
    allowlisted: s.allowlisted,
    abuse_class: s.abuseClass,
    totals: s.totals,
    would_drop: s.wouldDrop,
    ideal: s.ideal,
    spared_by_allowlist: s.spared,
    peak_syn_rate: s.peakSynRate,
    peak_pkt_rate: s.peakPktRate,
    peak_byte_rate: s.peakByteRate,
    min_success_ratio: s.minSuccessRatio,
    hot_intervals: s.hotIntervals,
    episodes: s.episodes,
    probably_legit_pct: s.probablyLegitPct,
    healthy_blocked: s.healthyBlocked,
  };
}

/** `sources` must be in key order (family, address, prefix length, port). */
export function renderSummaryJson(
  model: ReportModel,
  sources: readonly SourceRow[],
  episodes: readonly EpisodeRow[],
): string {
  // Keep the most important sources when capping, then print them in key order.
  let kept: SourceRow[] = [...sources];
  if (kept.length > SUMMARY_SOURCES_CAP) {
    const ranked = sources
      .map((s, i) => ({ s, i }))
      .sort(
        (a, b) =>
          (a.s.wouldDrop.packets === b.s.wouldDrop.packets
            ? 0
            : a.s.wouldDrop.packets > b.s.wouldDrop.packets
              ? -1
              : 1) || a.i - b.i,
      );
    kept = ranked
      .slice(0, SUMMARY_SOURCES_CAP)
      .sort((a, b) => a.i - b.i)
      .map((x) => x.s);
  }
  const sc = model.scope;
  const doc = {
    report_version: model.reportVersion,
    profile: model.profile,
    generated_at: Math.floor(model.generatedAt.unix),
    generated_at_iso: model.generatedAt.iso,
    synthetic: { is_synthetic: model.synthetic.isSynthetic, label: model.synthetic.label },
    config: model.config,
    input: {
      paths: sc.inputs,
      files: sc.files.total,
      parquet_files: sc.files.parquet,
      jsonl_files: sc.files.jsonl,
      snapshots: sc.snapshots,
      rows: sc.rows,
      skipped: {
        count: sc.skipped.count,
        first: sc.skipped.first.map((s) => ({ file: s.file, line: s.line, reason: s.reason })),
      },
      hosts: sc.hosts,
      ifaces: sc.ifaces,
      runs: sc.runs.map((r) => ({
        host: r.host,
        iface: r.iface,
        run_id: r.runId,
        format: r.format,
        start_ts: r.start.unix,
        end_ts: r.end.unix,
        snapshots: r.snapshots,
        intervals: r.intervals,
        interval_sec: r.intervalSec,
        first_is_baseline: r.firstIsBaseline,
        xdp_mode: r.xdpMode,
        map_capacity: r.mapCapacity,
        peak_fill_pct: r.peakFillPct,
        eviction_loss_packets: r.evictionLossPackets,
        estimated_evictions: r.estimatedEvictions,
        gaps: r.gaps,
        merged_short_intervals: r.mergedShortIntervals,
      })),
      start_ts: sc.start?.unix ?? null,
      end_ts: sc.end?.unix ?? null,
      observed_sec: sc.observedSec,
      since: sc.since?.unix ?? null,
      until: sc.until?.unix ?? null,
      dst_ports: sc.dstPorts,
      interval_sec: sc.intervalSec,
      baseline_snapshots: sc.baselines.list.map((b) => ({
        host: b.host,
        iface: b.iface,
        run_id: b.runId,
        ts: b.at.unix,
        reason: b.reason,
      })),
      baseline_snapshot_count: sc.baselines.count,
      gaps: sc.gaps.count,
      coverage_problems: sc.problems,
    },
    sources: kept.map(sourceJson),
    sources_total: sources.length,
    sources_left_out: sources.length - kept.length,
    episodes: episodes.slice(0, SUMMARY_SOURCES_CAP).map((e) => ({
      src: e.src,
      dst_port: e.dstPort === 0 ? null : e.dstPort,
      host: e.host,
      iface: e.iface,
      run_id: e.runId,
      start_ts: e.start.unix,
      end_ts: e.end.unix,
      duration_sec: e.durationSec,
      interval_count: e.intervals,
      abuse_class: e.abuseClass,
      peak_syn_rate: e.peakSynRate,
      peak_pkt_rate: e.peakPktRate,
      peak_byte_rate: e.peakByteRate,
      min_success_ratio: e.minSuccessRatio,
      totals: e.totals,
      allowlisted: e.allowlisted,
    })),
    episodes_total: episodes.length,
    episodes_left_out: Math.max(0, episodes.length - SUMMARY_SOURCES_CAP),
    impact: {
      total: model.impact.total,
      would_drop: model.impact.wouldDrop,
      ideal: model.impact.ideal,
      spared_by_allowlist: model.impact.sparedByAllowlist,
      pct: model.impact.wouldDropPct,
      ideal_pct: model.impact.idealPct,
      peak_concurrent_blocks: model.impact.peakConcurrentBlocks,
      keys_observed: model.impact.keysObserved,
      keys_blocked: model.impact.keysBlocked,
      gating_measure: model.impact.gatingMeasure,
      gating_pct: model.impact.gatingPct,
    },
    fp_bound: { computed: model.fp.computed, value_pct: model.fp.valuePct, reason: model.fp.reason },
    healthy_blocked_keys: model.fp.healthyBlockedKeys.map((k) => ({
      src: k.src,
      dst_port: k.dstPort === 0 ? null : k.dstPort,
      would_drop_packets: k.wouldDropPackets,
      probably_legit_pct: k.probablyLegitPct,
    })),
    single_interval_keys: model.singleIntervalKeys.rows.map((k) => ({ src: k.src, dst_port: k.dstPort })),
    port_findings: model.ports.map((p) => ({
      dst_port: p.dstPort,
      kind: p.kind,
      message: p.message,
      peak_syn_rate: p.peakSynRate,
      success_ratio_at_peak: p.successRatioAtPeak,
      max_distinct_sources: p.maxDistinctSources,
      hot_intervals: p.hotIntervals,
      unattributed_intervals: p.unattributedIntervals,
      attributed_syn_pct: p.attributedSynPct,
    })),
    verdict: {
      outcome: model.verdict.outcome,
      reasons: model.verdict.reasons.map((r) => r.text),
      codes: model.verdict.reasons.map((r) => r.code),
      notes: model.verdict.notes,
    },
    readiness: { safe: model.verdict.outcome === "READY", reasons: model.verdict.reasons.map((r) => r.text) },
    sensitivity: model.sensitivity.map((s) => ({
      factor: s.factor,
      syn_rate_threshold: s.syn_rate_threshold,
      vol_syn_rate: s.vol_syn_rate,
      vol_pkt_rate: s.vol_pkt_rate,
      vol_byte_rate: s.vol_byte_rate,
      keys_blocked: s.keysBlocked,
      would_drop: s.wouldDrop,
      would_drop_pct: s.wouldDropPct,
      fp_bound: { computed: s.fpComputed, value_pct: s.fpPct, reason: s.fpReason },
      healthy_blocked_keys: s.healthyBlockedKeys,
      peak_concurrent_blocks: s.peakConcurrentBlocks,
      verdict: s.outcome,
    })),
    allowlist: {
      path: model.allowlist.path,
      entries: model.allowlist.entryTexts,
      matched_keys: model.allowlist.matchedKeys,
      hot_keys: model.allowlist.hotKeys,
      spared: model.allowlist.spared,
    },
  };
  return jsonText(doc);
}
