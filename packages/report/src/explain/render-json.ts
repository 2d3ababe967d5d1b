// `explain --json`: the explanation as one JSON document for scripts. Field names are snake_case as in
// summary.json, counters are JSON numbers (strings beyond 2^53, render/json-text.ts), times are Unix seconds
// with an ISO twin. A pure function of the explain model.
import { jsonText } from "../render/json-text.js";
import type { ExplainedCondition, ExplainInterval, ExplainKey, ExplainModel } from "./model.js";

const t = (p: { unix: number } | null) => (p === null ? null : p.unix);
const iso = (p: { iso: string } | null) => (p === null ? null : p.iso);

function conditionJson(c: ExplainedCondition): unknown {
  if (c.kind === "check")
    return {
      term: c.term,
      op: c.op,
      value: c.value,
      threshold: c.threshold,
      threshold_key: c.thresholdKey,
      holds: c.holds,
    };
  if (c.kind === "atLeast") return { at_least: c.n, holds: c.holds, of: c.of.map(conditionJson) };
  return { [c.kind]: c.of.map(conditionJson), holds: c.holds };
}

function intervalJson(iv: ExplainInterval) {
  return {
    host: iv.host,
    iface: iv.iface,
    run_id: iv.runId,
    start_ts: t(iv.start),
    end_ts: t(iv.end),
    end_iso: iso(iv.end),
    span_sec: iv.spanSec,
    window_share: iv.windowShare,
    counts: iv.counts,
    syn_rate: iv.synRate,
    pkt_rate: iv.pktRate,
    byte_rate: iv.byteRate,
    success_ratio: iv.successRatio,
    abuse_class: iv.abuseClass,
    conditions: {
      SYN_FLOOD_LIKE: conditionJson(iv.conditions.SYN_FLOOD_LIKE),
      VOLUMETRIC_TCP_ABUSE: conditionJson(iv.conditions.VOLUMETRIC_TCP_ABUSE),
    },
    why_not: iv.whyNot,
    fires_at: iv.fires ? t(iv.fires.at) : null,
    blocks_until: iv.fires ? t(iv.fires.blocksUntil) : null,
    blocked_sec: iv.blockedSec,
    would_drop: iv.wouldDrop,
    spared_by_allowlist: iv.spared,
    probably_legit: iv.probablyLegit,
  };
}

function keyJson(k: ExplainKey) {
  return {
    src: k.src,
    dst_port: k.dstPort === 0 ? null : k.dstPort,
    family: k.family,
    prefix_len: k.prefixLen,
    display: k.display,
    decision: k.decision,
    hot: k.hot,
    abuse_class: k.abuseClass,
    allowlisted: k.allowlisted,
    allowlisted_by: k.allowlistedBy,
    healthy_blocked: k.healthyBlocked,
    probably_legit_packets: k.probablyLegitPackets,
    probably_legit_pct: k.probablyLegitPct,
    totals: k.totals,
    would_drop: k.wouldDrop,
    ideal: k.ideal,
    spared_by_allowlist: k.spared,
    peak_syn_rate: k.peakSynRate,
    peak_pkt_rate: k.peakPktRate,
    peak_byte_rate: k.peakByteRate,
    min_success_ratio: k.minSuccessRatio,
    hot_intervals: k.hotIntervals,
    episodes: k.episodes,
    first_fire_ts: t(k.firstFire),
    first_fire_iso: iso(k.firstFire),
    last_fire_ts: t(k.lastFire),
    block_windows: k.blockWindows.map((w) => ({
      host: w.host,
      iface: w.iface,
      start_ts: t(w.start),
      start_iso: iso(w.start),
      end_ts: t(w.end),
      end_iso: iso(w.end),
      duration_sec: w.durationSec,
      fires: w.fires,
      re_arms: w.reArms,
    })),
    blocked_sec: k.blockedSec,
    quiet_intervals: k.quietIntervals,
    not_hot_reasons: k.notHotReasons,
    intervals: k.intervals.map(intervalJson),
    summary: k.summary,
  };
}

export function renderExplainJson(m: ExplainModel): string {
  return jsonText({
    explain_version: m.explainVersion,
    query: m.query,
    config: m.config,
    allowlist: m.allowlist,
    window: {
      since: t(m.window.since),
      until: t(m.window.until),
      start_ts: t(m.window.start),
      end_ts: t(m.window.end),
      intervals: m.window.intervals,
    },
    keys_matched: m.keysMatched,
    keys_left_out: m.keysLeftOut,
    keys: m.keys.map(keyJson),
    summary: m.summary,
  });
}
