// `explain`'s terminal output: per key a table of its intervals (rates next to the thresholds' verdicts,
// what fired or why nothing did, blocked seconds, would-drop), its block windows and a closing paragraph.
// A pure function of the explain model.
import {
  formatByteRate,
  formatDuration,
  formatInt,
  formatNumber,
  formatRatio,
  formatTimestamp,
  plural,
} from "../render/format.js";
import type { ExplainInterval, ExplainKey, ExplainModel } from "./model.js";

function table(header: string[], rows: string[][]): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!)))
      .join("  ")
      .trimEnd();
  return [line(header), ...rows.map(line)];
}

const CLASS_SHORT = { SYN_FLOOD_LIKE: "SYN_FLOOD_LIKE", VOLUMETRIC_TCP_ABUSE: "VOLUMETRIC" } as const;

function intervalRow(iv: ExplainInterval, hosts: boolean, allowlisted: boolean): string[] {
  const drop = allowlisted ? iv.spared : iv.wouldDrop;
  return [
    formatTimestamp(iv.end.unix).replace(" UTC", ""),
    ...(hosts ? [`${iv.host}/${iv.iface}`] : []),
    formatDuration(iv.spanSec),
    formatInt(iv.counts.syn),
    `${formatNumber(iv.synRate)}`,
    formatRatio(iv.successRatio),
    formatInt(iv.counts.packets),
    formatNumber(iv.pktRate),
    formatByteRate(iv.byteRate),
    iv.abuseClass ? `${CLASS_SHORT[iv.abuseClass]} fires` : "-",
    iv.blockedSec > 0 ? formatDuration(iv.blockedSec) : "-",
    drop.packets > 0n ? formatInt(drop.packets) : "-",
    iv.probablyLegit === null ? "" : iv.probablyLegit ? "probably legit" : "attack-like",
  ];
}

function keyLines(k: ExplainKey, m: ExplainModel): string[] {
  const state =
    k.decision === "block"
      ? `BLOCKED (${k.abuseClass})`
      : k.hot
        ? `hot (${k.abuseClass}), spared by the allowlist`
        : "not blocked: never hot";
  const out = [
    `== ${k.display}: ${state}${k.healthyBlocked ? ", HEALTHY client blocked (probably legitimate)" : ""}`,
  ];
  if (k.allowlistedBy.length)
    out.push(
      `Allowlisted by: ${k.allowlistedBy.map((e) => `${e.text} (${m.allowlist.path ?? "allowlist"}:${e.line})`).join(", ")}`,
    );
  out.push(
    `Traffic in ${plural(k.intervals.length, "interval")}; ${plural(k.quietIntervals, "interval")} of the window without traffic from it (not listed). Totals: ${formatInt(k.totals.packets)} packets, ${formatInt(k.totals.syn)} SYNs, ${formatInt(k.totals.bytes)} bytes.`,
  );
  const hosts = new Set(k.intervals.map((iv) => `${iv.host}/${iv.iface}`)).size > 1;
  const header = [
    "interval end (UTC)",
    ...(hosts ? ["host/iface"] : []),
    "span",
    "SYN",
    "SYN/s",
    "ratio",
    "packets",
    "pkt/s",
    "bytes/s",
    "fired",
    "blocked",
    k.allowlisted ? "spared pkts" : "drop pkts",
    "drop is",
  ];
  const rows: string[][] = [];
  const notes = new Map<number, string>();
  let lastWhy = "";
  k.intervals.forEach((iv, i) => {
    rows.push(intervalRow(iv, hosts, k.allowlisted));
    const why = iv.whyNot.join("; ");
    // The reason is printed when it changes, not under every quiet interval.
    if (why && why !== lastWhy) notes.set(i, `    why none fired: ${why}`);
    lastWhy = why;
  });
  const lines = table(header, rows);
  out.push(lines[0]!);
  rows.forEach((_, i) => {
    out.push(lines[i + 1]!);
    const n = notes.get(i);
    if (n) out.push(n);
  });
  if (k.blockWindows.length) {
    out.push(
      k.allowlisted
        ? "Block windows the rule would have opened (not applied: allowlisted):"
        : "Block windows:",
    );
    for (const w of k.blockWindows)
      out.push(
        `  ${formatTimestamp(w.start.unix)} to ${formatTimestamp(w.end.unix)} (${formatDuration(w.durationSec)}) on ${w.host}/${w.iface}: ${plural(w.fires, "fire")}, ${plural(w.reArms, "re-arm")}`,
      );
  }
  // With one key the closing paragraph is its summary: said once, at the end.
  if (m.keys.length > 1) out.push(`Summary: ${k.summary}`);
  return out;
}

export function renderExplainText(m: ExplainModel): string {
  const c = m.config;
  const w = m.window;
  const out = [
    `Explain ${m.query.prefix}${m.query.prefix !== m.query.text ? ` (from ${m.query.text})` : ""}: window ${w.start ? formatTimestamp(w.start.unix) : "—"} to ${w.end ? formatTimestamp(w.end.unix) : "—"}, ${plural(w.intervals, "interval")}`,
    `Thresholds: SYN_FLOOD_LIKE when syn_rate >= ${formatNumber(c.syn_rate_threshold)}/s, success_ratio <= ${c.success_ratio_threshold}, syn >= ${formatInt(c.min_syn)}; VOLUMETRIC_TCP_ABUSE when packets >= ${formatInt(c.min_packets)} and 2 of syn_rate >= ${formatNumber(c.vol_syn_rate)}/s, pkt_rate >= ${formatNumber(c.vol_pkt_rate)}/s, byte_rate >= ${formatByteRate(c.vol_byte_rate)}; a rule blocks for ${formatDuration(c.block_duration_sec)} from the end of each hot interval.`,
    `Allowlist: ${m.allowlist.path === null ? "none" : `${m.allowlist.path} (${plural(m.allowlist.entries, "entry", "entries")})`}`,
    "",
  ];
  for (const k of m.keys) out.push(...keyLines(k, m), "");
  if (m.keysLeftOut > 0)
    out.push(
      `${plural(m.keysLeftOut, "more key")} of ${m.query.prefix} not explained (use a narrower CIDR).`,
      "",
    );
  out.push(m.summary);
  return `${out.join("\n")}\n`;
}
