// rules.json: the reference's version 3 shape, one trigger per enforceable key, plus a `criteria` object on each
// trigger (the thresholds and class that fired), its hot times and counts, the allowlist as exceptions, and the
// probably-legitimate blocked keys held back apart (never a trigger: applying the file must not block them).
import type { Allowlist } from "../allowlist.js";
import {
  type AbuseClass,
  type HeldBackRule,
  type KeyRef,
  keyRefOf,
  type ReportConfig,
  type ReportModel,
  type RuleCriteria,
  type RuleExports,
  type RulesModel,
  type RuleTrigger,
  type SourceRow,
  type TimePoint,
} from "../model.js";
import { jsonText } from "../render/json-text.js";

/**
 * 4: version 3 plus additions (every v3 member kept): each trigger's hot times and counts, `held_back` (blocked
 * keys the report counts as probably legitimate, never among the triggers) and `exports` (what rules.nft and
 * rules.txt hold).
 */
export const RULES_VERSION = 4;

/** Enforceable: blocked and not probably legitimate. A healthy blocked key is held back instead. */
export function isEnforceableRow(s: SourceRow): boolean {
  return s.decision === "block" && s.abuseClass !== null && !s.healthyBlocked;
}

function heldBackReason(s: SourceRow, cfg: ReportConfig): string {
  const pct = s.probablyLegitPct ?? 0;
  return `probably legitimate: ${pct.toFixed(1)}% of its would-drop packets came in intervals that completed handshakes (success ratio >= ${cfg.fp_safe_ratio}) or opened no connections`;
}

const cmpBigDesc = (a: bigint, b: bigint) => (a === b ? 0 : a > b ? -1 : 1);

const keyType = (k: KeyRef) => (k.prefixLen === (k.family === 4 ? 32 : 128) ? "src_ip" : "src_cidr");
const portOf = (k: KeyRef) => (k.dstPort === 0 ? null : k.dstPort);
const time = (name: string, t: TimePoint | null) => ({
  [name]: t?.iso ?? null,
  [`${name}_unix`]: t === null ? null : Math.floor(t.unix),
});

export function buildRules(
  model: Pick<ReportModel, "config" | "scope" | "generatedAt">,
  sources: readonly SourceRow[],
  allowlist: Allowlist,
  exports: RuleExports,
  /** Set for one host's file of a fleet report (its rules only); the single-host rules.json has no `host`. */
  host?: string,
): RulesModel {
  const cfg = model.config;
  const windowSec = model.scope.intervalSec;
  const triggers: RuleTrigger[] = sources.filter(isEnforceableRow).map((s) => ({
    ...keyRefOf(s),
    abuseClass: s.abuseClass!,
    windowSec,
    durationSec: cfg.block_duration_sec,
    criteria: ruleCriteria(cfg, s.abuseClass!),
    firstHot: s.firstHot,
    lastHot: s.lastHot,
    hotIntervals: s.hotIntervals,
    episodes: s.episodes,
    wouldDrop: { ...s.wouldDrop },
    totals: { ...s.totals },
  }));
  const heldBack: HeldBackRule[] = sources
    .map((s, i) => ({ s, i }))
    .filter(({ s }) => s.decision === "block" && s.abuseClass !== null && s.healthyBlocked)
    .sort((a, b) => cmpBigDesc(a.s.wouldDrop.packets, b.s.wouldDrop.packets) || a.i - b.i)
    .map(({ s }) => ({
      ...keyRefOf(s),
      abuseClass: s.abuseClass!,
      reason: heldBackReason(s, cfg),
      wouldDrop: { ...s.wouldDrop },
      probablyLegitPackets: s.probablyLegitPackets,
      probablyLegitPct: s.probablyLegitPct ?? 0,
      minSuccessRatio: s.minSuccessRatio,
      peakSynRate: s.peakSynRate,
      peakPktRate: s.peakPktRate,
      peakByteRate: s.peakByteRate,
      firstHot: s.firstHot,
      lastHot: s.lastHot,
      hotIntervals: s.hotIntervals,
      episodes: s.episodes,
    }));
  const exceptions = allowlist.entries.map((e) => ({
    keyType: e.single ? ("src_ip" as const) : ("src_cidr" as const),
    value: e.text,
  }));
  const doc = {
    version: RULES_VERSION,
    ...(host === undefined ? {} : { host }),
    generated_at: Math.floor(model.generatedAt.unix),
    match_criteria: { proto: "tcp", dst_ports: model.scope.dstPorts },
    triggers: triggers.map((t) => ({
      key_type: keyType(t),
      key_value: t.src,
      dst_port: portOf(t),
      abuse_class: t.abuseClass,
      window_sec: t.windowSec,
      syn_rate_threshold: cfg.syn_rate_threshold,
      success_ratio_threshold: cfg.success_ratio_threshold,
      action: { action_type: "drop", duration_sec: t.durationSec },
      criteria: t.criteria,
      ...time("first_hot", t.firstHot),
      ...time("last_hot", t.lastHot),
      hot_intervals: t.hotIntervals,
      episodes: t.episodes,
      would_drop_packets: t.wouldDrop.packets,
      would_drop_bytes: t.wouldDrop.bytes,
      would_drop_syn: t.wouldDrop.syn,
      total_packets: t.totals.packets,
    })),
    exceptions: exceptions.map((e) => ({ key_type: e.keyType, key_value: e.value })),
    held_back: heldBack.map((h) => ({
      key_type: keyType(h),
      key_value: h.src,
      dst_port: portOf(h),
      abuse_class: h.abuseClass,
      reason: h.reason,
      allowlist_entry: h.src,
      would_drop_packets: h.wouldDrop.packets,
      probably_legit_packets: h.probablyLegitPackets,
      probably_legit_pct: h.probablyLegitPct,
      min_success_ratio: h.minSuccessRatio,
      peak_syn_rate: h.peakSynRate,
      peak_pkt_rate: h.peakPktRate,
      peak_byte_rate: h.peakByteRate,
      ...time("first_hot", h.firstHot),
      ...time("last_hot", h.lastHot),
      hot_intervals: h.hotIntervals,
      episodes: h.episodes,
    })),
    exports: {
      entries: exports.entries.length,
      keys_covered: exports.keys,
      merged_entries: exports.merged,
      withheld: exports.withheld.map((w) => ({
        key_type: keyType(w),
        key_value: w.src,
        dst_port: portOf(w),
        reason: w.reason,
      })),
    },
  };
  return {
    triggers,
    total: triggers.length,
    leftOut: 0,
    exceptions,
    heldBack,
    exports,
    json: jsonText(doc),
    byHost: null,
  };
}

/** The thresholds a trigger of this class was judged by, in rules.json's key order. */
export function ruleCriteria(cfg: ReportConfig, abuseClass: AbuseClass): RuleCriteria {
  return {
    abuse_class: abuseClass,
    syn_rate_threshold: cfg.syn_rate_threshold,
    success_ratio_threshold: cfg.success_ratio_threshold,
    min_syn: cfg.min_syn,
    vol_syn_rate: cfg.vol_syn_rate,
    vol_pkt_rate: cfg.vol_pkt_rate,
    vol_byte_rate: cfg.vol_byte_rate,
    min_packets: cfg.min_packets,
  };
}
