// `ibsr-report explain`: the report's own stages and analysis applied to the keys of one address or CIDR.
// Catalog, intervals and window come from the report's stages; the rows from a targeted scan of the same row
// source; each key is then replayed by the report's simulateKey (a key's simulation depends on no other key,
// so its block windows and would-drop equal the report's), classified by the report's hot predicate, judged
// healthy by decide.ts isHealthy. Nothing here restates a threshold.
import { type Prefix, prefixContains } from "@ibsr/contract";
import type { Allowlist } from "../allowlist.js";
import { isHealthy, pct } from "../analysis/decide.js";
import { classifyRow, SYN_FLOOD_LIKE, VOLUMETRIC_TCP_ABUSE } from "../analysis/hot-predicate.js";
import { decisionOf, isBlocked, successRatio } from "../analysis/key-decision.js";
import {
  coveredLength,
  enforcerKey,
  isProbablyLegit,
  type KeySim,
  keyFlags,
  paramsAt,
  scaled,
  simulateKey,
  zero3,
} from "../analysis/simulate.js";
import { discoverSnapshots } from "../engine.js";
import { ReportError } from "../exit-codes.js";
import { type EngineOptions, withDuckDB } from "../ingest/duckdb.js";
import { classifyEngineError, engineFailure } from "../ingest/engine-errors.js";
import { findUnreadableParquet } from "../ingest/parquet-catalog.js";
import { type Candidate, loadIntervalTables } from "../ingest/scan.js";
import type { AbuseClass, SkippedInput } from "../model.js";
import {
  formatByteRate,
  formatDuration,
  formatInt,
  formatNumber,
  formatPct,
  formatRatio,
  formatTimestamp,
  plural,
} from "../render/format.js";
import { keyRef } from "../stages/assemble-model.js";
import { buildIntervals, type Timeline, windowBounds } from "../stages/build-intervals.js";
import type { RunInputs, StageOptions } from "../stages/options.js";
import { readCatalog } from "../stages/read-catalog.js";
import { timePoint } from "../timespec.js";
import { pushAll } from "../util.js";
import { explainCondition, failedChecks } from "./conditions.js";
import {
  type BlockWindow,
  EXPLAIN_KEYS_CAP,
  EXPLAIN_VERSION,
  type ExplainInterval,
  type ExplainKey,
  type ExplainModel,
  type TermName,
} from "./model.js";
import { scanTarget } from "./scan-target.js";
import { type Target, targetText } from "./target.js";

export interface ExplainOptions extends RunInputs {
  target: Target;
  engine?: EngineOptions;
  /** Keys explained in full (default EXPLAIN_KEYS_CAP). */
  keysCap?: number;
  progress?: (msg: string) => void;
}

/** A value as the "why not" texts show it: rates per second, ratios with two decimals, counts whole. */
function termValue(term: TermName, v: number): string {
  if (term === "success_ratio") return formatRatio(v);
  if (term === "byte_rate") return formatByteRate(v);
  if (term.endsWith("_rate")) return `${formatNumber(v)}/s`;
  return formatInt(v);
}

const CLASSES: readonly [AbuseClass, typeof SYN_FLOOD_LIKE][] = [
  ["SYN_FLOOD_LIKE", SYN_FLOOD_LIKE],
  ["VOLUMETRIC_TCP_ABUSE", VOLUMETRIC_TCP_ABUSE],
];

export async function runExplain(opts: ExplainOptions): Promise<ExplainModel> {
  const found = discoverSnapshots(opts.inputs, opts.host);
  // The targeted scan is SQL over every row source, JSONL's jrows included.
  const so: StageOptions = { ...opts, progress: opts.progress ?? (() => {}), jsonlRowsInDuckDB: true };
  const excluded: SkippedInput[] = [];
  // As the report does: a Parquet file whose data is unreadable is left out and the scan runs again.
  for (;;) {
    const attempt = await withDuckDB(opts.engine ?? {}, async (c) => {
      const cat = await readCatalog(c, found, excluded, so);
      const tl = await buildIntervals(c, cat, so);
      const tables = await loadIntervalTables(c, {
        intervals: tl.intervals,
        snapsById: tl.snapsById,
        ports: opts.ports,
        hasJsonl: cat.legacy.snaps.length > 0,
      });
      so.progress(`reading the rows of ${targetText(opts.target)}`);
      try {
        const rows = await scanTarget(c, tables, opts.target, opts.cfg, opts.keysCap ?? EXPLAIN_KEYS_CAP);
        return { tl, rows };
      } catch (e) {
        if (e instanceof ReportError || classifyEngineError(e) === "engine")
          throw engineFailure(e, "explaining");
        const bad = await findUnreadableParquet(
          c,
          cat.parquet.snaps.map((s) => s.file),
        );
        if (bad.length === 0) throw e;
        pushAll(excluded, bad);
        return null;
      }
    });
    if (attempt) return buildModel(opts, attempt.tl, attempt.rows.matched, attempt.rows.candidates);
  }
}

function keyOrder(a: ExplainKey, b: ExplainKey, ka: Candidate, kb: Candidate): number {
  if (a.family !== b.family) return a.family - b.family;
  const c = Buffer.compare(Buffer.from(ka.key.src), Buffer.from(kb.key.src));
  return c || a.prefixLen - b.prefixLen || a.dstPort - b.dstPort;
}

export function buildModel(
  opts: ExplainOptions,
  tl: Timeline,
  matched: number,
  candidates: readonly Candidate[],
): ExplainModel {
  const { cfg } = opts;
  const ctx = { cfg, ivs: tl.ivs, runs: tl.runs, since: tl.since, until: tl.until };
  const explained = candidates.map((cand) => {
    const prefix: Prefix = { family: cand.key.family, bytes: cand.key.src, prefixLen: cand.key.prefixLen };
    const sim = simulateKey(cand, opts.allowlist.contains(prefix), ctx, scaled(cfg, 1));
    return { cand, key: explainKey(sim, tl, opts.allowlist, cfg, prefix) };
  });
  explained.sort((a, b) => keyOrder(a.key, b.key, a.cand, b.cand));
  const keys = explained.map((x) => x.key);
  const live = tl.live;
  const { start, end } = windowBounds(tl);
  const p = opts.target.prefix;
  return {
    explainVersion: EXPLAIN_VERSION,
    query: {
      text: opts.target.text,
      prefix: targetText(opts.target),
      family: p.family,
      single: opts.target.single,
    },
    config: { ...cfg },
    allowlist: { path: opts.allowlist.path, entries: opts.allowlist.entries.length },
    window: {
      since: tl.since === null ? null : timePoint(tl.since),
      until: tl.until === null ? null : timePoint(tl.until),
      start: start === null ? null : timePoint(start),
      end: end === null ? null : timePoint(end),
      intervals: live.length,
    },
    keysMatched: matched,
    keysLeftOut: matched - keys.length,
    keys,
    summary: overallSummary(opts.target, keys, matched, start, end),
  };
}

function explainKey(
  sim: KeySim,
  tl: Timeline,
  allowlist: Allowlist,
  cfg: ExplainOptions["cfg"],
  prefix: Prefix,
): ExplainKey {
  const k = sim.cand.key;
  const ref = keyRef(k.family, k.src, k.prefixLen, k.dstPort);
  const params = paramsAt(cfg, scaled(cfg, 1));
  const since = tl.since ?? Number.NEGATIVE_INFINITY;
  const until = tl.until ?? Number.POSITIVE_INFINITY;
  const hotEnds = new Map<string, number[]>();
  const intervals: ExplainInterval[] = [];
  for (const r of sim.cand.rows) {
    const iv = tl.ivs.get(r.iv)!;
    const run = tl.runs[iv.run]!;
    const enf = enforcerKey(run);
    const cls = classifyRow(r, iv.span, params);
    const conditions = Object.fromEntries(
      CLASSES.map(([name, cond]) => [name, explainCondition(cond, r, iv.span, params)]),
    ) as ExplainInterval["conditions"];
    if (cls) hotEnds.set(enf, [...(hotEnds.get(enf) ?? []), iv.t1]);
    const segs = sim.segments.get(enf) ?? [];
    const a = Math.max(iv.t0, since);
    const b = Math.min(iv.t1, until);
    const d = sim.dropByIv.get(r.iv) ?? zero3();
    const any = d.packets > 0n || d.bytes > 0n || d.syn > 0n;
    intervals.push({
      host: run.host,
      iface: run.iface,
      runId: run.runId,
      start: timePoint(iv.t0),
      end: timePoint(iv.t1),
      spanSec: iv.span,
      windowShare: iv.w,
      counts: {
        syn: BigInt(r.syn),
        ack: BigInt(r.ack),
        handshake_ack: BigInt(r.handshake_ack),
        rst: BigInt(r.rst),
        packets: BigInt(r.packets),
        bytes: BigInt(r.bytes),
      },
      synRate: r.syn / iv.span,
      pktRate: r.packets / iv.span,
      byteRate: r.bytes / iv.span,
      successRatio: successRatio(r.syn, r.handshake_ack),
      abuseClass: cls,
      conditions,
      whyNot: cls
        ? []
        : CLASSES.map(([name]) => `${name}: ${failedChecks(conditions[name], termValue).join(", ")}`),
      fires: cls ? { at: timePoint(iv.t1), blocksUntil: timePoint(iv.t1 + cfg.block_duration_sec) } : null,
      blockedSec: b > a ? coveredLength(segs, a, b) : 0,
      wouldDrop: sim.allowlisted ? zero3() : { ...d },
      spared: sim.allowlisted ? { ...d } : zero3(),
      probablyLegit: any ? isProbablyLegit(r, cls, cfg) : null,
    });
  }
  intervals.sort(
    (x, y) => x.start.unix - y.start.unix || x.host.localeCompare(y.host) || x.iface.localeCompare(y.iface),
  );
  const blockWindows: BlockWindow[] = [];
  for (const [enf, segs] of [...sim.segments].sort((x, y) => x[0].localeCompare(y[0]))) {
    const run = tl.runs.find((r) => enforcerKey(r) === enf)!;
    const ends = hotEnds.get(enf) ?? [];
    for (const s of segs) {
      const fires = ends.filter((e) => e >= s.start && e <= s.end).length;
      blockWindows.push({
        host: run.host,
        iface: run.iface,
        start: timePoint(s.start),
        end: timePoint(s.end),
        durationSec: s.end - s.start,
        fires,
        reArms: Math.max(0, fires - 1),
      });
    }
  }
  blockWindows.sort((x, y) => x.start.unix - y.start.unix || x.host.localeCompare(y.host));
  const reasons = new Map<string, number>();
  for (const iv of intervals)
    if (iv.whyNot.length) {
      const t = iv.whyNot.join("; ");
      reasons.set(t, (reasons.get(t) ?? 0) + 1);
    }
  const blocked = isBlocked(keyFlags(sim));
  const allowlistedBy = allowlist.entries
    .filter((e) => prefixContains(e.prefix, prefix))
    .map((e) => ({ text: e.text, line: e.line }));
  const key: ExplainKey = {
    ...ref,
    decision: decisionOf(keyFlags(sim)),
    hot: sim.hotIntervals > 0,
    abuseClass: sim.cls,
    allowlisted: sim.allowlisted,
    allowlistedBy,
    healthyBlocked: blocked && isHealthy(sim),
    probablyLegitPackets: sim.allowlisted ? 0n : sim.probablyLegitPackets,
    probablyLegitPct:
      !sim.allowlisted && sim.drop.packets > 0n ? pct(sim.probablyLegitPackets, sim.drop.packets) : null,
    totals: { ...k.totals },
    wouldDrop: sim.allowlisted ? zero3() : { ...sim.drop },
    ideal: { ...sim.ideal },
    spared: sim.allowlisted ? { ...sim.drop } : zero3(),
    peakSynRate: k.peakSynRate,
    peakPktRate: k.peakPktRate,
    peakByteRate: k.peakByteRate,
    minSuccessRatio: sim.minSuccessRatio,
    hotIntervals: sim.hotIntervals,
    episodes: sim.episodes.length,
    firstFire: sim.firstHot === null ? null : timePoint(sim.firstHot),
    lastFire: sim.lastHot === null ? null : timePoint(sim.lastHot),
    blockWindows,
    blockedSec: blockWindows.reduce((a, w) => a + w.durationSec, 0),
    intervals,
    quietIntervals: tl.live.length - new Set(sim.cand.rows.map((r) => r.iv)).size,
    notHotReasons: [...reasons]
      .map(([reason, n]) => ({ reason, intervals: n }))
      .sort((x, y) => y.intervals - x.intervals || x.reason.localeCompare(y.reason)),
    summary: "",
  };
  key.summary = keySummary(key, allowlist.path);
  return key;
}

const when = (t: { unix: number } | null) => (t === null ? "—" : formatTimestamp(t.unix));

/** The paragraph that closes one key's explanation: blocked or not, why, healthy-blocked or not. */
function keySummary(k: ExplainKey, allowlistPath: string | null): string {
  const n = k.intervals.length;
  const withTraffic = `${k.hotIntervals} of its ${plural(n, "interval")} with traffic`;
  const cls = k.abuseClass ?? "";
  const reArms = k.blockWindows.reduce((a, w) => a + w.reArms, 0);
  const windows = `${plural(k.blockWindows.length, "block window")} covering ${formatDuration(k.blockedSec)} (${plural(reArms, "re-arm")})`;
  if (k.hot && !k.allowlisted) {
    const legit =
      k.probablyLegitPct === null
        ? "Nothing was dropped, so nothing probably legitimate either."
        : k.healthyBlocked
          ? `${formatPct(k.probablyLegitPct)} of those packets were probably legitimate (handshakes completed, or no new connections): a healthy client blocked, a false positive that keeps the verdict from READY.`
          : `${formatPct(k.probablyLegitPct)} of those packets were probably legitimate: not a healthy blocked client.`;
    return `${k.display} would have been BLOCKED as ${cls}: hot in ${withTraffic}. The first rule would have fired at ${when(k.firstFire)} (the end of its first hot interval); ${windows} would have dropped ${formatInt(k.wouldDrop.packets)} packets (${formatPct(pct(k.wouldDrop.packets, k.totals.packets))} of its packets), ${formatInt(k.wouldDrop.bytes)} bytes and ${formatInt(k.wouldDrop.syn)} SYNs. ${legit}`;
  }
  const entries = k.allowlistedBy
    .map((e) => `${e.text} (${allowlistPath ?? "allowlist"}:${e.line})`)
    .join(", ");
  if (k.hot)
    return `${k.display} was hot as ${cls} in ${withTraffic}, and a rule would have fired first at ${when(k.firstFire)}, but the allowlist spared it (entry ${entries}): it is never blocked. Without that entry, ${windows} would have dropped ${formatInt(k.spared.packets)} packets.`;
  const top = k.notHotReasons[0];
  return `${k.display} was never hot in its ${plural(n, "interval")} with traffic, so no rule fired and nothing would have been dropped${
    top ? `. Why, most often (${top.intervals} of ${n}): ${top.reason}` : ""
  }. Peaks: ${formatNumber(k.peakSynRate)} SYN/s, ${formatNumber(k.peakPktRate)} packets/s, ${formatByteRate(k.peakByteRate)}.${
    k.allowlisted ? ` It is allowlisted too (entry ${entries}).` : ""
  }`;
}

function overallSummary(
  target: Target,
  keys: readonly ExplainKey[],
  matched: number,
  start: number | null,
  end: number | null,
): string {
  const q = targetText(target);
  if (matched === 0)
    return `No traffic from ${q} in the window (${start === null ? "no interval" : `${formatTimestamp(start)} to ${formatTimestamp(end)}`}): nothing to explain.`;
  if (keys.length === 1 && matched === 1) return keys[0]!.summary;
  const blocked = keys.filter((k) => k.decision === "block");
  const healthy = blocked.filter((k) => k.healthyBlocked);
  const spared = keys.filter((k) => k.hot && k.allowlisted);
  const quiet = keys.filter((k) => !k.hot);
  const left = matched - keys.length;
  const names = (ks: ExplainKey[]) =>
    ks.length === 0
      ? ""
      : `: ${ks
          .slice(0, 10)
          .map((k) => k.display)
          .join(", ")}${ks.length > 10 ? ", …" : ""}`;
  return `${plural(matched, "key")} of ${q} had traffic in the window${
    left > 0 ? ` (${keys.length} explained: hot ones first, then by packets; ${left} left out)` : ""
  }. ${blocked.length} would have been blocked${names(blocked)}; ${healthy.length} of them ${healthy.length === 1 ? "is a healthy client" : "are healthy clients"} (mostly probably-legitimate traffic dropped)${names(healthy)}. ${spared.length} ${spared.length === 1 ? "was" : "were"} hot but spared by the allowlist${names(spared)}; ${quiet.length} never hot.`;
}
