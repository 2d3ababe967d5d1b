// `ibsr-report --candidates FILE --catalog SIDECAR`: each snapshot's footer facts taken from the sidecar that
// `ibsr-report catalog` wrote (heavy/catalog-table.ts) instead of its footer. With the heavy pass's result from
// another engine, the report then opens no snapshot file at all: on a fleet's day, 288 000 footers not opened.
// The sidecar's own interval columns are not used: intervals are rebuilt by the same code as always.
import { resolve } from "node:path";
import type { DuckDBConnection } from "@duckdb/node-api";
import { EXIT, ReportError } from "../exit-codes.js";
import { queryRows } from "../ingest/duckdb.js";
import type { SnapshotInfo } from "../ingest/intervals.js";
import type { FooterSource, ParquetCatalog } from "../ingest/parquet-catalog.js";
import { parseSourceSkipped, type SourceSkip } from "../ingest/source-skipped.js";
import { quoteLiteral } from "../ingest/sql.js";
import type { FoundInputs } from "../stages/read-catalog.js";
import { CATALOG_COLUMNS } from "./catalog-table.js";

type Row = Record<string, unknown>;

const num = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));

/** The sidecar's rows with the documented columns and types, or a usage error saying what to do. */
async function loadSidecar(c: DuckDBConnection, file: string): Promise<Row[]> {
  const cols = CATALOG_COLUMNS.map(([n, t]) => `CAST(${n} AS ${t}) AS ${n}`).join(", ");
  try {
    return await queryRows<Row>(
      c,
      `SELECT ${cols} FROM read_parquet(${quoteLiteral(file)}) ORDER BY host, iface, run_id, seq`,
    );
  } catch (e) {
    throw new ReportError(
      EXIT.USAGE,
      `--catalog ${file}: not a catalog sidecar (${(e as Error).message.split("\n")[0]}); write it with ibsr-report catalog <snapshot dirs> -o <file>, from the same snapshots the --candidates query read`,
    );
  }
}

/** A sidecar row as the footer reader would have made it (the file named as this run lists it). */
function snapshotOf(r: Row, sid: number, file: string): SnapshotInfo {
  let ports: number[] = [];
  try {
    const p = JSON.parse(String(r.ports ?? "[]")) as unknown;
    if (Array.isArray(p)) ports = p.filter((x): x is number => typeof x === "number");
  } catch {
    ports = [];
  }
  const globalCols = CATALOG_COLUMNS.map(([n]) => n).filter((n) => n.startsWith("global_"));
  let globals: Record<string, bigint> | null = {};
  for (const n of globalCols) {
    const v = r[n];
    if (v === null || v === undefined) {
      globals = null;
      break;
    }
    globals[n.slice("global_".length)] = BigInt(v as bigint);
  }
  return {
    sid,
    format: "parquet",
    file,
    line: null,
    host: String(r.host),
    iface: String(r.iface),
    runId: String(r.run_id),
    seq: num(r.seq),
    ts: Number(r.ts),
    baseTs: num(r.base_ts),
    intervalSec: num(r.interval_sec),
    spanSec: num(r.span_sec),
    rows: Number(r.rows),
    ports,
    xdpMode: r.xdp_mode === null ? null : String(r.xdp_mode),
    mapCapacity: num(r.map_capacity),
    liveEntries: num(r.live_entries),
    globals,
    schemaVersion: null,
    ...(r.synthetic === null || r.synthetic === undefined ? {} : { synthetic: String(r.synthetic) }),
    ...(r.member === null || r.member === undefined ? {} : { member: String(r.member) }),
    ...(r.source_skipped === null || r.source_skipped === undefined
      ? {}
      : { sourceSkipped: sourceSkippedOf(String(r.source_skipped), file) }),
  };
}

/** The skips an import recorded, as the footer reader parses them; unreadable: a usage error naming the sidecar. */
function sourceSkippedOf(v: string, file: string): SourceSkip[] {
  try {
    return parseSourceSkipped(v);
  } catch (e) {
    throw new ReportError(
      EXIT.USAGE,
      `--catalog: the source_skipped of ${file} is unreadable (${(e as Error).message}); write the sidecar again with ibsr-report catalog`,
    );
  }
}

/**
 * The footer facts of a --candidates run from the sidecar: the catalog is then built by the same code as
 * always (discovery, pruning, window, --host; stages/read-catalog.ts), only no snapshot file is opened
 * (discovery.opened is 0). A file the sidecar does not list (it arrived after the sidecar was written) is
 * skipped and named.
 */
export async function sidecarFooters(
  c: DuckDBConnection,
  sidecar: string,
  found: FoundInputs,
): Promise<FooterSource> {
  if (found.jsonl.length > 0)
    throw new ReportError(
      EXIT.USAGE,
      `--catalog/--candidates: the inputs include reference-collector JSONL (${found.jsonl[0]}), which no sidecar or SQL engine reads; report on it without --candidates (the heavy pass then runs here), or leave the JSONL files out of the inputs`,
    );
  // A compacted file has one row per member snapshot.
  const byFile = new Map<string, Row[]>();
  for (const r of await loadSidecar(c, sidecar)) {
    const k = resolve(String(r.file));
    const l = byFile.get(k);
    if (l) l.push(r);
    else byFile.set(k, [r]);
  }
  return {
    opensFiles: false,
    async read(files, nextSid) {
      const out: ParquetCatalog = { snaps: [], skipped: [], syntheticLabels: [] };
      for (const file of files) {
        const rows = byFile.get(resolve(file));
        if (!rows) {
          out.skipped.push({
            file,
            line: null,
            reason: `not in the catalog sidecar ${sidecar} (written before this file arrived?): run ibsr-report catalog and the --candidates query again`,
          });
          continue;
        }
        for (const r of rows) {
          const s = snapshotOf(r, nextSid(), file);
          if (s.synthetic !== undefined) out.syntheticLabels.push(s.synthetic);
          out.snaps.push(s);
        }
      }
      return out;
    },
  };
}
