// A report's history record: the compact facts a later report compares itself with (the fleet's verdict,
// each host's verdict, each blocked key per host), built from the finished model and the per-host
// simulation. No I/O: history/store.ts writes and reads it.
import { createHash } from "node:crypto";
import { isHealthy } from "../analysis/decide.js";
import { isBlocked } from "../analysis/key-decision.js";
import { keyRef } from "../analysis/key-label.js";
import { type KeySim, keyFlags } from "../analysis/simulate.js";
import { CONFIG_KEYS } from "../config.js";
import type { AbuseClass, Family, Outcome, ReasonCode, ReportConfig, ReportModel } from "../model.js";
import type { Simulation } from "../stages/simulate-keys.js";

/** A verdict and the figures behind it: the fleet's (or the one host's), or one host's. */
export interface RecordVerdict {
  outcome: Outcome;
  reasons: ReasonCode[];
  blockedKeys: number;
  wouldDropPackets: bigint;
  /** Of all packets on the monitored ports, 0..100. */
  wouldDropPct: number;
  fpPct: number | null;
}

export interface RecordHost extends RecordVerdict {
  host: string;
}

/** A key blocked on one host (only blocked keys are recorded: the history is about what would be enforced). */
export interface RecordKey {
  host: string;
  family: Family;
  src: string;
  prefixLen: number;
  dstPort: number;
  display: string;
  healthyBlocked: boolean;
  wouldDropPackets: bigint;
  abuseClass: AbuseClass | null;
}

export interface HistoryRecord {
  /** Identifies the run: a hash of when, what window, which inputs and which thresholds. */
  id: string;
  /** Unix seconds. */
  generatedAt: number;
  start: number;
  end: number;
  inputs: string[];
  dstPorts: number[];
  config: ReportConfig;
  configHash: string;
  fleet: RecordVerdict;
  /** Host name order. */
  hosts: RecordHost[];
  keys: RecordKey[];
}

/** The thresholds as JSON text in their fixed key order (what the hash covers). */
export function configJson(cfg: ReportConfig): string {
  return JSON.stringify(Object.fromEntries(CONFIG_KEYS.map((k) => [k, cfg[k]])));
}

export function configHash(cfg: ReportConfig): string {
  return createHash("sha256").update(configJson(cfg)).digest("hex").slice(0, 12);
}

function blockedKeys(host: string, sims: readonly KeySim[]): RecordKey[] {
  return sims
    .filter((s) => isBlocked(keyFlags(s)))
    .map((s) => {
      const k = s.cand.key;
      const ref = keyRef(k.family, k.src, k.prefixLen, k.dstPort);
      return {
        host,
        family: ref.family,
        src: ref.src,
        prefixLen: ref.prefixLen,
        dstPort: ref.dstPort,
        display: ref.display,
        healthyBlocked: isHealthy(s),
        wouldDropPackets: s.drop.packets,
        abuseClass: s.cls,
      };
    })
    .sort((a, b) => (a.display < b.display ? -1 : a.display > b.display ? 1 : 0));
}

/** The record of this report; null when the report has no window (nothing was analysed). */
export function buildRecord(model: ReportModel, sim: Simulation): HistoryRecord | null {
  const { scope, verdict, impact, fp, config } = model;
  if (scope.start === null || scope.end === null) return null;
  const fleet: RecordVerdict = {
    outcome: verdict.outcome,
    reasons: verdict.reasons.map((r) => r.code),
    blockedKeys: impact.keysBlocked,
    wouldDropPackets: impact.wouldDrop.packets,
    wouldDropPct: impact.wouldDropPct.packets,
    fpPct: fp.computed ? fp.valuePct : null,
  };
  const hosts: RecordHost[] = model.fleet
    ? model.fleet.hosts.map((h) => ({
        host: h.host,
        outcome: h.outcome,
        reasons: h.reasons.map((r) => r.code),
        blockedKeys: h.keysBlocked,
        wouldDropPackets: h.wouldDrop.packets,
        wouldDropPct: h.wouldDropPct.packets,
        fpPct: h.fp.computed ? h.fp.valuePct : null,
      }))
    : [{ host: scope.hosts[0] ?? scope.hostFilter ?? "", ...fleet }];
  const keys = sim.hosts
    ? sim.hosts.flatMap((h) => blockedKeys(h.host, h.sims))
    : blockedKeys(hosts[0]!.host, sim.sims);
  const hash = configHash(config);
  const id = createHash("sha256")
    .update(
      JSON.stringify([
        model.generatedAt.unix,
        scope.start.unix,
        scope.end.unix,
        scope.inputs,
        scope.hosts,
        hash,
      ]),
    )
    .digest("hex")
    .slice(0, 12);
  return {
    id,
    generatedAt: model.generatedAt.unix,
    start: scope.start.unix,
    end: scope.end.unix,
    inputs: [...scope.inputs],
    dstPorts: [...scope.dstPorts],
    config: { ...config },
    configHash: hash,
    fleet,
    hosts,
    keys,
  };
}
