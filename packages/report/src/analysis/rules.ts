// rules.json: the reference's version 3 shape, one trigger per blocked key, plus a `criteria` object on each
// trigger (the thresholds and class that fired) and the allowlist as exceptions.
import type { Allowlist } from "../allowlist.js";
import {
  type AbuseClass,
  keyRefOf,
  type ReportConfig,
  type ReportModel,
  type RuleCriteria,
  type RulesModel,
  type RuleTrigger,
  type SourceRow,
} from "../model.js";
import { jsonText } from "../render/json-text.js";

export const RULES_VERSION = 3;

export function buildRules(
  model: Pick<ReportModel, "config" | "scope" | "generatedAt">,
  sources: readonly SourceRow[],
  allowlist: Allowlist,
): RulesModel {
  const cfg = model.config;
  const windowSec = model.scope.intervalSec;
  const triggers: RuleTrigger[] = sources
    .filter((s) => s.decision === "block" && s.abuseClass !== null)
    .map((s) => ({
      ...keyRefOf(s),
      abuseClass: s.abuseClass!,
      windowSec,
      durationSec: cfg.block_duration_sec,
      criteria: ruleCriteria(cfg, s.abuseClass!),
    }));
  const exceptions = allowlist.entries.map((e) => ({
    keyType: e.single ? ("src_ip" as const) : ("src_cidr" as const),
    value: e.text,
  }));
  const doc = {
    version: RULES_VERSION,
    generated_at: Math.floor(model.generatedAt.unix),
    match_criteria: { proto: "tcp", dst_ports: model.scope.dstPorts },
    triggers: triggers.map((t) => ({
      key_type: t.prefixLen === (t.family === 4 ? 32 : 128) ? "src_ip" : "src_cidr",
      key_value: t.src,
      dst_port: t.dstPort === 0 ? null : t.dstPort,
      abuse_class: t.abuseClass,
      window_sec: t.windowSec,
      syn_rate_threshold: cfg.syn_rate_threshold,
      success_ratio_threshold: cfg.success_ratio_threshold,
      action: { action_type: "drop", duration_sec: t.durationSec },
      criteria: t.criteria,
    })),
    exceptions: exceptions.map((e) => ({ key_type: e.keyType, key_value: e.value })),
  };
  return { triggers, total: triggers.length, leftOut: 0, exceptions, json: jsonText(doc) };
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
