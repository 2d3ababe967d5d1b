// Finds input files under the given directories (recursively; Hive folder names mean nothing here).
import { readdirSync, statSync } from "node:fs";
import { basename, join, resolve } from "node:path";
import { isStatusFileName } from "@ibsr/schema";
import { EXIT, ReportError } from "../exit-codes.js";
import type { SkippedInput } from "../model.js";
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
}

const JSONL_RE = /\.(jsonl|ndjson)(\.gz)?$/;
/** ibsr-collect's heartbeats: status-<iface>.jsonl and its rotated copy. */
const STATUS_RE = /^status-.+\.jsonl(\.\d+)?$/;

/** Walks every input (a directory, or a single file); file lists come back sorted by path. */
export function discoverInputs(inputs: readonly string[]): DiscoveredInput {
  const out: DiscoveredInput = { parquet: [], jsonl: [], status: [], syntheticMarkers: [], skipped: [] };
  const seen = new Set<string>();
  const visit = (path: string, depth: number): void => {
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
      let names: string[];
      try {
        names = readdirSync(path);
      } catch (e) {
        const err = e as NodeJS.ErrnoException;
        throw new ReportError(EXIT.IO, `cannot list ${path}: ${err.code ?? "error"} (${err.message})`);
      }
      for (const n of names.sort()) {
        if (n.startsWith(".")) continue; // temp files and editor droppings
        visit(join(path, n), depth + 1);
      }
      return;
    }
    if (!st.isFile()) return;
    const abs = resolve(path);
    if (seen.has(abs)) return;
    seen.add(abs);
    const name = basename(abs);
    const isSnapshot =
      name.endsWith(".parquet") || (JSONL_RE.test(name) && !isStatusFileName(abs) && !STATUS_RE.test(name));
    const pathProblem = isSnapshot ? unreadablePathReason(abs) : null;
    if (pathProblem !== null) out.skipped.push({ file: abs, line: null, reason: pathProblem });
    else if (name === "SYNTHETIC") out.syntheticMarkers.push(abs);
    else if (name.endsWith(".parquet")) out.parquet.push(abs);
    else if (isStatusFileName(abs) || STATUS_RE.test(name)) out.status.push(abs);
    else if (JSONL_RE.test(name)) out.jsonl.push(abs);
  };
  for (const i of inputs) visit(i, 0);
  out.parquet.sort();
  out.jsonl.sort();
  out.status.sort();
  return out;
}
