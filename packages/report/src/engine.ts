// The default profile end to end: catalog -> runs/intervals -> heavy pass -> analysis -> ReportModel.

import { readFileSync } from "node:fs";
import { compareBytes, formatPrefix, type Prefix } from "@ibsr/schema";
import type { Allowlist } from "./allowlist.js";
import { coverage } from "./analysis/coverage.js";
import { decide, isHealthy, pct, pct3 } from "./analysis/decide.js";
import { buildKeyTable, keyRollups, loadHotSims, writeEvidence } from "./analysis/key-table.js";
import { analysePorts } from "./analysis/ports.js";
import { buildSeries } from "./analysis/series.js";
import { type KeySim, type Measures3, scaled, simulateKey, zero3 } from "./analysis/simulate.js";
import { EXIT, ReportError } from "./exit-codes.js";
import { discoverInputs } from "./ingest/discover.js";
import { type EngineOptions, withDuckDB } from "./ingest/duckdb.js";
import { classifyEngineError, engineFailure } from "./ingest/engine-errors.js";
import { buildRuns, type Interval, type SnapshotInfo } from "./ingest/intervals.js";
import { buildLegacyRows, loadLegacyCatalog } from "./ingest/legacy.js";
import { findUnreadableParquet, readParquetCatalog } from "./ingest/parquet-catalog.js";
import { type KeyTotals, type ScanResult, scan } from "./ingest/scan.js";
import { rejectImpossibleTimes } from "./ingest/snapshot-times.js";
import { readWriteErrors } from "./ingest/status.js";
import {
  type AbuseClass,
  type Counters,
  type EpisodeRow,
  type KeyRef,
  REPORT_VERSION,
  type ReportConfig,
  type ReportModel,
  type SensitivityRow,
  type SkippedInput,
  type SourceRow,
} from "./model.js";
import { SUMMARY_SOURCES_CAP } from "./render/json.js";
import { isoSeconds, resolveTimeSpec, type TimeSpec, timePoint } from "./timespec.js";

export { timePoint };

export const SENSITIVITY_FACTORS = [0.5, 0.75, 1, 1.5, 2] as const;
/** Rows kept in model lists meant for reading (HTML/Markdown); the full lists go to JSON/Parquet. */
export const MODEL_LIST_CAP = 1000;
export const SKIP_REASONS_SHOWN = 10;

export interface RunReportOptions {
  inputs: string[];
  cfg: ReportConfig;
  allowlist: Allowlist;
  since: TimeSpec | null;
  until: TimeSpec | null;
  now: number | null;
  host: string | null;
  ports: number[] | null;
  engine?: EngineOptions;
  /** Where to write evidence.parquet (inside the temporary output directory), or null to skip. */
  evidenceParquet: string | null;
  progress?: (msg: string) => void;
}

export interface EvidenceRow extends KeyRef {
  abuseClass: AbuseClass | null;
  /** Peak per-interval SYN rate. */
  synRate: number;
  /** Overall success ratio of the key in the window (null without SYNs). */
  successRatio: number | null;
  decision: "block" | "allow";
  allowlisted: boolean;
  totals: Counters;
  wouldDrop: Measures3;
}

export interface ReportResult {
  model: ReportModel;
  /** Every key with a hot interval, sorted by family, address, prefix length, port. */
  sources: SourceRow[];
  /**
   * evidence.csv's rows: every key with traffic in the window, same order, when there are at most
   * SUMMARY_SOURCES_CAP; else that many with the most would-drop packets, then packets (evidence.parquet has all).
   */
  evidence: EvidenceRow[];
  /** Keys with traffic in the window (rows of evidence.parquet). */
  evidenceTotal: number;
  episodes: EpisodeRow[];
  /** Every skipped input (the model keeps the first SKIP_REASONS_SHOWN). */
  skipped: SkippedInput[];
}

export function keyRef(family: 4 | 6, src: Uint8Array, prefixLen: number, dstPort: number): KeyRef {
  const text = formatPrefix({ family, bytes: src, prefixLen } satisfies Prefix);
  const host = family === 6 ? `[${text}]` : text;
  return { family, src: text, prefixLen, dstPort, display: dstPort === 0 ? host : `${host}:${dstPort}` };
}

function compareKeys(a: KeyTotals, b: KeyTotals): number {
  if (a.family !== b.family) return a.family - b.family;
  const c = compareBytes(a.src, b.src);
  if (c !== 0) return c;
  if (a.prefixLen !== b.prefixLen) return a.prefixLen - b.prefixLen;
  return a.dstPort - b.dstPort;
}

function cmpBigDesc(a: bigint, b: bigint): number {
  return a === b ? 0 : a > b ? -1 : 1;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  if (s.length === 0) return 60;
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** Total length of the union of (t0, t1] ranges. */
function unionLength(ranges: [number, number][]): number {
  ranges.sort((a, b) => a[0] - b[0]);
  let sum = 0;
  let cs = Number.NaN;
  let ce = Number.NaN;
  for (const [s, e] of ranges) {
    if (Number.isNaN(cs) || s > ce) {
      if (!Number.isNaN(cs)) sum += ce - cs;
      cs = s;
      ce = e;
    } else ce = Math.max(ce, e);
  }
  if (!Number.isNaN(cs)) sum += ce - cs;
  return sum;
}

/** Thrown inside one attempt when the scan met Parquet files whose data is unreadable: run again without them. */
class RetryWithout extends Error {
  constructor(readonly files: SkippedInput[]) {
    super("retry without unreadable files");
  }
}

export async function runReport(opts: RunReportOptions): Promise<ReportResult> {
  const found = discoverInputs(opts.inputs);
  if (found.parquet.length + found.jsonl.length + found.skipped.length === 0)
    throw new ReportError(
      EXIT.USAGE,
      `no snapshot files under ${opts.inputs.join(", ")} (looked for *.parquet from ibsr-collect and *.jsonl[.gz] from the reference collector)`,
    );
  // A corrupt page shows only when the scan reads it: the run starts again without that file (each attempt
  // drops at least one file, so this ends), and the file is listed as skipped.
  const excluded: SkippedInput[] = [];
  for (;;) {
    try {
      return await reportOnce(opts, found, excluded);
    } catch (e) {
      if (!(e instanceof RetryWithout)) throw e;
      excluded.push(...e.files);
    }
  }
}

async function reportOnce(
  opts: RunReportOptions,
  found: ReturnType<typeof discoverInputs>,
  excluded: readonly SkippedInput[],
): Promise<ReportResult> {
  const progress = opts.progress ?? (() => {});
  return withDuckDB(opts.engine ?? {}, async (c) => {
    try {
      return await analyse(c);
    } catch (e) {
      // Out of memory, temp space, interrupt: the run fails with a hint; never a verdict on part of the data.
      if (e instanceof ReportError || e instanceof RetryWithout || classifyEngineError(e) === "file") throw e;
      throw engineFailure(e, "building the report");
    }
  });
  async function analyse(c: Parameters<Parameters<typeof withDuckDB>[1]>[0]): Promise<ReportResult> {
    let sidSeq = 0;
    const nextSid = () => sidSeq++;
    const gone = new Set(excluded.map((x) => x.file));
    const parquetFiles = found.parquet.filter((f) => !gone.has(f));
    progress(`reading footers of ${parquetFiles.length} Parquet file(s)`);
    const pq = await readParquetCatalog(c, parquetFiles, nextSid);
    progress(`reading ${found.jsonl.length} JSONL file(s)`);
    const lg = await loadLegacyCatalog(c, found.jsonl, opts.host, nextSid);
    const fileSkips = [...found.skipped, ...excluded, ...pq.skipped];
    const times = rejectImpossibleTimes([...pq.snaps, ...lg.snaps], {
      now: opts.now,
      wallClockSec: Date.now() / 1000,
    });
    const skipped: SkippedInput[] = [...fileSkips, ...lg.skipped, ...times.skipped];
    let skippedCount = fileSkips.length + lg.skippedCount + times.skipped.length;
    /** Skipped units (files, lines, snapshots with impossible times) and invalid rows, for the INPUT_SKIPPED verdict reason. */
    const lostUnits = fileSkips.length + (lg.skippedCount - lg.invalidRows) + times.skipped.length;
    let invalidRows = lg.invalidRows;
    let snaps: SnapshotInfo[] = times.kept;
    if (opts.host) snaps = snaps.filter((s) => s.format === "jsonl" || s.host === opts.host);
    if (snaps.length === 0)
      throw new ReportError(
        EXIT.USAGE,
        `no usable snapshot${opts.host ? ` for host ${opts.host}` : ""} in ${opts.inputs.join(", ")}: ${skippedCount} file(s)/line(s) skipped${
          skipped[0]
            ? ` (first: ${skipped[0].file}${skipped[0].line ? `:${skipped[0].line}` : ""}: ${skipped[0].reason})`
            : ""
        }`,
      );
    const latest = Math.max(...snaps.map((s) => s.ts));
    const ref = opts.now ?? latest;
    const since = resolveTimeSpec(opts.since, ref);
    const until = resolveTimeSpec(opts.until, ref);
    if (since !== null && until !== null && until <= since)
      throw new ReportError(
        EXIT.USAGE,
        `--until (${isoSeconds(until)}) must be after --since (${isoSeconds(since)})`,
      );
    const { runs, intervals } = buildRuns(snaps, { since, until });
    for (const r of runs)
      for (const d of r.duplicates) {
        skippedCount++;
        skipped.push({
          file: d.file,
          line: d.line,
          reason: `duplicate snapshot of run ${r.runId} (same ${d.seq !== null ? "seq" : "time"}); the first was kept`,
        });
      }
    const snapsById = new Map(snaps.map((s) => [s.sid, s]));
    const ivs = new Map<number, Interval>(intervals.map((iv) => [iv.iv, iv]));
    const live = intervals.filter((iv) => iv.w > 0);
    if (live.length === 0 && (since !== null || until !== null)) {
      const all = intervals.length ? intervals : null;
      throw new ReportError(
        EXIT.USAGE,
        `--since/--until select no interval: the window ${since === null ? "…" : isoSeconds(since)} to ${until === null ? "…" : isoSeconds(until)} does not overlap the data${
          all
            ? ` (${isoSeconds(Math.min(...all.map((i) => i.t0)))} to ${isoSeconds(Math.max(...all.map((i) => i.t1)))})`
            : ""
        }`,
      );
    }
    let badAddr = 0;
    if (lg.snaps.length > 0) {
      progress("computing legacy deltas");
      badAddr = (await buildLegacyRows(c, runs, intervals, lg.ident)).badAddressBuckets;
      if (badAddr > 0) {
        skippedCount += badAddr;
        invalidRows += badAddr;
        skipped.push({
          file: found.jsonl[0]!,
          line: null,
          reason: `${badAddr} bucket(s) with an address that is not IPv4 text were skipped`,
        });
      }
    }
    progress(`scanning ${live.length} interval(s)`);
    let sc: ScanResult;
    try {
      sc = await scan(
        c,
        { runs, intervals, snapsById, ports: opts.ports, hasJsonl: lg.snaps.length > 0 },
        opts.cfg,
      );
    } catch (e) {
      if (e instanceof ReportError || classifyEngineError(e) === "engine") throw e;
      progress("the scan failed on file content: reading each Parquet file to find the unreadable one(s)");
      const bad = await findUnreadableParquet(
        c,
        pq.snaps.map((s) => s.file),
      );
      if (bad.length === 0) throw e;
      throw new RetryWithout(bad);
    }
    for (const x of sc.invalid) {
      skipped.push({ file: x.file, line: null, reason: `${x.rows} row(s) skipped: ${x.reason}` });
      skippedCount += x.rows;
      invalidRows += x.rows;
    }
    progress("counting keys");
    const keyStats = await buildKeyTable(c, opts.allowlist);
    progress(`simulating ${sc.candidates.length} candidate key(s)`);

    const cfg = opts.cfg;
    const allowed = new Map<string, boolean>();
    const isAllowed = (k: KeyTotals) => {
      let v = allowed.get(k.id);
      if (v === undefined) {
        v = opts.allowlist.contains({ family: k.family, bytes: k.src, prefixLen: k.prefixLen });
        allowed.set(k.id, v);
      }
      return v;
    };
    const ctx = { cfg, ivs, runs, since, until };
    const total: Measures3 = zero3();
    for (const t of sc.ivTotals) {
      total.packets += t.packets;
      total.bytes += t.bytes;
      total.syn += t.syn;
    }
    const nonAllowlistedKeys = keyStats.keys - keyStats.allowlisted;
    const observedSec = unionLength(
      live.map(
        (iv) => [Math.max(iv.t0, since ?? iv.t0), Math.min(iv.t1, until ?? iv.t1)] as [number, number],
      ),
    );

    const simAt = (factor: number) =>
      sc.candidates.map((cd) => simulateKey(cd, isAllowed(cd.key), ctx, scaled(cfg, factor)));
    const sims1 = simAt(1);
    const ports = analysePorts(sc.ivPorts, ivs, sims1, cfg, timePoint);
    const totalRows = snaps.reduce((a, s) => a + s.rows, 0);
    const skippedInput = {
      units: lostUnits,
      totalUnits:
        found.parquet.length + found.skipped.length + lg.snaps.length + lg.skippedCount - lg.invalidRows,
      rows: invalidRows,
      totalRows,
    };
    const dec = decide({
      sims: sims1,
      total,
      nonAllowlistedKeys,
      observedSec,
      unattributed: ports.unattributed,
      cfg,
      skippedInput,
    });

    progress("sensitivity");
    const sensitivity: SensitivityRow[] = SENSITIVITY_FACTORS.map((f) => {
      const d =
        f === 1
          ? dec
          : decide({
              sims: simAt(f),
              total,
              nonAllowlistedKeys,
              observedSec,
              unattributed: ports.unattributed,
              cfg,
              skippedInput,
            });
      const t = scaled(cfg, f);
      return {
        factor: f,
        syn_rate_threshold: t.synRate,
        vol_syn_rate: t.volSyn,
        vol_pkt_rate: t.volPkt,
        vol_byte_rate: t.volByte,
        keysBlocked: d.blocked.length,
        wouldDrop: d.wouldDrop,
        wouldDropPct: d.wouldDropPct,
        fpComputed: d.fp.computed,
        fpPct: d.fp.valuePct,
        fpReason: d.fp.reason,
        healthyBlockedKeys: d.healthy.length,
        peakConcurrentBlocks: d.peakConcurrent,
        outcome: d.outcome,
        current: f === 1,
      };
    });

    // ---- sources
    const sourceRow = (s: KeySim): SourceRow => {
      const k = s.cand.key;
      const totals: Counters = { ...k.totals };
      const blocked = !s.allowlisted && s.hotIntervals > 0;
      return {
        ...keyRef(k.family, k.src, k.prefixLen, k.dstPort),
        decision: blocked ? "block" : "allow",
        allowlisted: s.allowlisted,
        abuseClass: s.cls,
        totals,
        wouldDrop: s.allowlisted ? zero3() : { ...s.drop },
        ideal: { ...s.ideal },
        spared: s.allowlisted ? { ...s.drop } : zero3(),
        probablyLegitPackets: s.allowlisted ? 0n : s.probablyLegitPackets,
        probablyLegitPct:
          !s.allowlisted && s.drop.packets > 0n ? pct(s.probablyLegitPackets, s.drop.packets) : null,
        peakSynRate: k.peakSynRate,
        peakPktRate: k.peakPktRate,
        peakByteRate: k.peakByteRate,
        minSuccessRatio: s.minSuccessRatio,
        hotIntervals: s.hotIntervals,
        episodes: s.episodes.length,
        firstHot: s.firstHot === null ? null : timePoint(s.firstHot),
        lastHot: s.lastHot === null ? null : timePoint(s.lastHot),
        singleInterval: s.hotIntervals === 1,
        healthyBlocked: isHealthy(s) && blocked,
      };
    };
    const hotSims = sims1
      .filter((s) => s.hotIntervals > 0)
      .sort((a, b) => compareKeys(a.cand.key, b.cand.key));
    const sources = hotSims.map(sourceRow);
    const bySeverity = [...sources]
      .map((r, i) => ({ r, i }))
      .sort(
        (a, b) =>
          (a.r.decision === b.r.decision ? 0 : a.r.decision === "block" ? -1 : 1) ||
          cmpBigDesc(a.r.wouldDrop.packets, b.r.wouldDrop.packets) ||
          cmpBigDesc(a.r.totals.packets, b.r.totals.packets) ||
          a.i - b.i,
      );
    const topRows = bySeverity.slice(0, MODEL_LIST_CAP).map((x) => x.r);

    // ---- episodes
    const episodes: EpisodeRow[] = [];
    for (const s of hotSims) {
      const k = s.cand.key;
      const ref0 = keyRef(k.family, k.src, k.prefixLen, k.dstPort);
      for (const e of s.episodes) {
        const run = runs[e.run]!;
        episodes.push({
          ...ref0,
          host: run.host,
          iface: run.iface,
          runId: run.runId,
          start: timePoint(e.start),
          end: timePoint(e.end),
          durationSec: e.end - e.start,
          intervals: e.intervals,
          abuseClass: e.cls,
          peakSynRate: e.peakSynRate,
          peakPktRate: e.peakPktRate,
          peakByteRate: e.peakByteRate,
          minSuccessRatio: e.minSuccessRatio,
          totals: { packets: e.packets, bytes: e.bytes, syn: e.syn },
          allowlisted: s.allowlisted,
        });
      }
    }
    episodes.sort((a, b) => a.start.unix - b.start.unix || 0);
    const singles = sources
      .filter((s) => s.singleInterval)
      .map((s) => ({
        family: s.family,
        src: s.src,
        prefixLen: s.prefixLen,
        dstPort: s.dstPort,
        display: s.display,
      }));

    // ---- evidence (every key with traffic in the window), in SQL over the key table
    progress("evidence");
    await loadHotSims(c, sims1);
    const evidence = await writeEvidence(c, opts.evidenceParquet, SUMMARY_SOURCES_CAP);

    // ---- time series
    const intervalSec = median(runs.map((r) => r.intervalSec));
    const start = live.length ? Math.min(...live.map((iv) => Math.max(iv.t0, since ?? iv.t0))) : null;
    const end = live.length ? Math.max(...live.map((iv) => Math.min(iv.t1, until ?? iv.t1))) : null;
    const { bucketSec, points } = buildSeries({
      ivTotals: sc.ivTotals,
      ivs,
      blocked: dec.blocked,
      activeAt: dec.activeAt,
      start,
      end,
      intervalSec,
    });

    // ---- scope and coverage
    const { runInfos, gaps, baselines, caps, fills, lossTotal, problems } = coverage({
      runs,
      snapsById,
      ivTotals: sc.ivTotals,
      writeErrors: readWriteErrors(found.status),
      portsFiltered: opts.ports !== null,
      skippedCount,
    });
    const uniq = <T>(xs: T[]) => [...new Set(xs)];

    const dstPorts = opts.ports
      ? uniq(opts.ports).sort((a, b) => a - b)
      : uniq([...snaps.flatMap((s) => s.ports), ...keyStats.ports].filter((p) => p > 0)).sort(
          (a, b) => a - b,
        );

    // ---- allowlist effect
    const alHot = dec.allowlistedHot.sort(
      (a, b) => cmpBigDesc(a.drop.packets, b.drop.packets) || compareKeys(a.cand.key, b.cand.key),
    );
    const al = opts.allowlist;
    const alEntries = {
      v4Addresses: al.entries.filter((e) => e.prefix.family === 4 && e.single).length,
      v4Cidrs: al.entries.filter((e) => e.prefix.family === 4 && !e.single).length,
      v6Addresses: al.entries.filter((e) => e.prefix.family === 6 && e.single).length,
      v6Cidrs: al.entries.filter((e) => e.prefix.family === 6 && !e.single).length,
      total: al.entries.length,
    };

    const healthyRows = dec.healthy
      .sort((a, b) => cmpBigDesc(a.drop.packets, b.drop.packets) || compareKeys(a.cand.key, b.cand.key))
      .map((s) => {
        const k = s.cand.key;
        return {
          ...keyRef(k.family, k.src, k.prefixLen, k.dstPort),
          abuseClass: s.cls,
          wouldDropPackets: s.drop.packets,
          probablyLegitPackets: s.probablyLegitPackets,
          probablyLegitPct: pct(s.probablyLegitPackets, s.drop.packets),
          minSuccessRatio: s.minSuccessRatio,
          peakPktRate: k.peakPktRate,
        };
      });

    const label = { READY: "READY", NOT_READY: "NOT READY", NOTHING_TO_ENFORCE: "NOTHING TO ENFORCE" }[
      dec.outcome
    ];
    const headline =
      dec.outcome === "READY"
        ? `READY for a human-approved enforcement trial: ${dec.blocked.length} source key(s) would be blocked, dropping ${dec.gatingPct.toFixed(1)}% of ${dec.gatingMeasure === "syn" ? "SYNs" : "packets"} with a false-positive bound of ${dec.fp.valuePct?.toFixed(2)}%.`
        : dec.outcome === "NOTHING_TO_ENFORCE"
          ? "Nothing to enforce: no source met the abuse criteria and no port showed a flood."
          : `NOT READY: ${dec.reasons.length} condition(s) failed${dec.blocked.length ? ` for ${dec.blocked.length} blocked key(s)` : ""}.`;
    const notes: string[] = [];
    if (ports.unattributed && dec.blocked.length > 0) notes.push(ports.unattributed);
    if (singles.length)
      notes.push(
        `${singles.length} key(s) were hot in a single interval only: review them manually before enforcing.`,
      );
    notes.push(...problems);

    const synthetic = [
      ...pq.syntheticLabels,
      ...found.syntheticMarkers.map(
        (f) => readFileSync(f, "utf8").split("\n")[0]!.trim() || "synthetic data",
      ),
    ];
    const cap = <T>(xs: T[]) => ({
      rows: xs.slice(0, MODEL_LIST_CAP),
      total: xs.length,
      leftOut: Math.max(0, xs.length - MODEL_LIST_CAP),
    });

    const model: ReportModel = {
      reportVersion: REPORT_VERSION,
      profile: "ibsr",
      generatedAt: timePoint(opts.now ?? latest),
      synthetic: { isSynthetic: synthetic.length > 0, label: synthetic[0] ?? null },
      verdict: { outcome: dec.outcome, label, headline, reasons: dec.reasons, notes, checks: dec.checks },
      assumptions: ASSUMPTIONS(cfg),
      config: { ...cfg },
      scope: {
        inputs: [...opts.inputs],
        files: {
          parquet: found.parquet.length,
          jsonl: found.jsonl.length,
          total: found.parquet.length + found.jsonl.length,
        },
        // What was analysed: duplicates dropped by buildRuns are skipped input, not snapshots.
        snapshots: runs.reduce((a, r) => a + r.snaps.length, 0),
        rows: BigInt(runs.reduce((a, r) => a + r.snaps.reduce((b, s) => b + s.rows, 0), 0)),
        hosts: uniq(runs.map((r) => r.host)).sort(),
        ifaces: uniq(runs.map((r) => r.iface)).sort(),
        xdpModes: uniq(snaps.map((s) => s.xdpMode).filter((x): x is string => x !== null)).sort(),
        dstPorts,
        runs: runInfos,
        start: start === null ? null : timePoint(start),
        end: end === null ? null : timePoint(end),
        observedSec,
        durationSec: start !== null && end !== null ? end - start : 0,
        since: since === null ? null : timePoint(since),
        until: until === null ? null : timePoint(until),
        hostFilter: opts.host,
        intervalSec,
        mapCapacity: caps.length ? Math.max(...caps) : null,
        peakFillPct: fills.length ? Math.max(...fills) : null,
        evictionLossPackets: lossTotal,
        evictionLossPct: lossTotal !== null ? pct(lossTotal, lossTotal + total.packets) : null,
        gaps: {
          count: gaps.length,
          totalMissingSec: gaps.reduce((a, g) => a + g.missingSec, 0),
          list: gaps.slice(0, 100),
          leftOut: Math.max(0, gaps.length - 100),
        },
        baselines: {
          count: baselines.length,
          list: baselines.slice(0, 100),
          leftOut: Math.max(0, baselines.length - 100),
        },
        skipped: { count: skippedCount, first: skipped.slice(0, SKIP_REASONS_SHOWN) },
        problems,
      },
      series: {
        bucketSec,
        points,
        maxPktRate: Math.max(0, ...points.map((p) => p.pktRate)),
        maxSynRate: Math.max(0, ...points.map((p) => p.synRate)),
        maxByteRate: Math.max(0, ...points.map((p) => p.byteRate)),
        maxDistinctSources: Math.max(0, ...points.map((p) => p.distinctSources)),
        maxActiveBlocks: Math.max(0, ...points.map((p) => p.activeBlocks)),
      },
      impact: {
        total,
        wouldDrop: dec.wouldDrop,
        wouldDropPct: dec.wouldDropPct,
        ideal: dec.ideal,
        idealPct: pct3(dec.ideal, total),
        sparedByAllowlist: dec.spared,
        sparedPct: pct3(dec.spared, total),
        latencyCost: {
          packets: dec.ideal.packets > dec.wouldDrop.packets ? dec.ideal.packets - dec.wouldDrop.packets : 0n,
          bytes: dec.ideal.bytes > dec.wouldDrop.bytes ? dec.ideal.bytes - dec.wouldDrop.bytes : 0n,
          syn: dec.ideal.syn > dec.wouldDrop.syn ? dec.ideal.syn - dec.wouldDrop.syn : 0n,
        },
        keysObserved: keyStats.keys,
        keysHot: hotSims.length,
        keysBlocked: dec.blocked.length,
        keysAllowlistedHot: dec.allowlistedHot.length,
        peakConcurrentBlocks: dec.peakConcurrent,
        peakConcurrentAt: dec.peakAt === null ? null : timePoint(dec.peakAt),
        gatingMeasure: dec.gatingMeasure,
        gatingPct: dec.gatingPct,
      },
      topSources: {
        rows: topRows,
        total: sources.length,
        leftOut: Math.max(0, sources.length - topRows.length),
      },
      episodes: cap(episodes),
      singleIntervalKeys: cap(singles),
      fp: {
        computed: dec.fp.computed,
        valuePct: dec.fp.valuePct,
        reason: dec.fp.reason,
        probablyLegitPackets: dec.fp.probablyLegitPackets,
        wouldDropPackets: dec.fp.wouldDropPackets,
        nonAllowlistedKeys,
        observedSec,
        healthyBlockedKeys: healthyRows.slice(0, MODEL_LIST_CAP),
        healthyBlockedTotal: healthyRows.length,
        healthyBlockedLeftOut: Math.max(0, healthyRows.length - MODEL_LIST_CAP),
      },
      allowlist: {
        configured: al.path !== null,
        path: al.path,
        entries: alEntries,
        entryTexts: al.entries.map((e) => e.text),
        matchedKeys: keyStats.allowlisted,
        hotKeys: alHot.length,
        spared: dec.spared,
        sparedPct: pct3(dec.spared, total),
        top: alHot.slice(0, MODEL_LIST_CAP).map(sourceRow),
        leftOut: Math.max(0, alHot.length - MODEL_LIST_CAP),
      },
      ports: ports.findings,
      sensitivity,
      rollups: await keyRollups(c, sims1, MODEL_LIST_CAP),
      rules: { triggers: [], total: 0, leftOut: 0, exceptions: [], json: "" },
      files: [],
    };
    return { model, sources, evidence: evidence.rows, evidenceTotal: evidence.total, episodes, skipped };
  }
}

export function ASSUMPTIONS(cfg: ReportConfig): string[] {
  return [
    `Model: an enforcer that detects at snapshot cadence. A rule for a source on a port fires at the end of each hot interval (it cannot act before the snapshot that reveals it) and blocks that source on that port for ${cfg.block_duration_sec} s; while the source stays hot the block re-arms.`,
    "Would-drop traffic = for every interval, its traffic times the share of the interval inside blocked time (traffic assumed uniform inside an interval). A faster inline detector would catch more: the would-drop figure is a lower bound; the zero-latency figure shows what an ideal rule would have caught.",
    "Nobody's behaviour is assumed to change: blocked clients would really retry (and look worse), attackers might move; the counterfactual replays the observed traffic only.",
    `Probably legitimate = would-drop traffic in intervals that are not SYN_FLOOD_LIKE and complete handshakes (success ratio >= ${cfg.fp_safe_ratio}) or open no connections. Allowlisted sources never fire; what they would have lost is shown as spared.`,
  ];
}
