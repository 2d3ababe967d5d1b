// Stage 6, keyEvidence: what the report says about every key (not only candidates), computed in DuckDB over
// the key table: evidence.parquet written whole into the engine's directory, evidence.csv's capped rows, and
// the /24 and /48 roll-ups, and the export entries (whose merges ask the key table what else is inside).
import { join } from "node:path";
import type { DuckDBConnection } from "@duckdb/node-api";
import { keyRollups, loadHotSims, writeEvidence } from "../analysis/key-table.js";
import { exportEntries } from "../analysis/rule-merge.js";
import type { KeySim } from "../analysis/simulate.js";
import {
  type Artifact,
  type EvidenceRow,
  type Rollups,
  type RuleExports,
  SUMMARY_SOURCES_CAP,
} from "../model.js";
import type { ScratchDir } from "../scratch.js";
import type { StageOptions } from "./options.js";

export interface KeyEvidence {
  /** evidence.csv's rows (at most SUMMARY_SOURCES_CAP) and the number of keys with traffic. */
  rows: EvidenceRow[];
  total: number;
  /** evidence.parquet, every key (null when no scratch directory was given: the file is not wanted). */
  parquet: Artifact | null;
  rollups: Rollups;
  /** rules.nft's and rules.txt's entries: enforceable keys, merged where no other traffic of the window is inside. */
  exports: RuleExports;
  /**
   * Several hosts: each host's export entries from its own enforceable keys (host order as given). A merge is
   * checked against the traffic of every host (the key table is not split by host): conservative, never wider.
   */
  hostExports: RuleExports[] | null;
}

export async function keyEvidence(
  c: DuckDBConnection,
  sims: readonly KeySim[],
  scratch: ScratchDir | null,
  listCap: number,
  opts: StageOptions,
  hostSims: readonly (readonly KeySim[])[] | null = null,
): Promise<KeyEvidence> {
  opts.progress("evidence");
  await loadHotSims(c, sims);
  const path = scratch ? join(scratch.path, "evidence.parquet") : null;
  const evidence = await writeEvidence(c, path, SUMMARY_SOURCES_CAP);
  return {
    rows: evidence.rows,
    total: evidence.total,
    parquet: path === null ? null : { path, rows: evidence.total },
    rollups: await keyRollups(c, sims, listCap),
    exports: await exportEntries(c, sims),
    hostExports: hostSims === null ? null : await exportsPerHost(c, hostSims),
  };
}

async function exportsPerHost(c: DuckDBConnection, hostSims: readonly (readonly KeySim[])[]) {
  const out: RuleExports[] = [];
  for (const sims of hostSims) out.push(await exportEntries(c, sims));
  return out;
}
