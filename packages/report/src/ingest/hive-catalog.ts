// The snapshot catalog of the Hive layout's date folders, read footer-first only where the window can need it
// (hive-prune.ts says which). The --since/--until window is resolved here when it can be: absolute times as
// given; relative ones from --now, else from the latest snapshot, found from the newest date folder's anchors
// (one footer per run) instead of every footer.
import type { DuckDBConnection } from "@duckdb/node-api";
import { runIdFileComponent } from "@ibsr/contract";
import type { SkippedInput } from "../model.js";
import { resolveTimeSpec, type TimeSpec } from "../timespec.js";
import { getOrInit, pushAll } from "../util.js";
import { coveredPaths } from "./compacted.js";
import type { HiveDay } from "./discover.js";
import {
  type AnchorFacts,
  anchorsOf,
  type CompactedFile,
  dayInWindow,
  type HiveFile,
  listDays,
  mayNeed,
  needsKnown,
  runOfSnapshot,
  type Window,
} from "./hive-prune.js";
import { type SnapshotInfo, snapshotRef } from "./intervals.js";
import { type FooterSource, fileFooters, type ParquetCatalog } from "./parquet-catalog.js";
import { FUTURE_TOLERANCE_SEC } from "./snapshot-times.js";

export interface HiveCatalogOptions {
  since: TimeSpec | null;
  until: TimeSpec | null;
  now: number | null;
  /** Wall clock, Unix seconds: date folders later than it (and --now) by over a day hold only rejected times. */
  wallClockSec: number;
  /** The latest snapshot time of the inputs outside the layout (their footers are all read), or null. */
  otherLatest: number | null;
  /** Files not to read (a retry after a corrupt file). */
  gone: ReadonlySet<string>;
  /** False: list every date folder and read every footer (no time pruning). */
  prune: boolean;
  nextSid: () => number;
  /** Where footers come from (default: the files). */
  footers?: FooterSource;
}

export interface HiveCatalog extends ParquetCatalog {
  /** Files selected (read, or to be read): the report's file count. */
  selected: string[];
  /** Paths in date folders that are not snapshot names (walked like any other input). */
  others: string[];
  /** Snapshot files in the listed date folders, and date folders in all. */
  listed: number;
  daysListed: number;
  daysTotal: number;
  /** Footers opened (anchors included). */
  opened: number;
  /** The reference the relative window was resolved from, when it was (null: not needed or not found). */
  guessedLatest: number | null;
  /** The first selected file of each run whose earlier files were left unread (before --since). */
  prunedBefore: Set<string>;
}

/** Resolves the window when it needs no latest snapshot; `undefined` when it does. */
function staticWindow(o: HiveCatalogOptions): Window | undefined {
  const rel = o.since?.kind === "rel" || o.until?.kind === "rel";
  if (rel && o.now === null) return undefined;
  return { since: resolveTimeSpec(o.since, o.now ?? 0), until: resolveTimeSpec(o.until, o.now ?? 0) };
}

export async function readHiveCatalog(
  c: DuckDBConnection,
  days: readonly HiveDay[],
  o: HiveCatalogOptions,
): Promise<HiveCatalog> {
  const out: HiveCatalog = {
    snaps: [],
    skipped: [],
    syntheticLabels: [],
    selected: [],
    others: [],
    listed: 0,
    daysListed: 0,
    daysTotal: days.length,
    opened: 0,
    guessedLatest: null,
    prunedBefore: new Set(),
  };
  if (days.length === 0) return out;
  const footers = o.footers ?? fileFooters(c);
  const known = new Map<string, SnapshotInfo>();
  const skippedFiles = new Map<string, SkippedInput>();
  const read = async (files: readonly string[]) => {
    const todo = files.filter((f) => !known.has(f) && !skippedFiles.has(f) && !o.gone.has(f));
    if (todo.length === 0) return;
    if (footers.opensFiles) out.opened += todo.length;
    const pq = await footers.read(todo, o.nextSid);
    for (const s of pq.snaps) known.set(s.file, s);
    for (const s of pq.skipped) skippedFiles.set(s.file, s);
    pushAll(out.syntheticLabels, pq.syntheticLabels);
  };
  // Compacted files: one footer holds every member's facts, so each is read as soon as its folder is listed,
  // and the snapshot files it covers (compacted.ts) are left out before anything else is opened.
  const members: { s: SnapshotInfo; run: string }[] = [];
  const covered = new Set<string>();
  const readCompacted = async (cs: readonly CompactedFile[]) => {
    const todo = cs.filter((x) => !o.gone.has(x.path));
    if (todo.length === 0) return;
    if (footers.opensFiles) out.opened += todo.length;
    const host = new Map(todo.map((x) => [x.path, x.folderHost]));
    const pq = await footers.read(
      todo.map((x) => x.path),
      o.nextSid,
    );
    for (const s of pq.snaps) members.push({ s, run: runOfSnapshot(host.get(s.file)!, s.iface, s.runId) });
    for (const p of coveredPaths(pq.snaps)) covered.add(p);
    pushAll(out.skipped, pq.skipped);
    pushAll(out.syntheticLabels, pq.syntheticLabels);
    // A compacted file none of whose members could be used is still a selected (and skipped) input.
    for (const x of todo) if (!pq.snaps.some((s) => s.file === x.path)) out.selected.push(x.path);
  };
  const listedDays = new Set<HiveDay>();
  const list = async (ds: readonly HiveDay[]) => {
    const fresh = ds.filter((d) => !listedDays.has(d));
    for (const d of fresh) listedDays.add(d);
    const l = listDays(fresh);
    for (const x of l.others) out.others.push(x);
    await readCompacted(l.compacted);
    out.listed += l.compacted.length;
    return l.files.filter((f) => !covered.has(f.path));
  };
  const present = Math.max(o.wallClockSec, o.now ?? Number.NEGATIVE_INFINITY) + FUTURE_TOLERANCE_SEC;

  let w: Window | undefined = o.prune ? staticWindow(o) : { since: null, until: null };
  let newest: HiveFile[] = [];
  if (w === undefined) {
    // The latest snapshot lies in the newest date folder that is not in the future.
    let maxDay: string | null = null;
    for (const d of days)
      if (Date.parse(`${d.day}T00:00:00Z`) / 1000 <= present && (maxDay === null || d.day > maxDay))
        maxDay = d.day;
    newest = maxDay === null ? [] : await list(days.filter((d) => d.day === maxDay));
    await read([...anchorsOf(newest).values()].map((f) => f.path));
    let latest = o.otherLatest;
    for (const f of newest) {
      const s = known.get(f.path);
      if (s && s.ts <= present && (latest === null || s.ts > latest)) latest = s.ts;
    }
    for (const { s } of members) if (s.ts <= present && (latest === null || s.ts > latest)) latest = s.ts;
    out.guessedLatest = latest;
    w =
      latest === null
        ? { since: null, until: null }
        : { since: resolveTimeSpec(o.since, latest), until: resolveTimeSpec(o.until, latest) };
  }
  const win = w;
  const files = [...newest, ...(await list(days.filter((d) => dayInWindow(d.day, win))))];
  out.daysListed = listedDays.size;
  out.listed += files.length;
  const pruning = win.since !== null || win.until !== null;
  // A compacted member is pruned exactly as its original file would be (by its name's seq and run, against the
  // run's anchor), so compacting a tree never changes which snapshots a report reads.
  const memberOf = new Map<string, SnapshotInfo>();
  for (const { s, run } of members) {
    const path = snapshotRef(s);
    memberOf.set(path, s);
    files.push({ path, run, runId: runIdFileComponent(s.runId), seq: s.seq ?? 0, day: "" });
  }
  const anchors = anchorsOf(files);
  for (const a of anchors.values()) {
    const s = memberOf.get(a.path);
    if (s) known.set(a.path, s);
  }
  if (pruning) await read([...anchors.values()].map((f) => f.path));
  const facts = new Map<string, AnchorFacts | null>();
  for (const [run, a] of anchors) {
    const s = known.get(a.path);
    facts.set(run, s ? { seq: a.seq, ts: s.ts, intervalSec: s.intervalSec } : null);
  }
  const keep: HiveFile[] = [];
  const firstKept = new Map<string, HiveFile>();
  const droppedBefore = new Set<string>();
  for (const f of files) {
    const s = known.get(f.path);
    const need = !pruning
      ? "keep"
      : s
        ? needsKnown(s.ts, s.intervalSec, win)
        : mayNeed(f, facts.get(f.run) ?? null, win);
    if (need !== "keep") {
      if (need === "before") droppedBefore.add(f.run);
      continue;
    }
    keep.push(f);
    const first = firstKept.get(f.run);
    if (!first || f.seq < first.seq) firstKept.set(f.run, f);
  }
  const keptMembers = new Map<string, SnapshotInfo[]>();
  for (const f of keep) {
    const s = memberOf.get(f.path);
    if (s) getOrInit(keptMembers, s.file, () => []).push(s);
  }
  for (const [file, ms] of keptMembers) {
    out.selected.push(file);
    pushAll(out.snaps, ms);
  }
  // Each date folder is listed once (the newest day's files, listed for the latest, are not listed again).
  const selected = keep.filter((f) => !memberOf.has(f.path));
  await read(selected.map((f) => f.path));
  for (const f of selected) {
    out.selected.push(f.path);
    const s = known.get(f.path);
    if (s) out.snaps.push(s);
    const sk = skippedFiles.get(f.path);
    if (sk) out.skipped.push(sk);
  }
  for (const run of droppedBefore) {
    const f = firstKept.get(run);
    if (f && f.seq > 0) out.prunedBefore.add(f.path);
  }
  return out;
}
