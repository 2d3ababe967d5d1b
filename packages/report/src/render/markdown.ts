// report.md (the cron mail): verdict first (the outcome, its reasons naming the keys, the checks that
// decide it), then the details in five sections (Scope & Configuration, Abuse Pattern Observed,
// Counterfactual Enforcement Impact, Readiness Judgment, and last Candidate Enforcement Rules with the
// rules.json text, so a long rule list never pushes the verdict down). Every value from the data is markdown-escaped, so a
// hostile host name or label can neither break a table nor inject HTML into a markdown viewer.
import { type MeasurePct, type Measures, type ReportModel, verdictCheck } from "../model.js";
import {
  formatBytes,
  formatDuration,
  formatInt,
  formatNumber,
  formatPct,
  formatRatio,
  formatTimestamp,
  plural,
} from "./format.js";
import { historyBrief, historyKeyLabel } from "./history-text.js";
import { CLASS_LABEL, headlineText } from "./html/helpers.js";
import { checkRows } from "./verdict-checks.js";

/** Rows in a markdown table; the full lists are in summary.json and evidence.csv. */
export const MD_TABLE_ROWS = 25;
/** Held-back and withheld keys named in the rules section; the rest are counted. */
const HELD_BACK_NAMED = 20;
/** rules.json is embedded only up to this size; beyond it the section points to the file. */
export const MD_MAX_RULES_JSON = 100_000;

/**
 * Escapes free text for inline markdown and table cells: "<" and "&" become entities (no tag, no
 * entity can form), the characters that open emphasis, links, code or strike-through and the table
 * separator "|" are backslash-escaped, a leading block marker ("#", "-", "+", ">", "1.") cannot start
 * a heading, list or quote,
 * and line breaks become spaces (a newline would end a list item or a table row).
 */
export function mdEscape(text: string | number | bigint): string {
  return (
    String(text)
      .replace(/[\r\n]+/g, " ")
      .replace(/&/g, "&amp;")
      .replace(/</g, "&lt;")
      .replace(/[\\`*[\]|~]/g, "\\$&")
      // "_" only opens emphasis at a word boundary: snake_case names stay readable.
      .replace(/(?<![A-Za-z0-9])_|_(?![A-Za-z0-9])/g, "\\_")
      .replace(/^(\s*)([#+>-])/, "$1\\$2")
      .replace(/^(\s*\d+)([.)])/, "$1\\$2")
  );
}

/** Our own short figure text for a table cell: only what could break the cell or form a tag is escaped. */
function mdCellText(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/\|/g, "\\|");
}

/**
 * An identifier (address, prefix, host, file) as a code span: read literally, nothing inside is
 * interpreted. The delimiter is longer than any backtick run inside. In a table cell "|" is escaped
 * too, because GFM splits cells before it sees code spans (and drops that backslash again).
 */
export function mdCode(text: string | number | bigint, inTable = false): string {
  const flat = String(text).replace(/[\r\n]+/g, " ");
  const body = inTable ? flat.replace(/\|/g, "\\|") : flat;
  let longest = 0;
  for (const m of body.matchAll(/`+/g)) longest = Math.max(longest, m[0].length);
  const d = "`".repeat(longest + 1);
  const pad = longest > 0 || body.startsWith(" ") || body.endsWith(" ") ? " " : "";
  return `${d}${pad}${body}${pad}${d}`;
}

/** A fenced block whose fence is longer than any backtick run inside, so data cannot close it. */
function fence(lang: string, body: string): string {
  let longest = 0;
  for (const m of body.matchAll(/`+/g)) longest = Math.max(longest, m[0].length);
  const f = "`".repeat(Math.max(3, longest + 1));
  return `${f}${lang}\n${body.endsWith("\n") ? body : `${body}\n`}${f}`;
}

function table(head: string[], rows: string[][], numeric: boolean[]): string[] {
  const sep = head.map((_, i) => (numeric[i] ? "---:" : "---"));
  return [`| ${head.join(" | ")} |`, `| ${sep.join(" | ")} |`, ...rows.map((r) => `| ${r.join(" | ")} |`)];
}

function more(notShown: number, what: string, where: string): string[] {
  return notShown > 0 ? ["", `${formatInt(notShown)} more ${what} not shown; see ${where}.`] : [];
}

function measureLine(label: string, m: Measures, pct: MeasurePct | null): string {
  const p = (v: number) => (pct ? ` (${formatPct(v)})` : "");
  return `- **${label}**: ${formatInt(m.packets)} packets${pct ? p(pct.packets) : ""}, ${formatBytes(m.bytes)}${
    pct ? p(pct.bytes) : ""
  }, ${formatInt(m.syn)} SYNs${pct ? p(pct.syn) : ""}`;
}

function scopeSection(m: ReportModel): string[] {
  const s = m.scope;
  const c = m.config;
  const a = m.allowlist;
  const out = ["## 1. Scope & Configuration", ""];
  if (m.synthetic.isSynthetic) {
    out.push(
      `> **Synthetic data**${m.synthetic.label ? `: ${mdEscape(m.synthetic.label)}` : ""}. Not from a real host.`,
      "",
    );
  }
  out.push(
    `- **Time window start**: ${formatTimestamp(s.start?.unix ?? null)}`,
    `- **Time window end**: ${formatTimestamp(s.end?.unix ?? null)}`,
    `- **Duration**: ${formatDuration(s.durationSec)} (${formatInt(Math.round(s.durationSec))} seconds; ${formatDuration(
      s.observedSec,
    )} of intervals observed)`,
    `- **Hosts**: ${s.hosts.length ? s.hosts.map((h) => mdCode(h)).join(", ") : "none"}`,
    `- **Interfaces**: ${s.ifaces.length ? s.ifaces.map((f) => mdCode(f)).join(", ") : "none"}${
      s.xdpModes.length ? ` (XDP ${s.xdpModes.map(mdEscape).join(", ")})` : ""
    }`,
    `- **Destination ports**: ${s.dstPorts.length ? s.dstPorts.join(", ") : "none"}`,
    `- **Snapshots**: ${formatInt(s.snapshots)} in ${plural(s.runs.length, "run")}, ${formatInt(s.rows)} rows, ${plural(
      s.files.total,
      "file",
    )} (${formatInt(s.files.parquet)} Parquet, ${formatInt(s.files.jsonl)} JSONL)`,
    `- **Window size**: ${formatInt(s.intervalSec)} seconds (snapshot interval)`,
    `- **SYN rate threshold**: ${formatNumber(c.syn_rate_threshold)} SYN/sec (with success ratio ≤ ${formatRatio(
      c.success_ratio_threshold,
    )} and at least ${formatInt(c.min_syn)} SYNs in the interval)`,
    `- **Volumetric thresholds**: at least ${formatInt(c.min_packets)} packets and two of ${formatNumber(
      c.vol_syn_rate,
    )} SYN/sec, ${formatNumber(c.vol_pkt_rate)} packets/sec, ${formatBytes(c.vol_byte_rate)}/sec`,
    `- **Block duration**: ${formatInt(c.block_duration_sec)} seconds`,
    a.configured
      ? `- **Allowlist**: ${plural(a.entries.total, "entry", "entries")} (IPv4: ${plural(
          a.entries.v4Addresses,
          "address",
          "addresses",
        )}, ${plural(a.entries.v4Cidrs, "CIDR")}; IPv6: ${plural(a.entries.v6Addresses, "address", "addresses")}, ${plural(
          a.entries.v6Cidrs,
          "CIDR",
        )})`
      : "- **Allowlist**: None configured",
    `- **Coverage**: map peak fill ${formatPct(s.peakFillPct)}, eviction loss ${
      s.evictionLossPackets === null
        ? "unknown"
        : `${formatInt(s.evictionLossPackets)} packets (${formatPct(s.evictionLossPct)})`
    }, ${plural(s.gaps.count, "gap")}, ${plural(s.baselines.count, "baseline snapshot")}, ${plural(
      s.skipped.count,
      "skipped input file or line",
      "skipped input files or lines",
    )}`,
  );
  for (const p of s.problems) out.push(`- **Coverage problem**: ${mdEscape(p)}`);
  for (const n of s.notes) out.push(`- **Coverage note**: ${mdEscape(n)}`);
  for (const k of s.skipped.first) {
    out.push(
      `- **Skipped**: ${mdCode(k.line !== null ? `${k.file}:${k.line}` : k.file)}: ${mdEscape(k.reason)}`,
    );
  }
  return out;
}

function abuseSection(m: ReportModel): string[] {
  const out = ["## 2. Abuse Pattern Observed", ""];
  const rows = m.topSources.rows;
  const i = m.impact;
  if (rows.length === 0) {
    out.push("No source matched the trigger conditions (SYN-flood-like or volumetric) in any interval.");
  } else {
    // Exact counts from the model's totals, never from the (capped) rows listed below.
    const hot = i.hotByClass;
    const blocked = i.blockedByClass;
    out.push(
      `${plural(i.keysHot, "source/port key")} matched an abuse pattern (${formatInt(hot.SYN_FLOOD_LIKE)} SYN-flood-like, ${formatInt(
        hot.VOLUMETRIC_TCP_ABUSE,
      )} volumetric); ${formatInt(i.keysBlocked)} would be blocked (${formatInt(blocked.SYN_FLOOD_LIKE)} SYN-flood-like, ${formatInt(
        blocked.VOLUMETRIC_TCP_ABUSE,
      )} volumetric) and ${formatInt(i.keysAllowlistedHot)} spared by the allowlist.`,
      "",
      "### Top Offenders",
      "",
      ...table(
        [
          "Source",
          "Class",
          "Decision",
          "Peak SYN Rate",
          "Min Success Ratio",
          "Would Block Packets",
          "Would Block SYN",
          "Episodes",
        ],
        rows
          .slice(0, MD_TABLE_ROWS)
          .map((r) => [
            mdCode(r.display, true),
            r.abuseClass ? CLASS_LABEL[r.abuseClass] : "—",
            r.allowlisted ? "allowlisted" : r.healthyBlocked ? "block (healthy)" : r.decision,
            `${formatNumber(r.peakSynRate)}/sec`,
            formatRatio(r.minSuccessRatio),
            formatInt(r.wouldDrop.packets),
            formatInt(r.wouldDrop.syn),
            formatInt(r.episodes),
          ]),
        [false, false, false, true, true, true, true, true],
      ),
      ...more(
        m.topSources.total - Math.min(rows.length, MD_TABLE_ROWS),
        "sources",
        "evidence.csv and summary.json",
      ),
    );
  }
  const portNotes = m.ports.filter((p) => p.kind !== "NONE");
  if (portNotes.length) {
    out.push("", "### Port-level findings", "");
    for (const p of portNotes) {
      // The engine's message may already name the port.
      const lead = p.message.startsWith(`Port ${p.dstPort}`) ? "" : `**Port ${p.dstPort}**: `;
      out.push(
        `- ${lead}${mdEscape(p.message)} (peak ${formatNumber(p.peakSynRate)} SYN/sec, success ratio at peak ${formatRatio(
          p.successRatioAtPeak,
        )}, up to ${formatInt(p.maxDistinctSources)} distinct sources per interval)`,
      );
    }
  }
  if (m.singleIntervalKeys.rows.length) {
    out.push(
      "",
      `Hot in a single interval only (review by hand): ${m.singleIntervalKeys.rows
        .slice(0, MD_TABLE_ROWS)
        .map((k) => mdCode(k.display))
        .join(", ")}${
        m.singleIntervalKeys.total > Math.min(m.singleIntervalKeys.rows.length, MD_TABLE_ROWS)
          ? ` and ${formatInt(m.singleIntervalKeys.total - Math.min(m.singleIntervalKeys.rows.length, MD_TABLE_ROWS))} more`
          : ""
      }.`,
    );
  }
  return out;
}

function impactSection(m: ReportModel): string[] {
  const i = m.impact;
  const fp = m.fp;
  const out = [
    "## 3. Counterfactual Enforcement Impact",
    "",
    "### Blocked Traffic (if rules were enforced)",
    "",
    measureLine("Would have been dropped", i.wouldDrop, i.wouldDropPct),
    measureLine("Ideal zero-latency rule", i.ideal, i.idealPct),
    measureLine("Missed because of detection delay", i.latencyCost, null),
    measureLine("Spared by the allowlist", i.sparedByAllowlist, i.sparedPct),
    `- **Peak concurrent blocks**: ${peakBlocksLine(m)}`,
    "",
    "Percentages are shares of all observed traffic on the monitored ports, allowlisted sources included.",
    "",
    "### False Positive Bound",
    "",
  ];
  if (fp.computed && fp.wouldDropPackets === 0n) {
    out.push("- **FP bound**: none: no packet would be dropped, so no legitimate traffic either.");
  } else if (fp.computed) {
    out.push(
      `- **FP bound**: ${formatPct(fp.valuePct)} (${formatInt(fp.probablyLegitPackets)} of ${formatInt(
        fp.wouldDropPackets,
      )} would-drop packets look legitimate)`,
    );
    if (fp.valuePct === 0) out.push("- No probably-legitimate traffic would be blocked.");
    else if (verdictCheck(m.verdict, "FP_BOUND").passed)
      out.push(`- FP bound is within the acceptable limit (≤ ${formatPct(m.config.max_fp_pct)}).`);
    else
      out.push(`- **WARNING**: FP bound exceeds the acceptable limit (> ${formatPct(m.config.max_fp_pct)}).`);
  } else {
    out.push("- **FP bound**: UNKNOWN", `- **Reason**: ${mdEscape(fp.reason ?? "not computed")}`);
  }
  if (fp.healthyBlockedKeys.length) {
    out.push(
      `- **Healthy keys that would be blocked**: ${fp.healthyBlockedKeys
        .slice(0, MD_TABLE_ROWS)
        .map((k) => mdCode(k.display))
        .join(
          ", ",
        )}${fp.healthyBlockedTotal > MD_TABLE_ROWS ? ` and ${formatInt(fp.healthyBlockedTotal - MD_TABLE_ROWS)} more` : ""}`,
    );
  }
  out.push("", "### Uncertainty", "");
  if (i.total.packets === 0n) out.push("- No traffic was observed during the analysis window.");
  else
    out.push(
      `- Analysis based on ${formatInt(i.total.packets)} total packets, ${formatInt(i.total.syn)} total SYN, over ${formatDuration(
        m.scope.observedSec,
      )} of observed intervals.`,
    );
  for (const a of m.assumptions) out.push(`- ${mdEscape(a)}`);
  if (m.sensitivity.length) {
    out.push(
      "",
      "### Sensitivity",
      "",
      ...table(
        [
          "Scale",
          "SYN Rate Threshold",
          "Keys Blocked",
          "Would Drop Packets",
          "Would Drop SYN",
          "FP Bound",
          "Peak Blocks",
          "Verdict",
        ],
        m.sensitivity.map((r) => [
          `${r.current ? "**" : ""}×${r.factor}${r.current ? "**" : ""}`,
          `${formatNumber(r.syn_rate_threshold)}/sec`,
          formatInt(r.keysBlocked),
          formatPct(r.wouldDropPct.packets),
          formatPct(r.wouldDropPct.syn),
          r.fpComputed ? formatPct(r.fpPct) : "unknown",
          formatInt(r.peakConcurrentBlocks),
          r.outcome.replace(/_/g, " "),
        ]),
        [true, true, true, true, true, true, true, false],
      ),
    );
  }
  return out;
}

function rulesSection(m: ReportModel): string[] {
  const r = m.rules;
  const out = ["## 5. Candidate Enforcement Rules", ""];
  out.push(
    `${plural(r.total, "trigger")} (one per enforceable key: blocked and not probably legitimate) and ${plural(r.exceptions.length, "exception")} from the allowlist, as written to rules.json. rules.nft and rules.txt hold the same keys in ${plural(r.exports.entries.length, "entry", "entries")} (${plural(r.exports.merged, "merged prefix", "merged prefixes")}).`,
    "",
  );
  if (r.heldBack.length > 0) {
    // Held back: the allowlist suggestion an operator needs before any trial, named key by key.
    out.push(
      `Held back (probably legitimate, in no enforceable list; consider allowlisting): ${r.heldBack
        .slice(0, HELD_BACK_NAMED)
        .map((h) => mdEscape(h.display))
        .join(
          ", ",
        )}${r.heldBack.length > HELD_BACK_NAMED ? ` and ${formatInt(r.heldBack.length - HELD_BACK_NAMED)} more (rules.json "held_back")` : ""}.`,
      "",
    );
  }
  if (r.exports.withheld.length > 0)
    out.push(
      `${plural(r.exports.withheld.length, "enforceable key")} left out of rules.nft and rules.txt because other traffic shares its addresses: ${r.exports.withheld
        .slice(0, HELD_BACK_NAMED)
        .map((w) => mdEscape(w.display))
        .join(", ")}${r.exports.withheld.length > HELD_BACK_NAMED ? ", …" : ""}.`,
      "",
    );
  if (r.json.trim() === "") out.push("(rules.json was not produced for this report.)");
  else if (r.json.length <= MD_MAX_RULES_JSON) out.push(fence("json", r.json));
  else out.push(`rules.json is ${formatBytes(r.json.length)}, too large to embed here; see the file.`);
  return out;
}

function readinessSection(m: ReportModel): string[] {
  const v = m.verdict;
  const out = ["## 4. Readiness Judgment", "", `**${mdEscape(v.label)}** — ${mdEscape(headlineText(v))}`, ""];
  if (v.outcome === "READY") {
    out.push(
      "This abuse class is ready for a human-approved enforcement trial. All criteria were met:",
      "",
      `- False-positive bound known and within ${formatPct(m.config.max_fp_pct)}`,
      "- No healthy key would be blocked",
      `- Would-drop share at least ${formatPct(m.config.min_blocked_pct)}`,
      `- Peak concurrent blocks within ${formatInt(m.config.max_rules)} rules`,
    );
  } else if (v.outcome === "NOT_READY") {
    out.push("This abuse class is NOT ready for enforcement. Gating reasons:", "");
    for (const r of v.reasons) out.push(`- ${mdEscape(r.text)}`);
  } else {
    out.push(
      "No source would be blocked and nothing abnormal was seen at port level: there is nothing to enforce.",
    );
  }
  if (v.notes.length) {
    out.push("", "Also worth knowing:", "");
    for (const n of v.notes) out.push(`- ${mdEscape(n)}`);
  }
  return out;
}

/** Each host interface's own peak (blocks are per host); one line when there is a single enforcer. */
function peakBlocksLine(m: ReportModel): string {
  const i = m.impact;
  const limit = `limit ${formatInt(m.config.max_rules)} per host`;
  if (i.peakConcurrentByHost.length <= 1) return `${formatInt(i.peakConcurrentBlocks)} (${limit})`;
  const per = i.peakConcurrentByHost
    .slice(0, MD_TABLE_ROWS)
    .map((h) => `${mdCode(h.host)} (${mdCode(h.iface)}) ${formatInt(h.peak)}`)
    .join(", ");
  const more = i.peakConcurrentByHost.length - Math.min(i.peakConcurrentByHost.length, MD_TABLE_ROWS);
  return `${formatInt(i.peakConcurrentBlocks)} on the busiest host (${limit}); per host: ${per}${more > 0 ? ` and ${formatInt(more)} more` : ""}`;
}

/** The opening: the verdict, its reasons (which name the keys), and the checks that decide it. */
function verdictSummary(m: ReportModel): string[] {
  const v = m.verdict;
  const out = [`**Verdict: ${mdEscape(v.label)}** — ${mdEscape(headlineText(v))}`];
  if (v.reasons.length) {
    out.push("", "Why:", "");
    for (const r of v.reasons) out.push(`- ${mdEscape(r.text)}`);
  }
  if (m.history) {
    out.push("", "Since earlier reports:", "");
    for (const line of historyBrief(m.history)) out.push(`- ${mdEscape(line)}`);
  }
  const rows = checkRows(m);
  if (rows.length) {
    out.push(
      "",
      ...table(
        ["Check", "Measured", "Limit", "Result"],
        // Check texts are the renderer's own words and figures: escaped for a table cell, but a figure such as
        // "12.5%" keeps its plain-text form (the mail is read as text as often as rendered).
        rows.map((c) => [
          mdEscape(c.label),
          mdCellText(c.measured),
          mdCellText(c.limit),
          c.failed ? `**${c.result}**` : c.result,
        ]),
        [false, true, false, false],
      ),
    );
  }
  out.push("", "Details follow; the candidate rules are at the end and in rules.json.");
  return out;
}

/** Several hosts: each host's verdict, the keys hot on several hosts, and where each host's rules are. */
function fleetSection(m: ReportModel): string[] {
  const f = m.fleet;
  if (!f) return [];
  const out = [
    "## Hosts",
    "",
    `Each host enforces its own rules, so each has its own verdict from the same checks over its own traffic. The fleet is READY only when every host with something to enforce is READY${f.notReady.length ? `; not ready: ${f.notReady.map((h) => mdEscape(h)).join(", ")}` : ""}.`,
    "",
    ...table(
      [
        "Host",
        "Verdict",
        "Why not ready",
        "Blocked keys",
        "Rules",
        "Would drop (packets)",
        "FP bound",
        "Peak blocks",
        "Snapshots",
        "Gaps",
        "Observed",
      ],
      f.hosts.map((h) => [
        mdEscape(h.host),
        h.outcome === "NOT_READY" ? `**${h.label}**` : h.label,
        h.why ? mdEscape(h.why) : "—",
        formatInt(h.keysBlocked),
        formatInt(h.rules),
        `${formatInt(h.wouldDrop.packets)} (${formatPct(h.wouldDropPct.packets)})`,
        h.fp.computed ? formatPct(h.fp.valuePct) : "unknown",
        formatInt(h.peakConcurrentBlocks),
        formatInt(h.coverage.snapshots),
        formatInt(h.coverage.gaps),
        mdCellText(formatDuration(h.coverage.observedSec)),
      ]),
      [false, false, false, true, true, true, true, true, true, true, true],
    ),
  ];
  if (f.sharedHotKeys.total > 0) {
    out.push("", "Keys hot on several hosts:", "");
    for (const k of f.sharedHotKeys.rows.slice(0, MD_SHARED_KEYS))
      out.push(`- ${mdEscape(`Key ${k.display} hot on ${plural(k.hosts, "host")}: ${sharedHostNames(k)}`)}`);
    out.push(
      ...more(
        f.sharedHotKeys.total - Math.min(f.sharedHotKeys.rows.length, MD_SHARED_KEYS),
        "keys",
        "summary.json",
      ),
    );
  }
  if (m.rules.byHost?.length) {
    out.push("", "Each host's rules (deploy on that host only):", "");
    for (const h of m.rules.byHost)
      out.push(
        `- ${mdEscape(h.host)}: ${mdCode(h.files.json)}, ${mdCode(h.files.nft)}, ${mdCode(h.files.txt)} (${plural(h.rules.total, "trigger")})`,
      );
  }
  return out;
}

/** "a, b, c" or "a, b, c and 4 more" (the model keeps the first names). */
function sharedHostNames(k: { hosts: number; hostNames: string[] }): string {
  const left = k.hosts - k.hostNames.length;
  return left > 0 ? `${k.hostNames.join(", ")} and ${formatInt(left)} more` : k.hostNames.join(", ");
}

/** Keys hot on several hosts the mail lists (summary.json has them all, capped). */
const MD_SHARED_KEYS = 20;

/** Earlier reports of this scope: the verdict per report, per host, the blocked keys' runs, the store's notes. */
function historySection(m: ReportModel): string[] {
  const h = m.history;
  if (!h) return [];
  const fleet = h.hosts !== null;
  const out = [
    "## History",
    "",
    `The last ${plural(h.reports.length, "report")} of this scope (same hosts, overlapping ports), oldest first; a window that overlaps a later report's counts once. Store: ${mdCode(h.dir)}${h.recorded ? " (this report is added to it)" : " (this report is not added to it)"}.`,
    "",
    ...table(
      [
        "Window",
        "Verdict",
        "Why not ready",
        "Blocked keys",
        "Would drop (packets)",
        "FP bound",
        "Thresholds",
      ],
      h.reports.map((r, i) => [
        mdCellText(
          `${formatTimestamp(r.start.unix)} to ${formatTimestamp(r.end.unix)}${r.current ? " (this report)" : ""}`,
        ),
        r.outcome === "NOT_READY" ? `**${mdEscape(r.label)}**` : mdEscape(r.label),
        r.reasons.length ? mdEscape(r.reasons.join(", ")) : "—",
        formatInt(r.blockedKeys),
        `${formatInt(r.wouldDropPackets)} (${formatPct(r.wouldDropPct)})`,
        r.fpPct === null ? "unknown" : formatPct(r.fpPct),
        i > 0 && h.reports[i - 1]!.configHash !== r.configHash
          ? `**changed** (${mdEscape(r.configHash)})`
          : mdEscape(r.configHash),
      ]),
      [false, false, false, true, true, true, false],
    ),
  ];
  if (h.leftOut > 0) out.push(...more(h.leftOut, "earlier reports", "the history store"));
  if (h.hosts)
    out.push(
      "",
      ...table(
        ["Host", ...h.reports.map((r) => mdCellText(formatTimestamp(r.start.unix).slice(0, 10)))],
        h.hosts.map((x) => [
          mdEscape(x.host),
          ...x.outcomes.map((o) => (o === null ? "—" : mdEscape(o.replaceAll("_", " ")))),
        ]),
        [false, ...h.reports.map(() => false)],
      ),
    );
  if (h.keys.total > 0) {
    out.push(
      "",
      ...table(
        ["Key", "Reports in a row", "Reports blocked", "New", "Healthy-blocked before"],
        h.keys.rows
          .slice(0, MD_TABLE_ROWS)
          .map((k) => [
            mdEscape(historyKeyLabel(k, fleet)),
            formatInt(k.streak),
            formatInt(k.reportsBlocked),
            k.isNew ? "new" : "—",
            k.healthyBefore ? "**yes**" : "—",
          ]),
        [false, true, true, false, false],
      ),
      ...more(h.keys.total - Math.min(h.keys.rows.length, MD_TABLE_ROWS), "blocked keys", "summary.json"),
    );
  }
  if (h.notes.length) {
    out.push("", "Notes:", "");
    for (const n of h.notes) out.push(`- ${mdEscape(n)}`);
  }
  return out;
}

export function renderMarkdown(model: ReportModel): string {
  const sections = [
    ["# IBSR Report"],
    verdictSummary(model),
    fleetSection(model),
    historySection(model),
    scopeSection(model),
    abuseSection(model),
    impactSection(model),
    readinessSection(model),
    rulesSection(model),
  ];
  return `${sections
    .filter((s) => s.length > 0)
    .map((s) => s.join("\n"))
    .join("\n\n")}\n`;
}
