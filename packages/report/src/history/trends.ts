// The model's history section from this report's record and the store's records: which earlier reports
// belong to this scope, which of overlapping windows count, each key's run of reports in a row, threshold
// changes. Pure (docs/report.md, "History").
import { CONFIG_KEYS } from "../config.js";
import {
  HISTORY_REPORTS_SHOWN,
  type HistoryHealthyKey,
  type HistoryKey,
  type HistoryModel,
  type HistoryReport,
  type HostHistory,
  type KeyRef,
  type ThresholdChange,
} from "../model.js";
import { formatInt, plural } from "../render/format.js";
import { MODEL_LIST_CAP, OUTCOME_LABEL } from "../stages/assemble-model.js";
import { timePoint } from "../timespec.js";
import type { HistoryRecord, RecordKey, RecordVerdict } from "./record.js";
import type { StoreContents } from "./store.js";

/** Skipped store files named in the notes (the rest are counted). */
const SKIPPED_NAMED = 3;

const sameHosts = (a: HistoryRecord, b: HistoryRecord) =>
  a.hosts.length === b.hosts.length && a.hosts.every((h, i) => h.host === b.hosts[i]!.host);

/** Ports overlap, or neither record knows its ports. */
const portsOverlap = (a: HistoryRecord, b: HistoryRecord) =>
  (a.dstPorts.length === 0 && b.dstPorts.length === 0) || a.dstPorts.some((p) => b.dstPorts.includes(p));

/** Windows overlap when they share more than an instant (daily windows that touch at midnight do not). */
const overlaps = (a: HistoryRecord, b: HistoryRecord) => a.start < b.end && b.start < a.end;

const keyId = (k: { host: string; display: string }) => JSON.stringify([k.host, k.display]);

/** The key and host of a recorded key (without its figures). */
function keyOf(k: RecordKey): KeyRef & { host: string } {
  return {
    family: k.family,
    src: k.src,
    prefixLen: k.prefixLen,
    dstPort: k.dstPort,
    display: k.display,
    host: k.host,
  };
}

function blockedSet(r: HistoryRecord): Map<string, RecordKey> {
  return new Map(r.keys.map((k) => [keyId(k), k]));
}

function reportOf(r: HistoryRecord, v: RecordVerdict, current: boolean): HistoryReport {
  return {
    generatedAt: timePoint(r.generatedAt),
    start: timePoint(r.start),
    end: timePoint(r.end),
    outcome: v.outcome,
    label: OUTCOME_LABEL[v.outcome],
    reasons: v.reasons,
    blockedKeys: v.blockedKeys,
    wouldDropPackets: v.wouldDropPackets,
    wouldDropPct: v.wouldDropPct,
    fpPct: v.fpPct,
    configHash: r.configHash,
    current,
  };
}

function thresholdChanges(shown: readonly HistoryRecord[]): ThresholdChange[] {
  const out: ThresholdChange[] = [];
  for (let i = 1; i < shown.length; i++) {
    const a = shown[i - 1]!;
    const b = shown[i]!;
    for (const key of CONFIG_KEYS) {
      if (a.config[key] === b.config[key]) continue;
      const at = timePoint(b.start);
      out.push({
        key,
        from: a.config[key],
        to: b.config[key],
        at,
        text: `${key} changed from ${a.config[key]} to ${b.config[key]} on ${at.iso.slice(0, 10)}: figures before and after are not comparable`,
      });
    }
  }
  return out;
}

/**
 * Which records count, in window order: this report's, and the earlier ones of its scope (the same hosts,
 * overlapping monitored ports) whose windows start before its own. A record whose window overlaps one kept
 * already is dropped: this report first, then the store's records from the latest generated.
 */
export function acceptedRecords(
  current: HistoryRecord,
  records: readonly HistoryRecord[],
): { accepted: HistoryRecord[]; otherScope: number; replaced: number; later: number } {
  let otherScope = 0;
  let replaced = 0;
  let later = 0;
  const kept: HistoryRecord[] = [current];
  // A record with this report's id is this very report run before (the same --now, window, inputs and
  // thresholds): left out without a note, so that running a report twice gives the same bytes.
  const candidates = records
    .filter((r) => r.id !== current.id)
    .sort((a, b) => b.generatedAt - a.generatedAt || (a.id < b.id ? 1 : -1));
  for (const r of candidates) {
    if (!sameHosts(r, current) || !portsOverlap(r, current)) otherScope++;
    else if (kept.some((k) => overlaps(k, r))) replaced++;
    else if (r.start >= current.start) later++;
    else kept.push(r);
  }
  kept.sort((a, b) => a.start - b.start || a.generatedAt - b.generatedAt);
  return { accepted: kept, otherScope, replaced, later };
}

export interface TrendInputs {
  dir: string;
  current: HistoryRecord;
  store: StoreContents;
  /** This report's record will be appended (false: the store could not be written). */
  recorded: boolean;
  /** Sentences about writing the store (a failure). */
  writeNotes: string[];
}

export function historyTrends({ dir, current, store, recorded, writeNotes }: TrendInputs): HistoryModel {
  const { accepted, otherScope, replaced, later } = acceptedRecords(current, store.records);
  const shown = accepted.slice(-HISTORY_REPORTS_SHOWN);
  const earlier = accepted.slice(0, -1);
  const previous = earlier.at(-1) ?? null;
  const sets = accepted.map(blockedSet);
  const prevSet = previous ? sets[sets.length - 2]! : null;

  const keys: HistoryKey[] = current.keys.map((k) => {
    const id = keyId(k);
    let streak = 1;
    for (let i = sets.length - 2; i >= 0 && sets[i]!.has(id); i--) streak++;
    return {
      ...keyOf(k),
      streak,
      reportsBlocked: sets.filter((s) => s.has(id)).length,
      isNew: prevSet !== null && !prevSet.has(id),
      healthyBefore: sets.slice(0, -1).some((s) => s.get(id)?.healthyBlocked === true),
      wouldDropPackets: k.wouldDropPackets,
    };
  });
  keys.sort(
    (a, b) =>
      b.streak - a.streak ||
      (a.wouldDropPackets === b.wouldDropPackets ? 0 : a.wouldDropPackets > b.wouldDropPackets ? -1 : 1) ||
      (keyId(a) < keyId(b) ? -1 : 1),
  );

  const healthy = new Map<string, HistoryHealthyKey>();
  const now = sets.at(-1)!;
  for (let i = earlier.length - 1; i >= 0; i--)
    for (const k of earlier[i]!.keys) {
      if (!k.healthyBlocked) continue;
      const id = keyId(k);
      const seen = healthy.get(id);
      if (seen) {
        seen.reports++;
        continue;
      }
      const cur = now.get(id);
      healthy.set(id, {
        ...keyOf(k),
        reports: 1,
        last: timePoint(earlier[i]!.start),
        now: cur === undefined ? "not blocked" : cur.healthyBlocked ? "healthy-blocked" : "blocked",
      });
    }
  const healthyRows = [...healthy.values()];

  const fleet = current.hosts.length > 1;
  const hosts: HostHistory[] | null = fleet
    ? current.hosts.map((h) => ({
        host: h.host,
        outcomes: shown.map((r) => r.hosts.find((x) => x.host === h.host)?.outcome ?? null),
      }))
    : null;

  const notes: string[] = [...writeNotes];
  if (earlier.length === 0)
    notes.push("No earlier report of this scope in the history store: this is the first.");
  if (replaced > 0)
    notes.push(
      `${plural(replaced, "earlier record")} over an overlapping window not counted (the latest report of a window counts once).`,
    );
  if (otherScope > 0)
    notes.push(
      `${plural(otherScope, "record")} of another scope (other hosts or monitored ports) in the store not compared.`,
    );
  if (later > 0)
    notes.push(`${plural(later, "record")} of later windows not shown (the history ends with this report).`);
  if (store.skipped.length > 0) {
    const named = store.skipped.slice(0, SKIPPED_NAMED).map((s) => `${s.file} (${s.reason})`);
    const rest = store.skipped.length - named.length;
    notes.push(
      `${plural(store.skipped.length, "file")} in the history store skipped, not a readable history record: ${named.join("; ")}${rest > 0 ? `; and ${formatInt(rest)} more` : ""}.`,
    );
  }

  return {
    dir,
    recorded,
    earlierReports: earlier.length,
    reports: shown.map((r) => reportOf(r, r.fleet, r === current)),
    leftOut: accepted.length - shown.length,
    hosts,
    keys: {
      rows: keys.slice(0, MODEL_LIST_CAP),
      total: keys.length,
      leftOut: Math.max(0, keys.length - MODEL_LIST_CAP),
    },
    newKeys: keys.filter((k) => k.isNew).length,
    recurringKeys: keys.filter((k) => k.streak > 1).length,
    healthyBefore: {
      rows: healthyRows.slice(0, MODEL_LIST_CAP),
      total: healthyRows.length,
      leftOut: Math.max(0, healthyRows.length - MODEL_LIST_CAP),
    },
    thresholdChanges: thresholdChanges(shown),
    notes,
  };
}
