/**
 * The one report model. The engine (ingest + analysis, as the stages in stages/) fills it completely before it
 * returns; every renderer (HTML, Markdown, JSON, CSV) reads it and nothing else, and the writer (report.ts)
 * writes the files it lists: no renderer queries DuckDB, decides a check or ranks rows.
 *
 * Conventions (stable; later changes are additive only):
 * - Exact integer counts (packets, bytes, SYNs, keys summed over rows) are `bigint`: sums are exact and
 *   order-independent. Convert with `Number(x)` only for drawing.
 * - Rates (`*Rate`) are per second over real interval spans, `number`. Ratios are 0..1, percentages 0..100,
 *   both `number`, computed once from the integer sums. `null` means "undefined" (e.g. a success ratio with no
 *   SYN), never zero.
 * - Times are given twice: `...Unix` (seconds, may be fractional) and `...Iso` (UTC ISO 8601, second precision).
 * - Every list has a total order fixed by the engine; renderers keep the given order.
 * - Capped lists carry `total` and `leftOut` (how many rows were not included).
 */

export const REPORT_VERSION = 1;

export type Outcome = "READY" | "NOT_READY" | "NOTHING_TO_ENFORCE";
export type AbuseClass = "SYN_FLOOD_LIKE" | "VOLUMETRIC_TCP_ABUSE";
/** A key's decision: blocked when hot and not allowlisted (analysis/key-decision.ts). */
export type KeyDecision = "block" | "allow";
export type Family = 4 | 6;

/** Every threshold the analysis used (spec §8), snake_case as in summary.json and --config. */
export interface ReportConfig {
  syn_rate_threshold: number;
  success_ratio_threshold: number;
  min_syn: number;
  vol_syn_rate: number;
  vol_pkt_rate: number;
  vol_byte_rate: number;
  min_packets: number;
  block_duration_sec: number;
  fp_safe_ratio: number;
  min_samples_for_fp: number;
  min_observed_sec: number;
  max_fp_pct: number;
  min_blocked_pct: number;
  max_rules: number;
}

export interface TimePoint {
  unix: number;
  iso: string;
}

/** The six counters the report shows, exact. */
export interface Counters {
  syn: bigint;
  ack: bigint;
  handshake_ack: bigint;
  rst: bigint;
  packets: bigint;
  bytes: bigint;
}

/** Packets, bytes and SYNs: the three measures of impact. */
export interface Measures {
  packets: bigint;
  bytes: bigint;
  syn: bigint;
}

/** Percentages 0..100 of the three measures (0 when the denominator is 0). */
export interface MeasurePct {
  packets: number;
  bytes: number;
  syn: number;
}

/** One key: a source (IPv4 address or IPv6 prefix) on one destination port. */
export interface KeyRef {
  family: Family;
  /** Plain address ("198.18.0.1") or prefix text ("2001:2::/64", "198.18.0.0/24"). */
  src: string;
  prefixLen: number;
  dstPort: number;
  /** "198.18.0.1:80", "[2001:2::]/64:80" style label for tables (IPv6 bracketed). */
  display: string;
}

/** Only the key of a row that extends KeyRef (a copy without the row's other fields). */
export function keyRefOf(k: KeyRef): KeyRef {
  return { family: k.family, src: k.src, prefixLen: k.prefixLen, dstPort: k.dstPort, display: k.display };
}

// ---------------------------------------------------------------- verdict

export type ReasonCode =
  | "FP_UNKNOWN"
  | "FP_TOO_HIGH"
  | "HEALTHY_BLOCKED"
  | "IMPACT_TOO_LOW"
  | "TOO_MANY_RULES"
  | "PORT_LEVEL_UNATTRIBUTED"
  | "INPUT_SKIPPED";

export interface VerdictReason {
  code: ReasonCode;
  /** One full sentence for the operator, with the numbers in it (and the first keys involved, by label). */
  text: string;
  /** The keys the reason is about (their display labels, most important first), capped; null when none. */
  keys: ReasonKeys | null;
}

/** Verdict reasons name at most this many keys; the rest are counted. */
export const REASON_KEYS_SHOWN = 5;

export interface ReasonKeys {
  /** At most REASON_KEYS_SHOWN display labels ("198.18.0.7:443", "[2001:2::]/64:443"). */
  labels: string[];
  /** How many keys the reason is about in all. */
  total: number;
}

/** The verdict's checks (spec §6), each decided once by the analysis (analysis/decide.ts). */
export type CheckCode =
  | "FP_BOUND"
  | "HEALTHY_BLOCKED"
  | "MIN_IMPACT"
  | "MAX_RULES"
  | "PORT_LEVEL"
  | "INPUT_SKIPPED";

export interface VerdictCheck {
  code: CheckCode;
  passed: boolean;
  /** The measured figure (FP bound %, healthy blocked keys, gating %, peak concurrent blocks, ...); null when unknown. */
  value: number | null;
  /** The configured limit it was held against; null for a check without a number (a port-level flood). */
  limit: number | null;
  /** The check decides the outcome here: the checks on blocked keys apply only when some key is blocked. */
  gating: boolean;
}

export interface Verdict {
  outcome: Outcome;
  /** "READY", "NOT READY", "NOTHING TO ENFORCE". */
  label: string;
  /** One sentence summarising the outcome. */
  headline: string;
  /** Gating reasons in the spec's order (empty when READY or NOTHING_TO_ENFORCE). */
  reasons: VerdictReason[];
  /** Non-gating notes: port-level findings, single-interval keys, coverage problems. */
  notes: string[];
  /** Every check, passed or not, in the spec's order; the reasons are the failed gating ones. */
  checks: VerdictCheck[];
}

/** The check with this code (every model carries all of them). */
export function verdictCheck(v: Verdict, code: CheckCode): VerdictCheck {
  const c = v.checks.find((x) => x.code === code);
  if (!c) throw new Error(`the report model has no ${code} check`);
  return c;
}

// ---------------------------------------------------------------- scope and coverage

export interface SkippedInput {
  file: string;
  /** 1-based line for JSONL, null for a whole file. */
  line: number | null;
  reason: string;
}

export interface RunInfo {
  host: string;
  iface: string;
  runId: string;
  format: "parquet" | "jsonl";
  start: TimePoint;
  end: TimePoint;
  /** Snapshots read (including a baseline). */
  snapshots: number;
  /** Intervals used after merging short ones. */
  intervals: number;
  /** True when the first snapshot on disk was not the run's start (retention, subset, legacy without base_ts). */
  firstIsBaseline: boolean;
  intervalSec: number;
  xdpMode: string | null;
  mapCapacity: number | null;
  peakLiveEntries: number | null;
  /** peakLiveEntries / mapCapacity * 100. */
  peakFillPct: number | null;
  /** Matched packets counted by the program's global totals but absent from every key's deltas (null: unknown). */
  evictionLossPackets: bigint | null;
  /** Same as a percentage of the globally matched packets in the run's intervals. */
  evictionLossPct: number | null;
  /** Estimated map evictions: inserts minus live entries (null: unknown). */
  estimatedEvictions: bigint | null;
  writeErrors: number | null;
  /** Gaps between consecutive snapshots longer than 1.5 intervals. */
  gaps: number;
  /** Intervals merged into a neighbour (the predecessor, or the successor for a run's first) because they were shorter than max(0.5 s, interval/2). */
  mergedShortIntervals: number;
  /** Of those, the run's first interval joined to its successor: expected (the collector's first snapshot right after attach). */
  mergedFirstIntervals: number;
}

export interface Gap {
  host: string;
  iface: string;
  runId: string;
  from: TimePoint;
  to: TimePoint;
  /** The next snapshot carries the deltas over the whole gap (a failed collector write): nothing is missing. */
  carried: boolean;
  /** Seconds whose traffic no snapshot on disk carries (0 when carried). */
  missingSec: number;
}

export interface BaselineSnapshot {
  host: string;
  iface: string;
  runId: string;
  at: TimePoint;
  /** Why it is a baseline: "run start not on disk" / "before --since" / "no base_ts". */
  reason: string;
}

export interface Scope {
  /** Directories given on the command line. */
  inputs: string[];
  files: { parquet: number; jsonl: number; total: number };
  snapshots: number;
  rows: bigint;
  hosts: string[];
  ifaces: string[];
  xdpModes: string[];
  /** Monitored destination ports seen (or selected by --dst-ports), ascending. */
  dstPorts: number[];
  runs: RunInfo[];
  /** First and last instant of the analysed window (interval starts/ends after --since/--until). */
  start: TimePoint | null;
  end: TimePoint | null;
  /** Sum of analysed interval spans (overlapping runs on several hosts add up). */
  observedSec: number;
  /** end - start. */
  durationSec: number;
  /** The --since/--until window as resolved, null when not given. */
  since: TimePoint | null;
  until: TimePoint | null;
  hostFilter: string | null;
  /**
   * What discovery listed and opened: snapshot files listed (outside the layout, and in the date folders
   * listed), Parquet footers read, host= folders left out by --host, date= folders in all and listed.
   */
  discovery: {
    listed: number;
    opened: number;
    hostFoldersPruned: number;
    dateFolders: number;
    dateFoldersListed: number;
  };
  /** The nominal snapshot interval (median over runs). */
  intervalSec: number;
  mapCapacity: number | null;
  peakFillPct: number | null;
  evictionLossPackets: bigint | null;
  evictionLossPct: number | null;
  gaps: { count: number; totalMissingSec: number; list: Gap[]; leftOut: number };
  baselines: { count: number; list: BaselineSnapshot[]; leftOut: number };
  skipped: { count: number; first: SkippedInput[] };
  /** Human sentences for coverage problems (gaps, fill >= 90 %, eviction loss, write errors, skipped input). */
  problems: string[];
  /** Informational coverage sentences that are expected and need no action (e.g. a run's short first interval merged). */
  notes: string[];
}

// ---------------------------------------------------------------- time series

export interface SeriesPoint {
  /** Bucket start and end. */
  start: TimePoint;
  end: TimePoint;
  spanSec: number;
  total: Measures;
  wouldDrop: Measures;
  /** The probably-legitimate part of wouldDrop (spec §5): traffic of non-SYN-flood intervals that complete handshakes. */
  wouldDropProbablyLegit: Measures;
  /** Per-second rates of the totals and of the would-drop part (over the bucket's span). */
  pktRate: number;
  synRate: number;
  byteRate: number;
  wouldDropPktRate: number;
  wouldDropSynRate: number;
  wouldDropByteRate: number;
  /** Rates of the probably-legitimate part of the would-drop (included in the wouldDrop rates). */
  wouldDropProbablyLegitPktRate: number;
  wouldDropProbablyLegitSynRate: number;
  wouldDropProbablyLegitByteRate: number;
  /** Distinct keys with traffic in the bucket (max over the intervals inside it). */
  distinctSources: number;
  /** Blocks active at the bucket's end, summed over every enforcer (host, interface). */
  activeBlocks: number;
}

export interface TimeSeries {
  /** Width of a bucket: the snapshot interval, widened so that there are at most ~1 440 points. */
  bucketSec: number;
  points: SeriesPoint[];
  /** Maxima, for chart axes. */
  maxPktRate: number;
  maxSynRate: number;
  maxByteRate: number;
  maxDistinctSources: number;
  maxActiveBlocks: number;
}

// ---------------------------------------------------------------- sources, episodes, impact

export interface SourceRow extends KeyRef {
  decision: KeyDecision;
  allowlisted: boolean;
  /** Class of the hottest interval (SYN_FLOOD_LIKE wins), null when never hot. */
  abuseClass: AbuseClass | null;
  totals: Counters;
  wouldDrop: Measures;
  /** What a zero-latency rule would have caught: the deltas of the hot intervals. */
  ideal: Measures;
  /** For allowlisted keys: what the rule would have dropped had it fired. */
  spared: Measures;
  /** Probably-legitimate share of this key's would-drop packets (spec §5). */
  probablyLegitPackets: bigint;
  /** probablyLegitPackets / wouldDrop.packets * 100, null when nothing would drop. */
  probablyLegitPct: number | null;
  peakSynRate: number;
  peakPktRate: number;
  peakByteRate: number;
  minSuccessRatio: number | null;
  hotIntervals: number;
  episodes: number;
  firstHot: TimePoint | null;
  lastHot: TimePoint | null;
  /** Hot in exactly one interval overall: listed for manual review. */
  singleInterval: boolean;
  /** Blocked and mostly probably-legitimate. */
  healthyBlocked: boolean;
}

export interface EpisodeRow extends KeyRef {
  host: string;
  iface: string;
  runId: string;
  start: TimePoint;
  end: TimePoint;
  durationSec: number;
  intervals: number;
  abuseClass: AbuseClass;
  peakSynRate: number;
  peakPktRate: number;
  peakByteRate: number;
  minSuccessRatio: number | null;
  totals: Measures;
  allowlisted: boolean;
}

export interface Impact {
  /** All observed traffic on the monitored ports in the window (allowlisted included). */
  total: Measures;
  /** Dropped under the delayed (snapshot-cadence) enforcer: a lower bound. */
  wouldDrop: Measures;
  wouldDropPct: MeasurePct;
  /** Zero-latency rule: the deltas of hot intervals. */
  ideal: Measures;
  idealPct: MeasurePct;
  /** What allowlisted keys would have lost. */
  sparedByAllowlist: Measures;
  sparedPct: MeasurePct;
  /** ideal - wouldDrop: the cost of detection latency. */
  latencyCost: Measures;
  keysObserved: number;
  keysHot: number;
  keysBlocked: number;
  keysAllowlistedHot: number;
  /** The largest peak of any one enforcer (blocks are per host): the MAX_RULES check's figure. */
  peakConcurrentBlocks: number;
  peakConcurrentAt: TimePoint | null;
  /** Each enforcer's own peak, largest first (ties: host, interface); the first is peakConcurrentBlocks'. */
  peakConcurrentByHost: HostPeak[];
  /** Exact key counts per class (from every key, not a capped list): all hot keys, and the blocked ones. */
  hotByClass: ClassCounts;
  blockedByClass: ClassCounts;
  /** The measure the gating uses: "syn" when any blocked key is SYN_FLOOD_LIKE-dominated, else "packets". */
  gatingMeasure: "syn" | "packets";
  gatingPct: number;
}

export interface HostPeak {
  host: string;
  iface: string;
  peak: number;
  at: TimePoint | null;
}

export type ClassCounts = Record<AbuseClass, number>;

export interface HealthyBlockedKey extends KeyRef {
  abuseClass: AbuseClass | null;
  wouldDropPackets: bigint;
  probablyLegitPackets: bigint;
  probablyLegitPct: number;
  minSuccessRatio: number | null;
  peakPktRate: number;
}

export interface FpSurface {
  computed: boolean;
  /** Null when not computed. */
  valuePct: number | null;
  /** Why it is unknown (null when computed). */
  reason: string | null;
  probablyLegitPackets: bigint;
  wouldDropPackets: bigint;
  nonAllowlistedKeys: number;
  observedSec: number;
  healthyBlockedKeys: HealthyBlockedKey[];
  healthyBlockedTotal: number;
  healthyBlockedLeftOut: number;
}

export interface AllowlistEffect {
  configured: boolean;
  /** The file as given, or null. */
  path: string | null;
  entries: { v4Addresses: number; v4Cidrs: number; v6Addresses: number; v6Cidrs: number; total: number };
  /** Canonical text of every entry, sorted (family, address, prefix length). */
  entryTexts: string[];
  /** Keys observed that the allowlist covers. */
  matchedKeys: number;
  /** Allowlisted keys that were hot (a rule would have fired). */
  hotKeys: number;
  spared: Measures;
  sparedPct: MeasurePct;
  /** Allowlisted hot keys, by spared packets descending. */
  top: SourceRow[];
  leftOut: number;
}

// ---------------------------------------------------------------- ports

export type PortFindingKind = "UNATTRIBUTED_FLOOD" | "ATTRIBUTED_FLOOD" | "NONE";

export interface PortPoint {
  start: TimePoint;
  end: TimePoint;
  synRate: number;
  pktRate: number;
  successRatio: number | null;
  distinctSources: number;
  /** The aggregate over the port meets the hot criteria in this bucket. */
  hot: boolean;
  /** Share (0..100) of the port's SYNs in this bucket that came from hot keys. */
  attributedSynPct:
    | number
    | null /** Hot, and hot keys explain less than the attributed share of its SYNs: a flood per-source rules miss. */;
  unattributed: boolean;
}

export interface PortFinding {
  dstPort: number;
  kind: PortFindingKind;
  /** A sentence such as "present but not attributable to sources; per-source rules would not help". */
  message: string;
  total: Measures;
  peakSynRate: number;
  peakSynRateAt: TimePoint | null;
  /** Success ratio of the aggregate in the peak-SYN-rate interval. */
  successRatioAtPeak: number | null;
  maxDistinctSources: number;
  /** Intervals in which the port aggregate was hot. */
  hotIntervals: number;
  /** Of those, intervals where hot keys explain less than half of the SYNs. */
  unattributedIntervals: number;
  /** Share (0..100) of the port's SYNs in its hot intervals that came from hot keys. */
  attributedSynPct: number | null;
  points: PortPoint[];
}

// ---------------------------------------------------------------- sensitivity, roll-ups, rules

export interface SensitivityRow {
  factor: number;
  /** The factor applied to syn_rate_threshold and the three volumetric rates. */
  syn_rate_threshold: number;
  vol_syn_rate: number;
  vol_pkt_rate: number;
  vol_byte_rate: number;
  keysBlocked: number;
  wouldDrop: Measures;
  wouldDropPct: MeasurePct;
  fpComputed: boolean;
  fpPct: number | null;
  fpReason: string | null;
  healthyBlockedKeys: number;
  peakConcurrentBlocks: number;
  outcome: Outcome;
  /** The row of the configured thresholds (factor 1). */
  current: boolean;
}

export interface RollupRow {
  family: Family;
  /** Prefix text: "198.18.0.0/24", "2001:2::/48". */
  prefix: string;
  prefixLen: number;
  keys: number;
  /** Distinct sources (addresses or prefixes) inside. */
  sources: number;
  hotKeys: number;
  blockedKeys: number;
  total: Measures;
  wouldDrop: Measures;
  /** Share (0..100) of all would-drop packets. */
  wouldDropSharePct: number;
}

export interface Rollups {
  /** IPv4 /24 prefixes, by would-drop packets descending, then total packets, then prefix. */
  v4: RollupRow[];
  v4Total: number;
  v4LeftOut: number;
  /** IPv6 /48 prefixes, same order. */
  v6: RollupRow[];
  v6Total: number;
  v6LeftOut: number;
}

/** The thresholds of ReportConfig a trigger was judged by, and its class. */
export interface RuleCriteria
  extends Pick<
    ReportConfig,
    | "syn_rate_threshold"
    | "success_ratio_threshold"
    | "min_syn"
    | "vol_syn_rate"
    | "vol_pkt_rate"
    | "vol_byte_rate"
    | "min_packets"
  > {
  abuse_class: AbuseClass;
}

export interface RuleTrigger extends KeyRef {
  abuseClass: AbuseClass;
  windowSec: number;
  durationSec: number;
  criteria: RuleCriteria;
  firstHot: TimePoint | null;
  lastHot: TimePoint | null;
  hotIntervals: number;
  episodes: number;
  wouldDrop: Measures;
  totals: Counters;
}

/**
 * A blocked key the report counts as probably legitimate (SourceRow.healthyBlocked): never enforceable, listed
 * apart with its numbers as a ready-made allowlist suggestion.
 */
export interface HeldBackRule extends KeyRef {
  abuseClass: AbuseClass;
  /** "probably legitimate: 96.4% of its would-drop packets completed handshakes". */
  reason: string;
  wouldDrop: Measures;
  probablyLegitPackets: bigint;
  probablyLegitPct: number;
  minSuccessRatio: number | null;
  peakSynRate: number;
  peakPktRate: number;
  peakByteRate: number;
  firstHot: TimePoint | null;
  lastHot: TimePoint | null;
  hotIntervals: number;
  episodes: number;
}

/** One line of rules.txt / one element of rules.nft: an enforceable key, or a prefix covering several. */
export interface ExportEntry {
  family: Family;
  /** Always with its length: "198.18.0.5/32", "198.18.0.0/30", "2001:2:0:1::/64". */
  cidr: string;
  prefixLen: number;
  /** 0: any port. */
  dstPort: number;
  /** Enforceable keys this entry covers (1 unless merged). */
  keys: number;
}

/** An enforceable key left out of rules.nft / rules.txt because an address of it has other, unblocked traffic. */
export interface WithheldExport extends KeyRef {
  reason: string;
}

export interface RuleExports {
  /** IPv4 before IPv6, then port, then address: the order of rules.txt and rules.nft. */
  entries: ExportEntry[];
  /** Enforceable keys covered by the entries. */
  keys: number;
  /** Entries that cover more than one key. */
  merged: number;
  withheld: WithheldExport[];
}

export interface RulesModel {
  /** One per enforceable key (blocked and not probably legitimate), in key order (family, address, prefix length, port). */
  triggers: RuleTrigger[];
  total: number;
  leftOut: number;
  /** Allowlist entries as rule exceptions, canonical text. */
  exceptions: { keyType: "src_ip" | "src_cidr"; value: string }[];
  /** Blocked keys kept out of every enforceable list (probably legitimate), by would-drop packets descending. */
  heldBack: HeldBackRule[];
  /** What rules.nft and rules.txt contain: the triggers, merged where safe. */
  exports: RuleExports;
  /** The exact rules.json text that was written (for embedding in Markdown/HTML). */
  json: string;
  /**
   * Several hosts: each host's own rules (host name order), written to per-host files; the fleet's rules.json
   * then lists no trigger of its own (an old reader applying it blocks nothing) and indexes these. Null with one host.
   */
  byHost: HostRules[] | null;
}

// ---------------------------------------------------------------- machine-readable lists

/** summary.json's source and episode lists and evidence.csv's rows keep at most this many rows. */
export const SUMMARY_SOURCES_CAP = 10_000;

/** One row of evidence.csv / evidence.parquet: a key with traffic in the window. */
export interface EvidenceRow extends KeyRef {
  abuseClass: AbuseClass | null;
  /** Peak per-interval SYN rate. */
  synRate: number;
  /** Overall success ratio of the key in the window (null without SYNs). */
  successRatio: number | null;
  decision: KeyDecision;
  allowlisted: boolean;
  totals: Counters;
  wouldDrop: Measures;
}

/** A file the engine produced whole (too large for the model), to be moved into the output as it is. */
export interface Artifact {
  /** Where the engine wrote it (a directory the engine owns until the report is written). */
  path: string;
  rows: number;
}

export interface MachineLists {
  /**
   * summary.json's sources: every hot key in key order when there are at most SUMMARY_SOURCES_CAP, else
   * that many with the most would-drop packets, printed in key order.
   */
  sources: { rows: SourceRow[]; total: number; leftOut: number };
  /** summary.json's episodes: the first SUMMARY_SOURCES_CAP in start order. */
  episodes: { rows: EpisodeRow[]; total: number; leftOut: number };
  /**
   * evidence.csv's rows: every key with traffic, key order, when there are at most SUMMARY_SOURCES_CAP; else
   * that many with the most would-drop packets, then packets. `parquet` holds every row (null: not produced).
   */
  evidence: { rows: EvidenceRow[]; total: number; leftOut: number; parquet: Artifact | null };
}

// ---------------------------------------------------------------- explorer (the HTML's complete lists)

/** Roll-up rows kept per family for the HTML (a bound on memory and page size, not a sample: most would-drop first). */
export const ROLLUP_ROWS_CAP = 100_000;

/**
 * One blocked key's evidence over the window, for the HTML drill-down: the intervals the heavy pass kept for
 * it (hot at half the thresholds, or inside a possible block; quieter intervals are not retained) and its
 * block windows. Compact parallel arrays: at 100 000 keys these stay small.
 */
export interface KeyDrill {
  /** The key's display text (KeyRef.display): the link to its SourceRow and EpisodeRows. */
  display: string;
  /** Retained intervals, ascending end time: start and end (Unix seconds). */
  t0: number[];
  t1: number[];
  /** The interval's packets and SYNs of this key. */
  packets: number[];
  syn: number[];
  /** Would-drop packets of this key in the interval (0 outside blocks). */
  dropPackets: number[];
  /** 1 when that would-drop traffic is probably legitimate (spec §5), else 0. */
  legit: number[];
  /** Class of the interval at the configured thresholds: 0 not hot, 1 SYN_FLOOD_LIKE, 2 VOLUMETRIC_TCP_ABUSE. */
  hot: number[];
  /** Block windows, per enforcer ("host/iface"), merged, ascending start. */
  blocks: { enforcer: string; start: number; end: number }[];
}

/**
 * Every row behind the HTML's interactive tables, uncapped (the readable lists above are capped at a
 * thousand rows; summary.json keeps its own caps). Shares the row objects of the capped lists.
 */
export interface Explorer {
  /** Every key with a hot interval, in topSources' order (blocked first, by would-drop packets). */
  sources: SourceRow[];
  /** Every episode, in the episodes list's order (by impact). */
  episodes: EpisodeRow[];
  /** Every /24 and /48 roll-up row, in the roll-ups' order (at most ROLLUP_ROWS_CAP per family). */
  rollupsV4: RollupRow[];
  rollupsV6: RollupRow[];
  /** One per blocked (not allowlisted) key, in sources order. */
  drill: KeyDrill[];
}

// ---------------------------------------------------------------- fleet (several hosts)

/**
 * Fleet semantics (docs/report.md, "Fleet reports"). Each host enforces its own rules: a key's blocks, its
 * rules, the peak of concurrent blocks and max_rules are per host, and every host gets its own verdict from the
 * same checks over its own traffic. The fleet verdict (ReportModel.verdict when there are several hosts) is
 * READY only when every host with something to enforce is READY, NOT_READY when any host is (naming them),
 * NOTHING_TO_ENFORCE when no host has anything. With one host there is no fleet part (ReportModel.fleet null).
 */
export interface HostRef {
  host: string;
}

/** Host names a sentence or a list row shows before "and N more". */
export const FLEET_HOSTS_SHOWN = 5;

export interface HostCoverage {
  runs: number;
  /** Snapshots analysed (duplicates dropped). */
  snapshots: number;
  gaps: number;
  /** Seconds whose traffic no snapshot on disk carries. */
  missingSec: number;
  /** Length of the union of this host's analysed intervals. */
  observedSec: number;
}

/** One host's verdict, from the same checks as the single-host verdict, over this host's traffic only. */
export interface HostRow extends HostRef {
  outcome: Outcome;
  label: string;
  /** This host's failed gating checks, in the spec's order (each a full sentence). */
  reasons: VerdictReason[];
  /** The failed checks in a few words each ("too little effect; input skipped"); "" when none failed. */
  why: string;
  checks: VerdictCheck[];
  /** Enforceable keys on this host (its rules) and blocked keys held back as probably legitimate. */
  keysBlocked: number;
  rules: number;
  heldBack: number;
  /** All traffic of this host on the monitored ports, and what its own rules would drop. */
  total: Measures;
  wouldDrop: Measures;
  wouldDropPct: MeasurePct;
  gatingMeasure: "syn" | "packets";
  gatingPct: number;
  fp: { computed: boolean; valuePct: number | null; reason: string | null };
  healthyBlockedKeys: number;
  /** The largest peak of this host's enforcers (one per interface): its MAX_RULES figure. */
  peakConcurrentBlocks: number;
  coverage: HostCoverage;
}

/** A key hot on two hosts or more. */
export interface SharedHotKey extends KeyRef {
  /** Hosts it was hot on. */
  hosts: number;
  /** The first FLEET_HOSTS_SHOWN of them, in name order. */
  hostNames: string[];
  /** Hosts on which it is an enforceable rule (hot, not allowlisted, not probably legitimate there). */
  rulesOn: number;
}

export interface FleetModel {
  /** One row per host, in host name order (every host read, including those with nothing to enforce). */
  hosts: HostRow[];
  /** Hosts whose own verdict is NOT_READY, in host name order. */
  notReady: string[];
  /** Keys hot on two hosts or more: most hosts first, then key order; capped. */
  sharedHotKeys: { rows: SharedHotKey[]; total: number; leftOut: number };
}

/** One host's rules: the single-host rules.json shape for its keys, and its own export files. */
export interface HostRules extends HostRef {
  /** File names in the output directory: rules-host-<safe name>.json, .nft and .txt (output.ts: plain names). */
  files: { json: string; nft: string; txt: string };
  outcome: Outcome;
  rules: RulesModel;
}

// ---------------------------------------------------------------- history (earlier reports)

/**
 * History and trends (docs/report.md, "History"): each report appends a compact record of itself to a
 * history store (history/), and the next report of the same scope (the same hosts, overlapping monitored
 * ports) compares itself with the earlier ones. Windows that overlap are shown once: the current report
 * replaces any earlier record whose window overlaps its own, and of earlier records that overlap each other
 * the latest generated one is kept.
 */
export const HISTORY_REPORTS_SHOWN = 14;

/** One report in the history: the fleet's (or the one host's) figures. */
export interface HistoryReport {
  generatedAt: TimePoint;
  start: TimePoint;
  end: TimePoint;
  outcome: Outcome;
  label: string;
  /** Failed gating checks' reason codes, in the spec's order. */
  reasons: ReasonCode[];
  blockedKeys: number;
  wouldDropPackets: bigint;
  /** wouldDropPackets of all packets on the monitored ports, 0..100. */
  wouldDropPct: number;
  /** The FP bound in percent; null when it was not computed. */
  fpPct: number | null;
  /** Short hash of the thresholds used: reports with different hashes are not comparable. */
  configHash: string;
  /** This report (the one being rendered). */
  current: boolean;
}

/** One host's verdict in each shown report (aligned with HistoryModel.reports; null: host absent then). */
export interface HostHistory extends HostRef {
  outcomes: (Outcome | null)[];
}

/** A key blocked in this report, with its past. */
export interface HistoryKey extends KeyRef, HostRef {
  /** Reports in a row, ending with this one, in which the key was blocked on this host (1: new). */
  streak: number;
  /** Reports of the history (shown or not) in which it was blocked on this host, this one included. */
  reportsBlocked: number;
  /** Not blocked on this host in the previous report (there was one). */
  isNew: boolean;
  /** Counted as probably legitimate (healthy-blocked) on this host in an earlier report. */
  healthyBefore: boolean;
  wouldDropPackets: bigint;
}

/** A key that an earlier report counted as healthy-blocked (blocked, mostly probably-legitimate traffic). */
export interface HistoryHealthyKey extends KeyRef, HostRef {
  /** Earlier reports in which it was healthy-blocked, and the last of them (window start). */
  reports: number;
  last: TimePoint;
  /** What it is in this report: "blocked", "healthy-blocked" or "not blocked". */
  now: "blocked" | "healthy-blocked" | "not blocked";
}

export interface ThresholdChange {
  key: keyof ReportConfig;
  from: number;
  to: number;
  /** The first report with the new value (its window start). */
  at: TimePoint;
  /** "syn_rate_threshold changed from 100 to 200 on 2026-12-03: figures before and after are not comparable". */
  text: string;
}

export interface HistoryModel {
  /** The history store directory as given or defaulted. */
  dir: string;
  /** This report's record is appended to the store (false: the store cannot be written; see notes). */
  recorded: boolean;
  /** Records read from the store that belong to this scope, after overlapping windows were resolved. */
  earlierReports: number;
  /** The last HISTORY_REPORTS_SHOWN reports by window, oldest first; the current one included. */
  reports: HistoryReport[];
  /** Reports of the history not shown (older than the shown ones). */
  leftOut: number;
  /** Several hosts: each host's verdict per shown report, host name order; null with one host. */
  hosts: HostHistory[] | null;
  /** Every key blocked in this report: recurring first (longest streak), then new; capped. */
  keys: { rows: HistoryKey[]; total: number; leftOut: number };
  newKeys: number;
  recurringKeys: number;
  /** Keys healthy-blocked in an earlier report (most recent first); capped. */
  healthyBefore: { rows: HistoryHealthyKey[]; total: number; leftOut: number };
  /** Threshold changes between consecutive shown reports, oldest first. */
  thresholdChanges: ThresholdChange[];
  /** Sentences about the store: files skipped, records of other scopes, overlapping windows replaced, write problems. */
  notes: string[];
}

// ---------------------------------------------------------------- the model

export interface ReportModel {
  reportVersion: number;
  profile: "ibsr";
  generatedAt: TimePoint;
  /** Set when the input declares itself synthetic (generated data, demos): renderers must show the label. */
  synthetic: { isSynthetic: boolean; label: string | null };
  verdict: Verdict;
  /** The enforcement model and its assumptions, one paragraph per entry, plain text. */
  assumptions: string[];
  config: ReportConfig;
  scope: Scope;
  series: TimeSeries;
  impact: Impact;
  /** Every key that had a hot interval, blocked first by would-drop packets desc (ties: key order), capped. */
  topSources: { rows: SourceRow[]; total: number; leftOut: number };
  /**
   * Episodes by impact: episodes of blocked keys first, then by the episode's packets, SYNs, then start time
   * (the important ones first, not the earliest); capped.
   */
  episodes: { rows: EpisodeRow[]; total: number; leftOut: number };
  /** Keys hot in exactly one interval (manual review), key order, capped. */
  singleIntervalKeys: { rows: KeyRef[]; total: number; leftOut: number };
  fp: FpSurface;
  allowlist: AllowlistEffect;
  /** One finding per monitored port with traffic, ascending port. */
  ports: PortFinding[];
  sensitivity: SensitivityRow[];
  rollups: Rollups;
  rules: RulesModel;
  /** The longer lists of the machine-readable files (summary.json, evidence.csv, evidence.parquet). */
  machine: MachineLists;
  /** The complete lists the HTML embeds for search, sort and drill-down. */
  explorer: Explorer;
  /** Several hosts: the per-host verdicts and keys hot on several hosts (null with one host). */
  fleet: FleetModel | null;
  /** Earlier reports of the same scope from the history store; null when history is off (--no-history, nr-ibsr). */
  history: HistoryModel | null;
  /** Output files written (names relative to the output directory), for the report footer. */
  files: string[];
}
