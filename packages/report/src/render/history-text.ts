// The history's sentences, shared by the Markdown and the HTML: new and recurring keys by run length,
// keys healthy-blocked before. Wording only: every figure and order comes from the model.
import type { HistoryKey, HistoryModel } from "../model.js";
import { formatInt, plural } from "./format.js";

/** Keys a sentence names before "and N more". */
export const HISTORY_KEYS_NAMED = 5;

/** 1st, 2nd, 3rd, 4th, 11th, 12th, 13th, 21st. */
export function ordinal(n: number): string {
  const t = n % 100;
  const suffix = t >= 11 && t <= 13 ? "th" : (["th", "st", "nd", "rd"][n % 10] ?? "th");
  return `${formatInt(n)}${suffix}`;
}

/** A key's label, with its host when the report covers several. */
export function historyKeyLabel(k: Pick<HistoryKey, "display" | "host">, fleet: boolean): string {
  return fleet ? `${k.display} on ${k.host}` : k.display;
}

function names(keys: readonly HistoryKey[], fleet: boolean, total = keys.length): string {
  // A key new since the last report may have been blocked in an older one: said, since it is not new then.
  const shown = keys
    .slice(0, HISTORY_KEYS_NAMED)
    .map(
      (k) =>
        `${historyKeyLabel(k, fleet)}${k.streak === 1 && k.reportsBlocked > 1 ? ` (blocked in ${plural(k.reportsBlocked - 1, "earlier report")} too)` : ""}`,
    );
  const rest = total - shown.length;
  return `${shown.join(", ")}${rest > 0 ? ` and ${formatInt(rest)} more` : ""}`;
}

/**
 * The verdict's history lines: "New since the last report: …", "Blocked for the 3rd report in a row: …"
 * (one per run length, longest first), threshold changes, keys healthy-blocked before. Plain text.
 */
export function historyBrief(h: HistoryModel): string[] {
  if (h.earlierReports === 0)
    return [
      h.recorded
        ? "No earlier report of this scope in the history store: the next report compares itself with this one."
        : "No earlier report of this scope in the history store, and this report is not added to it (see the notes).",
    ];
  const fleet = h.hosts !== null;
  const rows = h.keys.rows;
  const fresh = rows.filter((k) => k.isNew);
  const out = [
    fresh.length > 0
      ? `New since the last report: ${names(fresh, fleet, h.newKeys)}.`
      : "New since the last report: none.",
  ];
  const byStreak = new Map<number, HistoryKey[]>();
  for (const k of rows) if (k.streak > 1) byStreak.set(k.streak, [...(byStreak.get(k.streak) ?? []), k]);
  for (const [streak, keys] of [...byStreak].sort((a, b) => b[0] - a[0]))
    out.push(`Blocked for the ${ordinal(streak)} report in a row: ${names(keys, fleet)}.`);
  for (const c of h.thresholdChanges) out.push(`${c.text}.`);
  if (h.healthyBefore.total > 0) {
    const shown = h.healthyBefore.rows
      .slice(0, HISTORY_KEYS_NAMED)
      .map((k) => `${historyKeyLabel(k, fleet)} (now ${k.now})`);
    const rest = h.healthyBefore.total - shown.length;
    out.push(
      `Healthy-blocked (probably legitimate) in an earlier report: ${shown.join(", ")}${rest > 0 ? ` and ${formatInt(rest)} more` : ""}.`,
    );
  }
  return out;
}
