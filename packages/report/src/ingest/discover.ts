// Finds input files under the given directories (recursively). Hive folders prune before anything is opened:
// a host=<name> folder that --host cannot select is not entered, and the date=<YYYY-MM-DD> folders inside a
// host folder are not listed here but handed on (hive-prune.ts lists only those the window can need).
import { readdirSync, statSync } from "node:fs";
import { basename, join, resolve } from "node:path";
import { HEARTBEAT_FILE_RE, parseDateDirName, parseHostDirName } from "@ibsr/contract";
import { EXIT, ReportError } from "../exit-codes.js";
import type { SkippedInput } from "../model.js";
import type { HostFilter } from "./host-filter.js";
import { isStatusFileName } from "./legacy-jsonl.js";
import { unreadablePathReason } from "./sql.js";

export interface DiscoveredInput {
  parquet: string[];
  jsonl: string[];
  /** status.jsonl heartbeats (skipped silently, read for write errors). */
  status: string[];
  /** Label from a SYNTHETIC marker file, if any input tree has one. */
  syntheticMarkers: string[];
  /** Snapshot files whose path DuckDB cannot be given literally (see sql.ts literalPath). */
  skipped: SkippedInput[];
  /** date=<day> folders inside host=<name> folders, not listed yet (hive-prune.ts). */
  hiveDays: HiveDay[];
  /** host=<name> folders --host cannot select (not entered). */
  prunedHosts: number;
}

/** A date folder of a host folder: its snapshots all have a time (UTC) on that day. */
export interface HiveDay {
  dir: string;
  /** The host folder's name after host= (a sanitised host name). */
  folderHost: string;
  /** YYYY-MM-DD. */
  day: string;
}

const JSONL_RE = /\.(jsonl|ndjson)(\.gz)?$/;

/**
 * Walks every input (a directory, or a single file); file lists come back sorted by path. A directory or file
 * reached a second time (a symlink loop, a second path to the same folder, a hard link) is not read again: the
 * first path in sorted order names it. Identity is the (device, inode) pair, so a loop ends at once instead of
 * at the kernel's ELOOP depth.
 */
export function discoverInputs(
  inputs: readonly string[],
  hostFilter: HostFilter | null = null,
): DiscoveredInput {
  const out: DiscoveredInput = {
    parquet: [],
    jsonl: [],
    status: [],
    syntheticMarkers: [],
    skipped: [],
    hiveDays: [],
    prunedHosts: 0,
  };
  const seen = new Set<string>();
  const once = (st: { dev: number; ino: number }): boolean => {
    const id = `${st.dev}:${st.ino}`;
    if (seen.has(id)) return false;
    seen.add(id);
    return true;
  };
  const visit = (path: string, depth: number, inHost: string | null = null): void => {
    let st: ReturnType<typeof statSync>;
    try {
      st = statSync(path);
    } catch (e) {
      const err = e as NodeJS.ErrnoException;
      if (depth === 0)
        throw new ReportError(
          EXIT.USAGE,
          `input ${path}: ${err.code ?? "error"} (${err.message}) (give a directory of snapshots)`,
        );
      return;
    }
    if (st.isDirectory()) {
      const name = basename(path);
      const host = depth > 0 ? parseHostDirName(name) : inHost;
      if (depth > 0 && host !== null && hostFilter && !hostFilter.mayMatchFolder(host)) {
        out.prunedHosts++;
        return;
      }
      const day = inHost !== null ? parseDateDirName(name) : null;
      if (!once(st)) return;
      if (day !== null && inHost !== null) {
        out.hiveDays.push({ dir: resolve(path), folderHost: inHost, day });
        return;
      }
      let names: string[];
      try {
        names = readdirSync(path);
      } catch (e) {
        const err = e as NodeJS.ErrnoException;
        throw new ReportError(EXIT.IO, `cannot list ${path}: ${err.code ?? "error"} (${err.message})`);
      }
      for (const n of names.sort()) {
        if (n.startsWith(".")) continue; // temp files and editor droppings
        visit(join(path, n), depth + 1, host);
      }
      return;
    }
    if (!st.isFile() || !once(st)) return;
    const abs = resolve(path);
    const name = basename(abs);
    const isSnapshot =
      name.endsWith(".parquet") ||
      (JSONL_RE.test(name) && !isStatusFileName(abs) && !HEARTBEAT_FILE_RE.test(name));
    const pathProblem = isSnapshot ? unreadablePathReason(abs) : null;
    if (pathProblem !== null) out.skipped.push({ file: abs, line: null, reason: pathProblem });
    else if (name === "SYNTHETIC") out.syntheticMarkers.push(abs);
    else if (name.endsWith(".parquet")) out.parquet.push(abs);
    else if (isStatusFileName(abs) || HEARTBEAT_FILE_RE.test(name)) out.status.push(abs);
    else if (JSONL_RE.test(name)) out.jsonl.push(abs);
  };
  for (const i of inputs) visit(i, 0, depth0Host(i));
  out.parquet.sort();
  out.jsonl.sort();
  out.status.sort();
  return out;
}

/** An input that is itself a host folder (`ibsr-report data/host=a`) prunes its date folders too. */
function depth0Host(input: string): string | null {
  return parseHostDirName(basename(resolve(input)));
}
