// Impact, false-positive surface and verdict (spec §4-§6), from the per-key simulation results.
import { MAX_SKIPPED_INPUT_PCT } from "../config.js";
import type { AbuseClass, MeasurePct, Outcome, ReportConfig, VerdictCheck, VerdictReason } from "../model.js";
import { isBlocked } from "./key-decision.js";
import { add3, concurrency, type KeySim, keyFlags, type Measures3, zero3 } from "./simulate.js";

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
    parts.push(`${s.units} of ${s.totalUnits} files/lines (${fmt(unitsPct)}%)`);
  if (rowsPct > MAX_SKIPPED_INPUT_PCT) parts.push(`${s.rows} of ${s.totalRows} rows (${fmt(rowsPct)}%)`);
  return {
    code: "INPUT_SKIPPED",
    text: `${parts.join(" and ")} of the input were skipped (more than ${MAX_SKIPPED_INPUT_PCT}%): the verdict would rest on part of the data; see the skipped input list, fix or remove those files, and run again.`,
  };
}

/** A blocked key is "healthy" when more than half of its would-drop packets are probably legitimate. */
export function isHealthy(s: KeySim): boolean {
  return !s.allowlisted && s.drop.packets > 0n && s.probablyLegitPackets * 2n > s.drop.packets;
}

function fmt(n: number, digits = 1): string {
  return n.toFixed(digits);
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
      reason: `too few sources to judge: ${input.nonAllowlistedKeys} distinct non-allowlisted keys observed, min_samples_for_fp is ${cfg.min_samples_for_fp}`,
      probablyLegitPackets: legit,
      wouldDropPackets: wouldDrop.packets,
    };
  else if (input.observedSec < cfg.min_observed_sec)
    fp = {
      computed: false,
      valuePct: null,
      reason: `observed ${Math.round(input.observedSec)} s, min_observed_sec is ${cfg.min_observed_sec} s (collect longer, e.g. a full daily cycle)`,
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
          ? { code: "FP_UNKNOWN", text: `False-positive bound unknown: ${fp.reason}.` }
          : {
              code: "FP_TOO_HIGH",
              text: `False-positive bound ${fmt(fp.valuePct!, 2)}% is above max_fp_pct ${cfg.max_fp_pct}%: that share of the traffic the rules would drop looks legitimate.`,
            },
    },
    {
      check: {
        code: "HEALTHY_BLOCKED",
        passed: healthy.length === 0,
        value: healthy.length,
        limit: 0,
        gating: anyBlocked,
      },
      reason: () => ({
        code: "HEALTHY_BLOCKED",
        text: `${healthy.length} blocked key${healthy.length === 1 ? " completes" : "s complete"} handshakes normally (mostly probably-legitimate traffic would be dropped); see the healthy blocked keys.`,
      }),
    },
    {
      check: {
        code: "MIN_IMPACT",
        passed: !(gatingPct < cfg.min_blocked_pct),
        value: gatingPct,
        limit: cfg.min_blocked_pct,
        gating: anyBlocked,
      },
      reason: () => ({
        code: "IMPACT_TOO_LOW",
        text: `Rules would drop only ${fmt(gatingPct, 2)}% of ${gatingMeasure === "syn" ? "SYNs" : "packets"} (min_blocked_pct ${cfg.min_blocked_pct}%): too little effect to justify enforcement.`,
      }),
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
        text: `Enforcement would need ${conc.peak} concurrent blocks (max_rules ${cfg.max_rules}): per-source blocking does not solve a flood from this many sources (random or spoofed sources); use port-level or upstream mitigation.`,
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
      reason: () => ({ code: "PORT_LEVEL_UNATTRIBUTED", text: input.unattributed! }),
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
    gatingMeasure,
    gatingPct,
    outcome,
    reasons,
    checks,
    activeAt: conc.activeAt,
  };
}
