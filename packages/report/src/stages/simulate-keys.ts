// Stage 4, simulateKeys: each candidate key replayed under the enforcement model (at any threshold factor),
// the window's totals, and the port-level findings at the configured thresholds.

import { hostOfInterval, splitCandidates } from "../analysis/fleet.js";
import { analysePorts, type PortAnalysis } from "../analysis/ports.js";
import { type KeySim, type Measures3, scaled, simulateKey, zero3 } from "../analysis/simulate.js";
import { addCounters3 } from "../ingest/interval-counters.js";
import type { KeyTotals } from "../ingest/scan.js";
import { timePoint } from "../timespec.js";
import { groupBy } from "../util.js";
import type { Timeline } from "./build-intervals.js";
import type { HeavyPass } from "./heavy-pass.js";
import type { StageOptions } from "./options.js";

export interface Simulation {
  /** Every candidate at the configured thresholds. */
  sims: KeySim[];
  /** Every candidate with the rate thresholds times `factor` (sensitivity). */
  at(factor: number): KeySim[];
  /** All traffic on the monitored ports in the window. */
  total: Measures3;
  /** Distinct non-allowlisted keys with traffic in the window. */
  nonAllowlistedKeys: number;
  /** Length of the union of the analysed interval spans. */
  observedSec: number;
  ports: PortAnalysis;
  /** Several hosts: each host simulated on its own traffic (host name order); null with one host. */
  hosts: HostSimulation[] | null;
}

/** One host's share of the simulation: its keys replayed on its own intervals only (its own enforcers). */
export interface HostSimulation {
  host: string;
  sims: KeySim[];
  at(factor: number): KeySim[];
  total: Measures3;
  observedSec: number;
  /** The findings carry no per-interval points: only the verdict reads a host's port analysis. */
  ports: PortAnalysis;
  /** The host's own distinct keys with traffic, not allowlisted (the FP bound's sample size). */
  nonAllowlistedKeys: number;
}

/** Total length of the union of (t0, t1] ranges. */
function unionLength(ranges: [number, number][]): number {
  ranges.sort((a, b) => a[0] - b[0]);
  let sum = 0;
  let cs = Number.NaN;
  let ce = Number.NaN;
  for (const [s, e] of ranges) {
    if (Number.isNaN(cs) || s > ce) {
      if (!Number.isNaN(cs)) sum += ce - cs;
      cs = s;
      ce = e;
    } else ce = Math.max(ce, e);
  }
  if (!Number.isNaN(cs)) sum += ce - cs;
  return sum;
}

export function simulateKeys(heavy: HeavyPass, tl: Timeline, opts: StageOptions): Simulation {
  const sc = heavy.scan;
  opts.progress(`simulating ${sc.candidates.length} candidate key(s)`);
  const cfg = opts.cfg;
  const allowed = new Map<string, boolean>();
  const isAllowed = (k: KeyTotals) => {
    let v = allowed.get(k.id);
    if (v === undefined) {
      v = opts.allowlist.contains({ family: k.family, bytes: k.src, prefixLen: k.prefixLen });
      allowed.set(k.id, v);
    }
    return v;
  };
  const { since, until } = tl;
  const ctx = { cfg, ivs: tl.ivs, runs: tl.runs, since, until };
  const total: Measures3 = zero3();
  for (let i = 0; i < sc.ivTotals.length; i++) addCounters3(total, sc.ivTotals, i);
  const observedSec = unionLength(
    tl.live.map(
      (iv) => [Math.max(iv.t0, since ?? iv.t0), Math.min(iv.t1, until ?? iv.t1)] as [number, number],
    ),
  );
  const at = (factor: number) =>
    sc.candidates.map((cd) => simulateKey(cd, isAllowed(cd.key), ctx, scaled(cfg, factor)));
  const sims = at(1);
  const hostNames = [...new Set(tl.runs.map((r) => r.host))].sort();
  let hosts: HostSimulation[] | null = null;
  if (hostNames.length > 1) {
    const hostOf = hostOfInterval(tl.ivs, tl.runs);
    const cands = splitCandidates(sc.candidates, hostOf);
    // Each host's interval and port totals, grouped in one pass (not one pass over the fleet per host).
    const ivTotalsOf = groupBy(sc.ivTotals.rows(), (i) => hostOf(sc.ivTotals.iv(i)));
    const ivPortsOf = groupBy(sc.ivPorts.rows(), (i) => hostOf(sc.ivPorts.iv(i)));
    const liveOf = groupBy(tl.live, (iv) => tl.runs[iv.run]!.host);
    hosts = hostNames.map((host) => {
      const own = cands.get(host) ?? [];
      const hostAt = (factor: number) =>
        own.map((cd) => simulateKey(cd, isAllowed(cd.key), ctx, scaled(cfg, factor)));
      const hostSims = hostAt(1);
      const hostTotal = zero3();
      for (const i of ivTotalsOf.get(host) ?? []) addCounters3(hostTotal, sc.ivTotals, i);
      return {
        host,
        sims: hostSims,
        at: hostAt,
        total: hostTotal,
        nonAllowlistedKeys: heavy.keys.nonAllowlistedByHost.get(host) ?? 0,
        observedSec: unionLength(
          (liveOf.get(host) ?? []).map(
            (iv) => [Math.max(iv.t0, since ?? iv.t0), Math.min(iv.t1, until ?? iv.t1)] as [number, number],
          ),
        ),
        ports: analysePorts(sc.ivPorts, ivPortsOf.get(host) ?? [], tl.ivs, hostSims, cfg, timePoint, false),
      };
    });
  }
  return {
    sims,
    at,
    total,
    nonAllowlistedKeys: heavy.keys.keys - heavy.keys.allowlisted,
    observedSec,
    ports: analysePorts(sc.ivPorts, sc.ivPorts.rows(), tl.ivs, sims, cfg, timePoint),
    hosts,
  };
}
