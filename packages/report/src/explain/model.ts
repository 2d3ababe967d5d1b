// What `ibsr-report explain` found about one address or CIDR, complete before anything is printed: the text
// and JSON renderers (render-text.ts, render-json.ts) only read it.
import type {
  AbuseClass,
  Counters,
  Family,
  KeyDecision,
  KeyRef,
  Measures,
  ReportConfig,
  TimePoint,
} from "../model.js";

export const EXPLAIN_VERSION = 1;

/** Keys of a CIDR explained in full; the others are counted (hot ones first, then by packets). */
export const EXPLAIN_KEYS_CAP = 50;

export type TermName =
  | "syn"
  | "handshake_ack"
  | "packets"
  | "bytes"
  | "syn_rate"
  | "handshake_ack_rate"
  | "pkt_rate"
  | "byte_rate"
  | "success_ratio";

/** One comparison of the hot predicate, or a group of them, with the values it read. */
export type ExplainedCondition =
  | {
      kind: "check";
      term: TermName;
      op: ">" | ">=" | "<=";
      /** null: a success ratio without SYNs (undefined; no comparison holds). */
      value: number | null;
      threshold: number;
      /** The --config key of the threshold (null for the fixed "more than 0"). */
      thresholdKey: keyof ReportConfig | null;
      holds: boolean;
    }
  | { kind: "all" | "any"; holds: boolean; of: ExplainedCondition[] }
  | { kind: "atLeast"; n: number; holds: boolean; of: ExplainedCondition[] };

export interface ExplainInterval {
  host: string;
  iface: string;
  runId: string;
  start: TimePoint;
  end: TimePoint;
  spanSec: number;
  /** Share of the interval inside --since/--until (1 unless the window cuts it). */
  windowShare: number;
  counts: Counters;
  synRate: number;
  pktRate: number;
  byteRate: number;
  successRatio: number | null;
  /** The class that fired in this interval, or null. */
  abuseClass: AbuseClass | null;
  conditions: Record<AbuseClass, ExplainedCondition>;
  /** Why no class fired: the failed comparisons of each (empty when one fired). */
  whyNot: string[];
  /** When hot: the rule fires at the end of the interval and blocks until `blocksUntil`. */
  fires: { at: TimePoint; blocksUntil: TimePoint } | null;
  /** Seconds of the interval (inside the window) covered by a block window of this key. */
  blockedSec: number;
  /** Dropped in this interval (zero when allowlisted: see `spared`). */
  wouldDrop: Measures;
  /** What the allowlist kept from being dropped in this interval. */
  spared: Measures;
  /** The would-drop (or spared) traffic of this interval is probably legitimate (null when none). */
  probablyLegit: boolean | null;
}

export interface BlockWindow {
  host: string;
  iface: string;
  start: TimePoint;
  end: TimePoint;
  durationSec: number;
  /** Rules fired inside the window (the first opens it, each later one re-arms it). */
  fires: number;
  reArms: number;
}

export interface ExplainKey extends KeyRef {
  decision: KeyDecision;
  /** Hot in some interval at the configured thresholds. */
  hot: boolean;
  abuseClass: AbuseClass | null;
  allowlisted: boolean;
  /** The allowlist entries that contain the key. */
  allowlistedBy: { text: string; line: number }[];
  /** Blocked, and most of its would-drop probably legitimate (the report's healthy_blocked). */
  healthyBlocked: boolean;
  probablyLegitPackets: bigint;
  probablyLegitPct: number | null;
  totals: Counters;
  wouldDrop: Measures;
  ideal: Measures;
  spared: Measures;
  peakSynRate: number;
  peakPktRate: number;
  peakByteRate: number;
  minSuccessRatio: number | null;
  hotIntervals: number;
  episodes: number;
  firstFire: TimePoint | null;
  lastFire: TimePoint | null;
  blockWindows: BlockWindow[];
  blockedSec: number;
  /** Intervals with traffic from the key, in time order. */
  intervals: ExplainInterval[];
  /** Intervals of the window without traffic from the key (summarised, not listed). */
  quietIntervals: number;
  /** For intervals where nothing fired: each distinct set of failed comparisons and how often. */
  notHotReasons: { reason: string; intervals: number }[];
  summary: string;
}

export interface ExplainModel {
  explainVersion: number;
  query: { text: string; prefix: string; family: Family; single: boolean };
  config: ReportConfig;
  allowlist: { path: string | null; entries: number };
  window: {
    since: TimePoint | null;
    until: TimePoint | null;
    start: TimePoint | null;
    end: TimePoint | null;
    /** Intervals with a share inside the window. */
    intervals: number;
  };
  keysMatched: number;
  keysLeftOut: number;
  keys: ExplainKey[];
  /** The closing paragraph: blocked or not, why, healthy-blocked or not. */
  summary: string;
}
