// Impact, false-positive surface and verdict (spec §4-§6), from the per-key simulation results.
import { MAX_SKIPPED_INPUT_PCT } from "../config.js";
import {
  type AbuseClass,
  type ClassCounts,
  type MeasurePct,
  type Outcome,
  REASON_KEYS_SHOWN,
  type ReasonKeys,
  type ReportConfig,
  type VerdictCheck,
  type VerdictReason,
} from "../model.js";
import { formatDuration, formatInt, formatPct, plural } from "../render/format.js";
import { isBlocked } from "./key-decision.js";
import { keyRef } from "./key-label.js";
import {
  add3,
  concurrency,
  type EnforcerPeak,
  enforcerOfKey,
  type KeySim,
  keyFlags,
  type Measures3,
  zero3,
} from "./simulate.js";

export function pct(part: bigint, whole: bigint): number {
  if (whole === 0n) return 0;
  return (Number(part) / Number(whole)) * 100;
}

export function pct3(part: Measures3, whole: Measures3): MeasurePct {
  return {
    packets: pct(part.packets, whole.packets),
    bytes: pct(part.bytes, whole.bytes),
    syn: pct(part.syn, whole.syn),
  };
}

export interface FpResult {
  computed: boolean;
  valuePct: number | null;
  reason: string | null;
  probablyLegitPackets: bigint;
  wouldDropPackets: bigint;
}

export interface Decision {
  blocked: KeySim[];
  allowlistedHot: KeySim[];
  wouldDrop: Measures3;
  ideal: Measures3;
  spared: Measures3;
  wouldDropPct: MeasurePct;
  fp: FpResult;
  healthy: KeySim[];
  peakConcurrent: number;
  peakAt: number | null;
  /** Each enforcer's own peak, largest first. */
  peaksByEnforcer: EnforcerPeak[];
  /** Exact counts per class of every blocked key. */
  blockedByClass: ClassCounts;
  gatingMeasure: "syn" | "packets";
  gatingPct: number;
  outcome: Outcome;
  reasons: VerdictReason[];
  /** Every verdict check with its numbers, passed or not (the reasons are the failed gating ones). */
  checks: VerdictCheck[];
  activeAt: (t: number) => number;
}

export interface DecideInput {
  sims: readonly KeySim[];
  total: Measures3;
  /** Distinct non-allowlisted keys with traffic in the window. */
  nonAllowlistedKeys: number;
  observedSec: number;
  /** Port-level flood not attributable to sources (spec §6), with a sentence. */
  unattributed: string | null;
  cfg: ReportConfig;
  /** Input that was not analysed (unreadable files or lines, invalid rows), against what was there. */
  skippedInput?: SkippedShare;
}

export interface SkippedShare {
  /** Whole files and JSONL lines skipped (duplicates excluded: their data is kept once), of all. */
  units: number;
  totalUnits: number;
  /** Rows (Parquet rows, JSONL buckets) skipped as invalid, of all stored rows. */
  rows: number;
  totalRows: number;
}

/** The skipped shares (%) of the files/lines and of the rows (0 when there were none). */
function skippedPcts(s: SkippedShare): { unitsPct: number; rowsPct: number } {
  return {
    unitsPct: s.totalUnits > 0 ? (s.units / s.totalUnits) * 100 : 0,
    rowsPct: s.totalRows > 0 ? (s.rows / s.totalRows) * 100 : 0,
  };
}

/** The INPUT_SKIPPED reason when more than MAX_SKIPPED_INPUT_PCT of the files or rows were skipped. */
export function skippedInputReason(s: SkippedShare | undefined): VerdictReason | null {
  if (!s) return null;
  const { unitsPct, rowsPct } = skippedPcts(s);
  if (unitsPct <= MAX_SKIPPED_INPUT_PCT && rowsPct <= MAX_SKIPPED_INPUT_PCT) return null;
  const parts: string[] = [];
  if (unitsPct > MAX_SKIPPED_INPUT_PCT)
    parts.push(`${formatInt(s.units)} of ${formatInt(s.totalUnits)} files or lines (${formatPct(unitsPct)})`);
  if (rowsPct > MAX_SKIPPED_INPUT_PCT)
    parts.push(`${formatInt(s.rows)} of ${formatInt(s.totalRows)} rows (${formatPct(rowsPct)})`);
  return {
    code: "INPUT_SKIPPED",
    text: `${parts.join(" and ")} of the input were skipped (more than ${formatPct(MAX_SKIPPED_INPUT_PCT)}): the verdict would rest on part of the data; see the skipped input list, fix or remove those files, and run again.`,
    keys: null,
  };
}

/** A blocked key is "healthy" when more than half of its would-drop packets are probably legitimate. */
export function isHealthy(s: KeySim): boolean {
  return !s.allowlisted && s.drop.packets > 0n && s.probablyLegitPackets * 2n > s.drop.packets;
}

/** Exact per-class counts of these keys (a key with no class is not counted). */
export function classCounts(sims: readonly KeySim[]): ClassCounts {
  const c: ClassCounts = { SYN_FLOOD_LIKE: 0, VOLUMETRIC_TCP_ABUSE: 0 };
  for (const s of sims) if (s.cls) c[s.cls]++;
  return c;
}

function labelOf(s: KeySim): string {
  const k = s.cand.key;
  return keyRef(k.family, k.src, k.prefixLen, k.dstPort).display;
}

/**
 * The keys a reason is about, the most important first (by `weight` descending, ties by label), capped at
 * REASON_KEYS_SHOWN; only the shown ones are sorted fully, so this stays cheap at 100 000 keys.
 */
export function reasonKeys(sims: readonly KeySim[], weight: (s: KeySim) => bigint): ReasonKeys {
  const ranked = sims.map((s) => ({ s, w: weight(s) }));
  const top: { s: KeySim; w: bigint; label: string }[] = [];
  for (const x of ranked) {
    if (top.length === REASON_KEYS_SHOWN && x.w < top[top.length - 1]!.w) continue;
    top.push({ ...x, label: labelOf(x.s) });
    top.sort((a, b) =>
      a.w === b.w ? (a.label < b.label ? -1 : a.label > b.label ? 1 : 0) : a.w > b.w ? -1 : 1,
    );
    if (top.length > REASON_KEYS_SHOWN) top.pop();
  }
  return { labels: top.map((t) => t.label), total: sims.length };
}

/** "a, b, c" or "a, b, c and 12 more": the key list of a reason sentence. */
export function keyListText(k: ReasonKeys): string {
  const left = k.total - k.labels.length;
  return left > 0 ? `${k.labels.join(", ")} and ${formatInt(left)} more` : k.labels.join(", ");
}

/** "host edge-1 (eth0)" for an enforcer peak; "one host" when there is none. */
function enforcerText(p: EnforcerPeak | undefined): string {
  if (!p) return "one host";
  const e = enforcerOfKey(p.enforcer);
  return `host ${e.host} (${e.iface})`;
}

export function decide(input: DecideInput): Decision {
  const { sims, cfg } = input;
  const blocked = sims.filter((s) => isBlocked(keyFlags(s)));
  const allowlistedHot = sims.filter((s) => s.allowlisted && s.hotIntervals > 0);
  const wouldDrop = zero3();
  const ideal = zero3();
  const spared = zero3();
  let legit = 0n;
  for (const s of blocked) {
    add3(wouldDrop, s.drop);
    add3(ideal, s.ideal);
    legit += s.probablyLegitPackets;
  }
  for (const s of allowlistedHot) add3(spared, s.drop);

  let fp: FpResult;
  if (input.nonAllowlistedKeys < cfg.min_samples_for_fp)
    fp = {
      computed: false,
      valuePct: null,
      reason: `too few sources to judge: ${plural(input.nonAllowlistedKeys, "distinct non-allowlisted key")} observed, min_samples_for_fp is ${formatInt(cfg.min_samples_for_fp)}`,
      probablyLegitPackets: legit,
      wouldDropPackets: wouldDrop.packets,
    };
  else if (input.observedSec < cfg.min_observed_sec)
    fp = {
      computed: false,
      valuePct: null,
      reason: `observed ${formatDuration(input.observedSec)}, min_observed_sec is ${formatDuration(cfg.min_observed_sec)} (collect longer, e.g. a full daily cycle)`,
      probablyLegitPackets: legit,
      wouldDropPackets: wouldDrop.packets,
    };
  else
    fp = {
      computed: true,
      valuePct: pct(legit, wouldDrop.packets),
      reason: null,
      probablyLegitPackets: legit,
      wouldDropPackets: wouldDrop.packets,
    };

  const healthy = blocked.filter(isHealthy);
  const conc = concurrency(sims);
  const anySyn = blocked.some((s) => s.cls === ("SYN_FLOOD_LIKE" satisfies AbuseClass));
  const gatingMeasure = anySyn ? "syn" : "packets";
  const wouldDropPct = pct3(wouldDrop, input.total);
  const gatingPct = anySyn ? wouldDropPct.syn : wouldDropPct.packets;

  // Every check is decided here, once, as data; the reasons are the failed checks that gate this outcome
  // (those about blocked keys only when some key is blocked, the port-level one only when none is).
  const anyBlocked = blocked.length > 0;
  const fpTooHigh = (): VerdictReason => {
    const legitKeys = blocked.filter((s) => s.probablyLegitPackets > 0n);
    const keys = reasonKeys(legitKeys, (s) => s.probablyLegitPackets);
    return {
      code: "FP_TOO_HIGH",
      text: `False-positive bound ${formatPct(fp.valuePct)} is above max_fp_pct ${formatPct(cfg.max_fp_pct)}: that share of the traffic the rules would drop looks legitimate (${formatInt(fp.probablyLegitPackets)} of ${formatInt(fp.wouldDropPackets)} packets, from ${plural(legitKeys.length, "key")}: ${keyListText(keys)}).`,
      keys,
    };
  };
  const skippedReason = skippedInputReason(input.skippedInput);
  const skipped = input.skippedInput ? skippedPcts(input.skippedInput) : null;
  const judged: { check: VerdictCheck; reason: () => VerdictReason }[] = [
    {
      check: {
        code: "FP_BOUND",
        passed: fp.computed && !(fp.valuePct! > cfg.max_fp_pct),
        value: fp.valuePct,
        limit: cfg.max_fp_pct,
        gating: anyBlocked,
      },
      reason: () =>
        !fp.computed
          ? { code: "FP_UNKNOWN", text: `False-positive bound unknown: ${fp.reason}.`, keys: null }
          : fpTooHigh(),
    },
    {
      check: {
        code: "HEALTHY_BLOCKED",
        passed: healthy.length === 0,
        value: healthy.length,
        limit: 0,
        gating: anyBlocked,
      },
      reason: () => {
        const keys = reasonKeys(healthy, (s) => s.drop.packets);
        return {
          code: "HEALTHY_BLOCKED",
          text: `${plural(healthy.length, "blocked key is", "blocked keys are")} probably legitimate (${healthy.length === 1 ? "it completes" : "they complete"} handshakes normally, so mostly legitimate traffic would be dropped): ${keyListText(keys)}.`,
          keys,
        };
      },
    },
    {
      check: {
        code: "MIN_IMPACT",
        passed: !(gatingPct < cfg.min_blocked_pct),
        value: gatingPct,
        limit: cfg.min_blocked_pct,
        gating: anyBlocked,
      },
      reason: () => {
        const keys = reasonKeys(blocked, (s) => (anySyn ? s.drop.syn : s.drop.packets));
        return {
          code: "IMPACT_TOO_LOW",
          text: `Rules would drop only ${formatPct(gatingPct)} of ${gatingMeasure === "syn" ? "SYNs" : "packets"} (min_blocked_pct ${formatPct(cfg.min_blocked_pct)}): too little effect to justify enforcement; the ${plural(blocked.length, "blocked key")}: ${keyListText(keys)}.`,
          keys,
        };
      },
    },
    {
      check: {
        code: "MAX_RULES",
        passed: !(conc.peak > cfg.max_rules),
        value: conc.peak,
        limit: cfg.max_rules,
        gating: anyBlocked,
      },
      reason: () => ({
        code: "TOO_MANY_RULES",
        text: `Enforcement would need ${formatInt(conc.peak)} concurrent blocks on ${enforcerText(conc.byEnforcer[0])} (max_rules ${formatInt(cfg.max_rules)} per host): per-source blocking does not solve a flood from this many sources (random or spoofed sources); use port-level or upstream mitigation.`,
        keys: null,
      }),
    },
    {
      check: {
        code: "PORT_LEVEL",
        passed: !input.unattributed,
        value: null,
        limit: null,
        gating: !anyBlocked,
      },
      reason: () => ({ code: "PORT_LEVEL_UNATTRIBUTED", text: input.unattributed!, keys: null }),
    },
    {
      check: {
        code: "INPUT_SKIPPED",
        passed: skippedReason === null,
        value: skipped === null ? null : Math.max(skipped.unitsPct, skipped.rowsPct),
        limit: MAX_SKIPPED_INPUT_PCT,
        gating: true,
      },
      reason: () => skippedReason!,
    },
  ];
  const checks = judged.map((j) => j.check);
  const reasons = judged.filter((j) => j.check.gating && !j.check.passed).map((j) => j.reason());
  const outcome: Outcome = reasons.length > 0 ? "NOT_READY" : anyBlocked ? "READY" : "NOTHING_TO_ENFORCE";
  return {
    blocked,
    allowlistedHot,
    wouldDrop,
    ideal,
    spared,
    wouldDropPct,
    fp,
    healthy,
    peakConcurrent: conc.peak,
    peakAt: conc.at,
    peaksByEnforcer: conc.byEnforcer,
    blockedByClass: classCounts(blocked),
    gatingMeasure,
    gatingPct,
    outcome,
    reasons,
    checks,
    activeAt: conc.activeAt,
  };
}
