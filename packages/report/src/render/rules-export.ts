// rules.nft and rules.txt: the enforceable rules as data an operator feeds to their own enforcement, from the
// model's export entries (never a held-back, probably-legitimate key). Neither file drops anything: rules.nft
// defines named sets only (no chain, no rule, no policy), each element timing out after the block duration.
import type { ExportEntry, HostRules, Outcome, ReportModel, RulesModel } from "../model.js";

/** The table rules.nft defines its sets in: `inet` holds IPv4 and IPv6 sets together and serves every hook. */
export const NFT_TABLE = "inet ibsr";

/** The four sets: keys with a destination port, and keys recorded without one ("any port"), per family. */
export const NFT_SETS = {
  v4: { name: "v4", type: "ipv4_addr . inet_service", what: "IPv4 address or prefix, on a destination port" },
  v6: {
    name: "v6",
    type: "ipv6_addr . inet_service",
    what: "IPv6 prefix (a /64 key), on a destination port",
  },
  v4Any: { name: "v4_anyport", type: "ipv4_addr", what: "IPv4 key recorded without a port (any port)" },
  v6Any: { name: "v6_anyport", type: "ipv6_addr", what: "IPv6 key recorded without a port (any port)" },
} as const;

/** The longest element timeout nft 1.0.6 accepts, in seconds (measured: 99 999 999 s passes, 10^8 s does not). */
export const NFT_TIMEOUT_MAX_SEC = 99_999_999;

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/** An nft time: whole seconds, else milliseconds rounded up (nft takes no fractions), at most the maximum. */
export function nftTimeout(sec: number): string {
  const s = Math.min(sec, NFT_TIMEOUT_MAX_SEC);
  return Number.isInteger(s) ? `${s}s` : `${Math.max(1, Math.ceil(s * 1000))}ms`;
}

const covers = (e: ExportEntry) => (e.keys === 1 ? "1 key" : `covers ${e.keys} keys`);

/**
 * Whose rules a file holds: the report's (one host), one host's of a fleet report, or the fleet's top-level file
 * (no element: each host's are in its own file).
 */
interface RulesOf {
  rules: RulesModel;
  outcome: Outcome;
  /** The host's lines of the header, or null for the report's own file. */
  hostLines: string[];
}

/** The report's own rules.nft/rules.txt; in a fleet report they hold nothing and point at the hosts' files. */
function ownRules(m: ReportModel, ext: "nft" | "txt"): RulesOf {
  const byHost = m.rules.byHost;
  return {
    rules: m.rules,
    outcome: m.verdict.outcome,
    hostLines: byHost
      ? [
          `Fleet report of ${plural(byHost.length, "host")}: each host enforces its own rules, so this file holds none.`,
          `Deploy on each host its own file: ${byHost.map((h) => h.files[ext]).join(", ")}.`,
        ]
      : [],
  };
}

function hostRules(h: HostRules): RulesOf {
  // JSON quoting: a hostile host name cannot end the comment line or inject anything.
  return {
    rules: h.rules,
    outcome: h.outcome,
    hostLines: [`Host: ${JSON.stringify(h.host)} (these rules are for this host only).`],
  };
}

function windowLine(m: ReportModel, r: RulesOf): string {
  const s = m.scope;
  const span = s.start && s.end ? `${s.start.iso} to ${s.end.iso} (UTC)` : "no data";
  return `Window: ${span}. Verdict: ${r.outcome}.`;
}

function countsLine(r: RulesOf, unit: string): string {
  const x = r.rules.exports;
  const held = r.rules.heldBack.length;
  return [
    `${plural(x.keys, "enforceable key")} in ${plural(x.entries.length, unit)}`,
    x.merged ? `, ${plural(x.merged, "merged prefix", "merged prefixes")}` : "",
    `; ${plural(held, "probably-legitimate blocked key")} held back (rules.json "held_back")`,
    x.withheld.length
      ? `; ${plural(x.withheld.length, "key")} withheld (overlaps other traffic; rules.json "exports")`
      : "",
    ".",
  ].join("");
}

function setBlock(
  set: (typeof NFT_SETS)[keyof typeof NFT_SETS],
  entries: ExportEntry[],
  timeout: string,
): string[] {
  const out = [`  set ${set.name} {`, `    type ${set.type}`, "    flags interval, timeout"];
  if (entries.length) {
    out.push("    elements = {");
    for (const e of entries) {
      const key = set.type.includes(".") ? `${e.cidr} . ${e.dstPort}` : e.cidr;
      out.push(`      ${key} timeout ${timeout} comment "${covers(e)}",`);
    }
    out.push("    }");
  }
  out.push("  }");
  return out;
}

/** The example chain of the header: the operator's to write, in comments only. */
export const NFT_EXAMPLE = [
  `table ${NFT_TABLE} {`,
  "  chain trial {",
  "    type filter hook input priority filter - 10; policy accept;",
  `    ip saddr . tcp dport @${NFT_SETS.v4.name} counter drop`,
  `    ip6 saddr . tcp dport @${NFT_SETS.v6.name} counter drop`,
  `    meta l4proto tcp ip saddr @${NFT_SETS.v4Any.name} counter drop`,
  `    meta l4proto tcp ip6 saddr @${NFT_SETS.v6Any.name} counter drop`,
  "  }",
  "}",
];

export function renderRulesNft(m: ReportModel): string {
  return rulesNft(m, ownRules(m, "nft"));
}

/** One host's rules.nft in a fleet report. */
export function renderHostRulesNft(m: ReportModel, h: HostRules): string {
  return rulesNft(m, hostRules(h));
}

function rulesNft(m: ReportModel, r: RulesOf): string {
  const dur = m.config.block_duration_sec;
  const timeout = nftTimeout(dur);
  const clamped =
    dur > NFT_TIMEOUT_MAX_SEC ? ` (the block duration, ${dur} s, exceeds what nft accepts)` : "";
  const entries = r.rules.exports.entries;
  const pick = (family: 4 | 6, any: boolean) =>
    entries.filter((e) => e.family === family && (e.dstPort === 0) === any);
  const names = Object.values(NFT_SETS)
    .map((s) => s.name)
    .join(", ");
  const header = [
    `rules.nft: candidate block sets from ibsr-report, generated ${m.generatedAt.iso}.`,
    ...r.hostLines,
    windowLine(m, r),
    countsLine(r, "element"),
    `Data only: the named sets ${names} in table ${NFT_TABLE}; no chain, no rule, no policy.`,
    "Loading this file drops nothing. IBSR never blocks: enforcing is your decision, in your own chain.",
    `Every element times out after ${timeout}${clamped}, the report's block duration: a trial ends by itself.`,
    `Load with \`nft -f rules.nft\`; \`nft delete table ${NFT_TABLE}\` removes everything it added.`,
    "",
    "Sets:",
    ...Object.values(NFT_SETS).map((s) => `  ${s.name.padEnd(11)} ${s.type.padEnd(25)} ${s.what}`),
    "",
    "nftables sets are visible only inside their own table: reference them from a chain you add to it, e.g.",
    ...NFT_EXAMPLE.map((l) => `  ${l}`),
  ];
  return [
    ...header.map((l) => (l ? `# ${l}` : "#")),
    "",
    `table ${NFT_TABLE} {`,
    ...setBlock(NFT_SETS.v4, pick(4, false), timeout),
    ...setBlock(NFT_SETS.v6, pick(6, false), timeout),
    ...setBlock(NFT_SETS.v4Any, pick(4, true), timeout),
    ...setBlock(NFT_SETS.v6Any, pick(6, true), timeout),
    "}",
    "",
  ].join("\n");
}

export function renderRulesTxt(m: ReportModel): string {
  return rulesTxt(m, ownRules(m, "txt"));
}

/** One host's rules.txt in a fleet report. */
export function renderHostRulesTxt(m: ReportModel, h: HostRules): string {
  return rulesTxt(m, hostRules(h));
}

function rulesTxt(m: ReportModel, r: RulesOf): string {
  const header = [
    `rules.txt: candidate block list from ibsr-report, generated ${m.generatedAt.iso}.`,
    ...r.hostLines,
    windowLine(m, r),
    countsLine(r, "line"),
    'One entry per line: a CIDR and a TCP destination port ("any": the key was recorded without a port).',
    `A trial: block each entry for ${m.config.block_duration_sec} s (the report's block duration), not for ever.`,
    "Nothing here is allowlisted or probably legitimate; a line covering more than one key says how many.",
  ];
  const lines = r.rules.exports.entries.map(
    (e) => `${e.cidr} ${e.dstPort === 0 ? "any" : e.dstPort}${e.keys > 1 ? ` # ${covers(e)}` : ""}`,
  );
  return [...header.map((l) => `# ${l}`), ...lines, ""].join("\n");
}
