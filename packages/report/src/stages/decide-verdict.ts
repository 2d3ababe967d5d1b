// Stage 5, decideVerdict: the verdict and its checks at the configured thresholds, and the same decision
// at each sensitivity factor.

import { sep } from "node:path";
import { hostDirName } from "@ibsr/contract";
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

/**
 * The host a skipped file belongs to: its snapshots' host, else the host=<name> folder it sits in (matched
 * against the hosts of the report through the folder-name rule); null when neither tells.
 */
function hostOfFileFn(cat: Catalog, hosts: readonly string[]): (file: string) => string | null {
  const byFile = new Map<string, string>();
  for (const s of cat.snaps) byFile.set(s.file, s.host);
  const byFolder = new Map(hosts.map((h) => [hostDirName(h), h]));
  return (file) => {
    const own = byFile.get(file);
    if (own !== undefined) return own;
    for (const part of file.split(sep).reverse()) {
      const h = byFolder.get(part);
      if (h !== undefined) return h;
    }
    return null;
  };
}

/**
 * Each host's skipped share: the files, snapshots and rows of that host, and everything skipped whose host
 * cannot be told (hostless JSONL lines and buckets, a broken file outside any host= folder) counted against
 * every host: a verdict must not rest on data that may have been the host's own (docs/report.md). One pass
 * over the snapshots and the skips for all hosts.
 */
export function hostSkippedShares(cat: Catalog, hosts: readonly string[]): Map<string, SkippedShare> {
  const { skips } = cat;
  const hostOf = hostOfFileFn(cat, hosts);
  const add = (m: Map<string, number>, h: string, n: number) => m.set(h, (m.get(h) ?? 0) + n);
  let sharedUnits = skips.lostUnits - skips.lostFiles.length;
  const units = new Map<string, number>();
  for (const f of skips.lostFiles) {
    const h = hostOf(f);
    if (h === null) sharedUnits++;
    else add(units, h, 1);
  }
  let sharedRows = skips.invalidRows;
  const rows = new Map<string, number>();
  for (const [f, n] of skips.invalidByFile) {
    const h = hostOf(f);
    if (h === null) continue;
    sharedRows -= n;
    add(rows, h, n);
  }
  const ownSnaps = new Map<string, number>();
  const ownRows = new Map<string, number>();
  for (const s of cat.snaps) {
    add(ownSnaps, s.host, 1);
    add(ownRows, s.host, s.rows);
  }
  return new Map(
    hosts.map((h): [string, SkippedShare] => {
      const u = sharedUnits + (units.get(h) ?? 0);
      return [
        h,
        {
          units: u,
          totalUnits: (ownSnaps.get(h) ?? 0) + u,
          rows: sharedRows + (rows.get(h) ?? 0),
          // Imported snapshots' files hold none of the rows their import skipped (counted against every host).
          totalRows: (ownRows.get(h) ?? 0) + skips.sourceRows,
        },
      ];
    }),
  );
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
  // Each host judged on its own traffic, its own blocks, its own distinct keys (the FP bound's sample size)
  // and its own skipped input (docs/report.md, fleet reports).
  const hostSkips = hostSkippedShares(
    cat,
    (sim.hosts ?? []).map((h) => h.host),
  );
  const hostsAt = (factor: number): HostDecision[] | null =>
    sim.hosts?.map((h) => ({
      host: h.host,
      decision: decide({
        sims: factor === 1 ? h.sims : h.at(factor),
        total: h.total,
        nonAllowlistedKeys: h.nonAllowlistedKeys,
        observedSec: h.observedSec,
        unattributed: h.ports.unattributed,
        cfg,
        skippedInput: hostSkips.get(h.host)!,
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
