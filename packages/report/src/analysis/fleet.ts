// Fleet semantics (docs/report.md, "Fleet reports"): each host enforces its own rules, so every host is
// simulated and judged on its own traffic, and the fleet verdict is READY only when every host with something
// to enforce is READY. One host: none of this runs, and the report is the single-host report unchanged.
import type { Interval, Run } from "../ingest/intervals.js";
import type { Candidate } from "../ingest/scan.js";
import {
  FLEET_HOSTS_SHOWN,
  type HostRef,
  type Outcome,
  REASON_KEYS_SHOWN,
  type ReasonCode,
  type VerdictCheck,
  type VerdictReason,
} from "../model.js";
import { formatInt, plural } from "../render/format.js";
import type { Decision } from "./decide.js";

/** The host each interval's run belongs to. */
export function hostOfInterval(
  ivs: ReadonlyMap<number, Interval>,
  runs: readonly Run[],
): (iv: number) => string {
  return (iv) => runs[ivs.get(iv)!.run]!.host;
}

/**
 * Each candidate's rows split by host: host -> that host's candidates (the same key, only the intervals of its
 * own runs), in candidate order. A key with no interval on a host is not a candidate there.
 */
export function splitCandidates(
  cands: readonly Candidate[],
  hostOf: (iv: number) => string,
): Map<string, Candidate[]> {
  const out = new Map<string, Candidate[]>();
  for (const cd of cands) {
    const byHost = new Map<string, Candidate>();
    for (const r of cd.rows) {
      const h = hostOf(r.iv);
      let c = byHost.get(h);
      if (!c) {
        c = { key: cd.key, rows: [] };
        byHost.set(h, c);
        const list = out.get(h);
        if (list) list.push(c);
        else out.set(h, [c]);
      }
      c.rows.push(r);
    }
  }
  return out;
}

/** READY only when every host with something to enforce is; NOTHING_TO_ENFORCE only when no host has anything. */
export function fleetOutcome(outcomes: readonly Outcome[]): Outcome {
  if (outcomes.includes("NOT_READY")) return "NOT_READY";
  return outcomes.includes("READY") ? "READY" : "NOTHING_TO_ENFORCE";
}

/** "a, b, c" or "a, b, c and 4 more". */
export function hostListText(hosts: readonly string[], shown = FLEET_HOSTS_SHOWN): string {
  const head = hosts.slice(0, shown).join(", ");
  return hosts.length > shown ? `${head} and ${formatInt(hosts.length - shown)} more` : head;
}

/** The few words a host's failed check gets in the fleet headline. */
export const REASON_BRIEF: Readonly<Record<ReasonCode, string>> = {
  FP_UNKNOWN: "false-positive bound unknown",
  FP_TOO_HIGH: "false-positive bound too high",
  HEALTHY_BLOCKED: "probably-legitimate keys would be blocked",
  IMPACT_TOO_LOW: "too little effect",
  TOO_MANY_RULES: "too many concurrent rules",
  PORT_LEVEL_UNATTRIBUTED: "port-level flood not attributable to sources",
  INPUT_SKIPPED: "input skipped",
};

/** "b (probably-legitimate keys would be blocked), c (too little effect)". */
export function notReadyText(hosts: readonly { host: string; reasons: readonly VerdictReason[] }[]): string {
  const shown = hosts
    .slice(0, FLEET_HOSTS_SHOWN)
    .map((h) => `${h.host} (${h.reasons.map((r) => REASON_BRIEF[r.code]).join("; ")})`);
  const left = hosts.length - shown.length;
  return left > 0 ? `${shown.join(", ")} and ${formatInt(left)} more` : shown.join(", ");
}

export interface HostDecision extends HostRef {
  decision: Decision;
}

/**
 * The fleet's checks: one per code, failed when it fails on a host where it gates; the figure is the worst
 * host's (highest FP bound and peak, lowest impact among hosts with blocks, healthy keys summed over hosts).
 */
function fleetChecks(hosts: readonly HostDecision[], fleet: Decision): VerdictCheck[] {
  return fleet.checks.map((c0) => {
    const own = hosts.map((h) => h.decision.checks.find((c) => c.code === c0.code)!);
    const gating = own.filter((c) => c.gating);
    const values = gating.map((c) => c.value);
    let value: number | null = c0.value;
    if (gating.length > 0)
      switch (c0.code) {
        case "FP_BOUND":
          value = values.includes(null) ? null : (worst(values, 1)[0] ?? null);
          break;
        case "HEALTHY_BLOCKED":
          value = (values as number[]).reduce((a, v) => a + v, 0);
          break;
        case "MIN_IMPACT":
          value = worst(values, -1)[0] ?? null;
          break;
        case "MAX_RULES":
          value = worst(values, 1)[0] ?? null;
          break;
        default:
          break;
      }
    return {
      code: c0.code,
      passed: gating.every((c) => c.passed),
      value,
      limit: c0.limit,
      gating: gating.length > 0,
    };
  });
}

/** The largest (dir 1) or smallest (dir -1) known value, as a one-element list (empty when none). */
function worst(values: readonly (number | null)[], dir: 1 | -1): number[] {
  let best: number | null = null;
  for (const v of values) if (v !== null && (best === null || (v - best) * dir > 0)) best = v;
  return best === null ? [] : [best];
}

/**
 * The fleet verdict's reasons: one per failed code in the spec's order, naming the hosts it fails on and
 * giving the first such host's own sentence (the per-host table has every host's).
 */
function fleetReasons(notReady: readonly HostDecision[]): VerdictReason[] {
  const order: ReasonCode[] = [
    "FP_UNKNOWN",
    "FP_TOO_HIGH",
    "HEALTHY_BLOCKED",
    "IMPACT_TOO_LOW",
    "TOO_MANY_RULES",
    "PORT_LEVEL_UNATTRIBUTED",
    "INPUT_SKIPPED",
  ];
  const out: VerdictReason[] = [];
  for (const code of order) {
    const on = notReady
      .map((h) => ({ host: h.host, r: h.decision.reasons.find((r) => r.code === code) }))
      .filter((x): x is { host: string; r: VerdictReason } => x.r !== undefined);
    if (on.length === 0) continue;
    const first = on[0]!;
    const labels: string[] = [];
    let total = 0;
    for (const x of on) {
      total += x.r.keys?.total ?? 0;
      for (const l of x.r.keys?.labels ?? [])
        if (labels.length < REASON_KEYS_SHOWN && !labels.includes(l)) labels.push(l);
    }
    out.push({
      code,
      text: `On ${plural(on.length, "host")} (${hostListText(on.map((x) => x.host))}). ${on.length > 1 ? `On ${first.host}: ` : ""}${first.r.text}`,
      keys: labels.length > 0 ? { labels, total } : null,
    });
  }
  return out;
}

/** The fleet decision: the fleet-wide figures of `fleet`, with the outcome, reasons and checks of the hosts. */
export function combineHosts(fleet: Decision, hosts: readonly HostDecision[]): Decision {
  const outcome = fleetOutcome(hosts.map((h) => h.decision.outcome));
  const notReady = hosts.filter((h) => h.decision.outcome === "NOT_READY");
  return { ...fleet, outcome, reasons: fleetReasons(notReady), checks: fleetChecks(hosts, fleet) };
}
