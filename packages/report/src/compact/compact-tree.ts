// Which host=/date= folders `ibsr-report compact` works on (discovery's Hive walk, --host pruning the host
// folders), today's left alone unless asked, each compacted by compact-day.ts on one DuckDB connection.

import { DATE_DIR_PREFIX, HOST_DIR_PREFIX } from "@ibsr/contract";
import { discoverInputs } from "../ingest/discover.js";
import { withDuckDB } from "../ingest/duckdb.js";
import { parseHostFilter } from "../ingest/host-filter.js";
import { compactDay, type DayResult } from "./compact-day.js";

export interface CompactTreeOptions {
  host: string | null;
  includeToday: boolean;
  removeSources: boolean;
  /** One line per event worth an operator's attention (stderr in the CLI). */
  log: (line: string) => void;
  /** Wall clock, ms since the epoch (tests): decides which day is today. */
  nowMs?: number;
}

export interface CompactTreeResult {
  days: DayResult[];
  compacted: number;
  upToDate: number;
  today: number;
  refused: number;
  merged: number;
  removed: number;
  skipped: number;
}

export async function compactTree(
  inputs: readonly string[],
  o: CompactTreeOptions,
): Promise<CompactTreeResult> {
  const found = discoverInputs(inputs, o.host ? parseHostFilter(o.host) : null);
  const today = new Date(o.nowMs ?? Date.now()).toISOString().slice(0, 10);
  const out: CompactTreeResult = {
    days: [],
    compacted: 0,
    upToDate: 0,
    today: 0,
    refused: 0,
    merged: 0,
    removed: 0,
    skipped: 0,
  };
  if (found.hiveDays.length === 0)
    o.log(
      `no ${HOST_DIR_PREFIX}<host>/${DATE_DIR_PREFIX}<day> folders under ${inputs.join(", ")}: nothing to compact`,
    );
  // One thread, and no cache of file contents: measured on a host-day of 1 440 small files, the default
  // (two threads, DuckDB's external file cache) peaked at 740 MB, this at about 150 MB; the work is small.
  await withDuckDB({ threads: 1 }, async (c) => {
    await c.run("SET enable_external_file_cache = false");
    for (const d of [...found.hiveDays].sort((a, b) => (a.dir < b.dir ? -1 : 1))) {
      // A collector is appending to today's folder (and a later day can only be a clock error).
      if (d.day >= today && !o.includeToday) {
        out.today++;
        continue;
      }
      const r = await compactDay(c, d, { removeSources: o.removeSources });
      out.days.push(r);
      for (const s of r.skipped) o.log(`${s.file}: left out (not merged, not removed): ${s.reason}`);
      out.skipped += r.skipped.length;
      out.merged += r.merged.length;
      out.removed += r.removed.length;
      if (r.outcome === "compacted") {
        out.compacted++;
        o.log(
          `${r.dir}: ${r.merged.length} file(s) merged; ${r.members} snapshot(s), ${r.rows} row(s) in it`,
        );
      } else if (r.outcome === "refused") {
        out.refused++;
        o.log(`${r.dir}: refused, nothing changed: ${r.reason}`);
      } else out.upToDate++;
    }
  });
  return out;
}
