// Stage 5, decideVerdict: the verdict and its checks at the configured thresholds, and the same decision
// at each sensitivity factor.
import { type Decision, decide, type SkippedShare } from "../analysis/decide.js";
import { combineHosts, type HostDecision } from "../analysis/fleet.js";
import { scaled } from "../analysis/simulate.js";
import type { SensitivityRow } from "../model.js";
import type { StageOptions } from "./options.js";
import type { Catalog } from "./read-catalog.js";
import type { Simulation } from "./simulate-keys.js";

export const SENSITIVITY_FACTORS = [0.5, 0.75, 1, 1.5, 2] as const;

export interface Decided {
  /**
   * The decision at the configured thresholds. Several hosts: the fleet-wide figures with the fleet's outcome,
   * reasons and checks (analysis/fleet.ts combineHosts).
   */
  decision: Decision;
  /** Several hosts: each host's own decision (host name order); null with one host. */
  hosts: HostDecision[] | null;
  sensitivity: SensitivityRow[];
}

/** Input that was not analysed, against what was there (for the INPUT_SKIPPED check). */
function skippedShare(cat: Catalog): SkippedShare {
  const { found, legacy: lg, skips } = cat;
  // A unit is a snapshot: a compacted file counts as its members, as its originals (or their JSONL lines) did.
  const members = new Map<string, number>();
  for (const s of cat.parquet.snaps)
    if (s.member !== undefined) members.set(s.file, (members.get(s.file) ?? 0) + 1);
  let compactedExtra = 0;
  for (const n of members.values()) compactedExtra += n - 1;
  return {
    units: skips.lostUnits,
    totalUnits:
      found.parquet.length +
      compactedExtra +
      found.skipped.length +
      skips.sourceUnits +
      lg.snaps.length +
      lg.skippedCount -
      lg.invalidRows,
    rows: skips.invalidRows,
    // A JSONL line's rows count its invalid buckets; an imported snapshot's file holds none of them.
    totalRows: cat.snaps.reduce((a, s) => a + s.rows, 0) + skips.sourceRows,
  };
}

export function decideVerdict(sim: Simulation, cat: Catalog, opts: StageOptions): Decided {
  const cfg = opts.cfg;
  const skippedInput = skippedShare(cat);
  const decideAt = (sims: Simulation["sims"]) =>
    decide({
      sims,
      total: sim.total,
      nonAllowlistedKeys: sim.nonAllowlistedKeys,
      observedSec: sim.observedSec,
      unattributed: sim.ports.unattributed,
      cfg,
      skippedInput,
    });
  // Each host judged on its own traffic and its own blocks. The sample-size condition of the FP bound
  // (min_samples_for_fp) counts the fleet's distinct keys: the key table is not split by host (docs/report.md).
  const hostsAt = (factor: number): HostDecision[] | null =>
    sim.hosts?.map((h) => ({
      host: h.host,
      decision: decide({
        sims: factor === 1 ? h.sims : h.at(factor),
        total: h.total,
        nonAllowlistedKeys: sim.nonAllowlistedKeys,
        observedSec: h.observedSec,
        unattributed: h.ports.unattributed,
        cfg,
        skippedInput,
      }),
    })) ?? null;
  const decideFleetAt = (factor: number, sims: Simulation["sims"]) => {
    const d = decideAt(sims);
    const hosts = hostsAt(factor);
    return { decision: hosts ? combineHosts(d, hosts) : d, hosts };
  };
  const { decision, hosts } = decideFleetAt(1, sim.sims);
  opts.progress("sensitivity");
  const sensitivity = SENSITIVITY_FACTORS.map((f): SensitivityRow => {
    const d = f === 1 ? decision : decideFleetAt(f, sim.at(f)).decision;
    const t = scaled(cfg, f);
    return {
      factor: f,
      syn_rate_threshold: t.synRate,
      vol_syn_rate: t.volSyn,
      vol_pkt_rate: t.volPkt,
      vol_byte_rate: t.volByte,
      keysBlocked: d.blocked.length,
      wouldDrop: d.wouldDrop,
      wouldDropPct: d.wouldDropPct,
      fpComputed: d.fp.computed,
      fpPct: d.fp.valuePct,
      fpReason: d.fp.reason,
      healthyBlockedKeys: d.healthy.length,
      peakConcurrentBlocks: d.peakConcurrent,
      outcome: d.outcome,
      current: f === 1,
    };
  });
  return { decision, hosts, sensitivity };
}
