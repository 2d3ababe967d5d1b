// Per-host rules of a fleet report (docs/report.md, "Fleet reports"): each host gets its own rules.json,
// rules.nft and rules.txt, in exactly the single-host shapes, so an operator deploys one host's files on that
// host with the tools they already have. The fleet's rules.json indexes them and holds no trigger itself: a
// reader that knows nothing of hosts and applies it blocks nothing rather than every host's keys everywhere.
import { createHash } from "node:crypto";
import type { Allowlist } from "../allowlist.js";
import type { Outcome, ReportModel, RuleExports, RulesModel, SourceRow } from "../model.js";
import { jsonText } from "../render/json-text.js";
import { buildRules, RULES_VERSION } from "./rules.js";

/** Longest sanitised host name kept in a file name (before the hash suffix). */
const STEM_MAX = 48;

/**
 * A file-name-safe, unique stem for each host: letters, digits, `.`, `_` and `-` kept, anything else `_`, no
 * leading dot; a name that had to change (or would clash with another, ignoring case) gets the first 8 hex
 * digits of its SHA-256, so two hostile names never share a file. Same input, same stems.
 */
export function hostFileStems(hosts: readonly string[]): Map<string, string> {
  const out = new Map<string, string>();
  const plain = (h: string) => {
    const s = h
      .replace(/[^A-Za-z0-9._-]/g, "_")
      .replace(/^\./, "_")
      .slice(0, STEM_MAX);
    return s === "" ? "_" : s;
  };
  const count = new Map<string, number>();
  // Names kept as they are may clash only with each other (by case); a changed name always carries its hash.
  for (const h of hosts) {
    if (plain(h) !== h) continue;
    const k = h.toLowerCase();
    count.set(k, (count.get(k) ?? 0) + 1);
  }
  const taken = new Set<string>();
  for (const h of [...hosts].sort()) {
    const p = plain(h);
    let stem =
      p === h && count.get(p.toLowerCase()) === 1
        ? p
        : `${p}-${createHash("sha256").update(h).digest("hex").slice(0, 8)}`;
    for (let i = 2; taken.has(stem.toLowerCase()); i++) stem = `${p}-${i}`;
    taken.add(stem.toLowerCase());
    out.set(h, stem);
  }
  return out;
}

export interface HostRulesInput {
  host: string;
  outcome: Outcome;
  /** This host's hot keys as rows (its own would-drop and verdict flags), key order. */
  sources: readonly SourceRow[];
  exports: RuleExports;
}

export function buildFleetRules(
  model: Pick<ReportModel, "config" | "scope" | "generatedAt">,
  hosts: readonly HostRulesInput[],
  allowlist: Allowlist,
): RulesModel {
  const stems = hostFileStems(hosts.map((h) => h.host));
  const byHost = hosts.map((h) => {
    const stem = stems.get(h.host)!;
    return {
      host: h.host,
      files: {
        json: `rules-host-${stem}.json`,
        nft: `rules-host-${stem}.nft`,
        txt: `rules-host-${stem}.txt`,
      },
      outcome: h.outcome,
      rules: buildRules(model, h.sources, allowlist, h.exports, h.host),
    };
  });
  const exceptions = allowlist.entries.map((e) => ({
    keyType: e.single ? ("src_ip" as const) : ("src_cidr" as const),
    value: e.text,
  }));
  const doc = {
    version: RULES_VERSION,
    generated_at: Math.floor(model.generatedAt.unix),
    match_criteria: { proto: "tcp", dst_ports: model.scope.dstPorts },
    // No trigger here: each host enforces its own (the files below).
    triggers: [],
    exceptions: exceptions.map((e) => ({ key_type: e.keyType, key_value: e.value })),
    held_back: [],
    hosts: byHost.map((h) => ({
      host: h.host,
      verdict: h.outcome,
      triggers: h.rules.total,
      held_back: h.rules.heldBack.length,
      export_entries: h.rules.exports.entries.length,
      rules_json: h.files.json,
      rules_nft: h.files.nft,
      rules_txt: h.files.txt,
    })),
  };
  return {
    triggers: [],
    total: 0,
    leftOut: 0,
    exceptions,
    heldBack: [],
    exports: { entries: [], keys: 0, merged: 0, withheld: [] },
    json: jsonText(doc),
    byHost,
  };
}
