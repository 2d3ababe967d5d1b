// The reference's four output texts (spec §8, §10, §11, §12), byte for byte: rules.json v3 built from
// episodes, report.md, evidence.csv and summary.json. All LF-terminated.
import { type Allowlist, allowlistContains } from "./allowlist.js";
import type { NrIbsrConfig } from "./config.js";
import { formatIpv4 } from "./ipv4.js";
import { type Analysis, compareOptPort, compareStr, displayKey, type Episode } from "./pipeline.js";
import { formatFixed } from "./rust-format.js";
import { f64, type JsonObject, type JsonValue, toPrettyJson } from "./serde-json.js";

export const RULES_VERSION = 3;
export const REPORT_VERSION = 5;
const SINGLE_WINDOW_REASON = "Single-window episode requires manual review";

const u64 = (v: bigint): JsonValue => v;

/** rules.json: triggers from episodes (allowlisted skipped, first per (src, port)), string-sorted. */
export function renderRules(a: Analysis, cfg: NrIbsrConfig, allowlist: Allowlist, now: bigint): string {
  const seen = new Set<string>();
  const triggers: { keyValue: string; dstPort: number | undefined; json: JsonObject }[] = [];
  for (const ep of a.episodes) {
    if (allowlistContains(allowlist, ep.key.keyValue)) continue;
    const id = `${ep.srcIp}|${ep.dstPort ?? ""}`;
    if (seen.has(id)) continue;
    seen.add(id);
    triggers.push({
      keyValue: ep.srcIp,
      dstPort: ep.dstPort,
      json: {
        // Always "src_ip", even for a cidr24 key: the reference loses the key type in episodes.
        key_type: "src_ip",
        key_value: ep.srcIp,
        dst_port: ep.dstPort ?? null,
        abuse_class: ep.abuseClass ?? "UNKNOWN",
        window_sec: u64(cfg.windowSec),
        syn_rate_threshold: f64(cfg.synRateThreshold),
        success_ratio_threshold: f64(cfg.successRatioThreshold),
        action: { action_type: "drop", duration_sec: u64(cfg.blockDurationSec) },
      },
    });
  }
  triggers.sort((x, y) => compareStr(x.keyValue, y.keyValue) || compareOptPort(x.dstPort, y.dstPort));
  const exceptions: JsonValue[] = [
    ...[...allowlist.ips]
      .sort((x, y) => x - y)
      .map((ip) => ({ key_type: "src_ip", key_value: formatIpv4(ip) })),
    ...[...allowlist.cidrs]
      .sort((x, y) => x.network - y.network || x.prefixLen - y.prefixLen)
      .map((c) => ({ key_type: "src_cidr", key_value: `${formatIpv4(c.network)}/${c.prefixLen}` })),
  ];
  const rules: JsonObject = {
    version: RULES_VERSION,
    generated_at: u64(now),
    match_criteria: { proto: "tcp", dst_ports: a.dstPorts },
    triggers: triggers.map((t) => t.json),
    exceptions,
  };
  return `${toPrettyJson(rules)}\n`;
}

/** The offender row's rate and ratio: the first sorted episode of the same address and port, if any. */
function offenderRates(
  a: Analysis,
  display: string,
  dstPort: number | undefined,
): [number, number] | undefined {
  const src = display.split(":")[0];
  const ep = a.episodes.find((e) => e.srcIp === src && e.dstPort === dstPort);
  return ep === undefined ? undefined : [ep.maxSynRate, ep.minSuccessRatio];
}

export function renderReport(
  a: Analysis,
  cfg: NrIbsrConfig,
  allowlist: Allowlist,
  rulesText: string,
): string {
  const cf = a.counterfactual;
  const L: string[] = [];
  L.push("# IBSR Report", "", "## 1. Scope & Configuration", "");
  L.push(`- **Time window start**: ${a.startTs}`);
  L.push(`- **Time window end**: ${a.endTs}`);
  L.push(`- **Duration**: ${a.endTs - a.startTs} seconds`);
  L.push(`- **Destination ports**: ${a.dstPorts.join(", ")}`);
  L.push(`- **Window size**: ${cfg.windowSec} seconds`);
  L.push(`- **SYN rate threshold**: ${formatFixed(cfg.synRateThreshold, 1)} SYN/sec`);
  L.push(`- **Success ratio threshold**: ${formatFixed(cfg.successRatioThreshold, 2)}`);
  L.push(`- **Block duration**: ${cfg.blockDurationSec} seconds`);
  if (allowlist.ips.size === 0 && allowlist.cidrs.length === 0) L.push("- **Allowlist**: None configured");
  else L.push(`- **Allowlist**: ${allowlist.ips.size} IPs, ${allowlist.cidrs.length} CIDRs`);
  L.push("", "## 2. Abuse Pattern Observed", "");
  if (cf.topOffenders.length === 0) {
    L.push("No abuse pattern detected matching the trigger conditions.", "");
  } else {
    L.push(`Detected ${cf.topOffenders.length} source(s) matching abuse pattern (TCP SYN churn).`, "");
    L.push("### Top Offenders", "");
    L.push("| Source | SYN Rate | Success Ratio | Would Block Packets | Would Block SYN |");
    L.push("|--------|----------|---------------|---------------------|------------------|");
    for (const o of cf.topOffenders) {
      const display = displayKey(o.key);
      const [r, s] = offenderRates(a, display, o.key.dstPort) ?? [o.synRate, o.successRatio];
      L.push(
        `| ${display} | ${formatFixed(r, 1)}/sec | ${formatFixed(s, 2)} | ${o.wouldBlockPackets} | ${o.wouldBlockSyn} |`,
      );
    }
    L.push("");
  }
  L.push("## 3. Counterfactual Enforcement Impact", "", "### Blocked Traffic (if rules were enforced)", "");
  L.push(`- **Packets blocked**: ${formatFixed(cf.percentPacketsBlocked, 1)}%`);
  L.push(`- **Bytes blocked**: ${formatFixed(cf.percentBytesBlocked, 1)}%`);
  L.push(`- **SYN blocked**: ${formatFixed(cf.percentSynBlocked, 1)}%`);
  L.push("", "### False Positive Bound", "");
  if (cf.fpBound.computed) {
    const fp = cf.fpBound.value;
    L.push(`- **FP bound**: ${formatFixed(fp, 1)}%`);
    if (fp === 0) L.push("- No likely legitimate traffic would be blocked.");
    else if (fp <= 5.0) L.push("- FP bound is within acceptable range (<= 5%).");
    else L.push("- **WARNING**: FP bound exceeds acceptable threshold (> 5%).");
  } else {
    L.push("- **FP bound**: UNKNOWN", `- **Reason**: ${cf.fpBound.reason}`);
    L.push("- Enforcement decision should be made with caution.");
  }
  L.push("", "### Uncertainty", "");
  if (cf.totalPackets === 0n) L.push("- No traffic was observed during the analysis window.");
  else L.push(`- Analysis based on ${cf.totalPackets} total packets, ${cf.totalSyn} total SYN.`);
  L.push("", "## 4. Candidate Enforcement Rules", "", "```json");
  // rulesText ends with its own newline; joining adds the fence on the next line.
  L.push(rulesText.slice(0, -1), "```", "", "## 5. Readiness Judgment", "");
  if (a.readinessReasons.length === 0) {
    L.push("**This abuse class IS safe for autonomous enforcement.**", "");
    L.push("All safety criteria have been met:");
    L.push("- Abuse pattern clearly detected");
    L.push("- False positive bound within acceptable limits");
    L.push("- Meaningful impact on malicious traffic");
  } else {
    L.push("**This abuse class IS NOT safe for autonomous enforcement.**", "", "Gating reasons:", "");
    for (const r of a.readinessReasons) L.push(`- ${r}`);
  }
  L.push("");
  return `${L.join("\n")}\n`;
}

/** evidence.csv: every aggregate key (allowlisted included), natural (numeric) key order, no quoting. */
export function renderEvidence(a: Analysis): string {
  const rows = ["source,abuse_class,syn_rate,success_ratio,decision,packets,bytes,syn"];
  for (const d of a.decisions) {
    const s = d.stats;
    rows.push(
      [
        displayKey(s.key),
        d.abuseClass ?? "",
        formatFixed(s.synRate, 2),
        formatFixed(s.successRatio, 4),
        d.block ? "block" : "allow",
        s.packets,
        s.bytes,
        s.syn,
      ].join(","),
    );
  }
  return `${rows.join("\n")}\n`;
}

function episodeJson(ep: Episode): JsonObject {
  return {
    src_ip: ep.srcIp,
    dst_port: ep.dstPort ?? null,
    start_ts: u64(ep.startTs),
    end_ts: u64(ep.endTs),
    duration_sec: u64(ep.durationSec),
    interval_count: ep.intervalCount,
    interval_sec: ep.intervalSec,
    episode_type: ep.episodeType,
    max_syn_rate: f64(ep.maxSynRate),
    max_pkt_rate: f64(ep.maxPktRate),
    max_byte_rate: f64(ep.maxByteRate),
    abuse_class: ep.abuseClass ?? "",
    trigger_reason: ep.triggerReason,
  };
}

export interface SummaryResult {
  text: string;
  enforcementSafe: boolean;
  enforcementReasons: string[];
}

/** summary.json: triggers and episodes ignore the allowlist; the single-window gate is added here only. */
export function renderSummary(a: Analysis, cfg: NrIbsrConfig): SummaryResult {
  const cf = a.counterfactual;
  const triggers = a.episodes
    .filter((e) => e.abuseClass !== undefined)
    .sort(
      (x, y) =>
        compareStr(x.abuseClass!, y.abuseClass!) ||
        compareStr(x.srcIp, y.srcIp) ||
        compareOptPort(x.dstPort, y.dstPort),
    )
    .map(
      (e): JsonObject => ({
        abuse_class: e.abuseClass!,
        src: e.srcIp,
        dst_port: e.dstPort ?? null,
        rates: {
          syn_rate: f64(e.maxSynRate),
          pkt_rate: f64(e.maxPktRate),
          byte_rate: f64(e.maxByteRate),
          success_ratio: f64(e.minSuccessRatio),
        },
        confidence: "high",
      }),
    );
  const reasons = [...a.readinessReasons];
  let safe = reasons.length === 0;
  if (a.episodes.some((e) => e.episodeType === "single_window")) {
    reasons.push(SINGLE_WINDOW_REASON);
    safe = false;
  }
  const summary: JsonObject = {
    report_version: REPORT_VERSION,
    run_id: u64(a.runId),
    input_schema_version_min: a.schemaMin,
    input_schema_version_max: a.schemaMax,
    time_range: { start_ts: u64(a.startTs), end_ts: u64(a.endTs), duration_sec: u64(a.endTs - a.startTs) },
    ports_analyzed: [...a.dstPorts].sort((x, y) => x - y),
    config: {
      window_sec: u64(cfg.windowSec),
      syn_rate_threshold: f64(cfg.synRateThreshold),
      success_ratio_threshold: f64(cfg.successRatioThreshold),
      block_duration_sec: u64(cfg.blockDurationSec),
      vol_syn_rate: f64(cfg.volSynRate),
      vol_pkt_rate: f64(cfg.volPktRate),
      vol_byte_rate: f64(cfg.volByteRate),
    },
    triggers,
    episodes: a.episodes.map(episodeJson),
    blocked_traffic: {
      packets_blocked_pct: f64(cf.percentPacketsBlocked),
      bytes_blocked_pct: f64(cf.percentBytesBlocked),
      syn_blocked_pct: f64(cf.percentSynBlocked),
      packets_blocked_count: u64(cf.blockedPackets),
      bytes_blocked_count: u64(cf.blockedBytes),
      syn_blocked_count: u64(cf.blockedSyn),
    },
    fp_bound: cf.fpBound.computed
      ? { computed: true, value_pct: f64(cf.fpBound.value), reason: null }
      : { computed: false, value_pct: null, reason: cf.fpBound.reason },
    enforcement_safe: safe,
    enforcement_reasons: reasons,
  };
  return { text: `${toPrettyJson(summary)}\n`, enforcementSafe: safe, enforcementReasons: reasons };
}
