// The history store: one Parquet file per report run in one directory, each a small table of rows of three
// kinds ('report': the fleet's verdict, 'host': each host's, 'key': each blocked key per host). Written
// through DuckDB's COPY to a hidden temp name, then linked to its final name (never replacing a file: an
// old record is never rewritten). Read file by file, so a corrupt or foreign file is skipped and counted
// instead of failing the read. docs/operate.md, "The history store".
import {
  closeSync,
  existsSync,
  fsyncSync,
  linkSync,
  mkdirSync,
  openSync,
  readdirSync,
  renameSync,
  rmdirSync,
  rmSync,
} from "node:fs";
import { dirname, join, resolve } from "node:path";
import type { DuckDBConnection } from "@duckdb/node-api";
import { onCleanup } from "../cleanup.js";
import { CONFIG_KEYS } from "../config.js";
import { insertRows, queryRows } from "../ingest/duckdb.js";
import { literalPath, quoteLiteral } from "../ingest/sql.js";
import type { AbuseClass, Family, Outcome, ReasonCode, ReportConfig } from "../model.js";
import { configHash, configJson, type HistoryRecord, type RecordVerdict } from "./record.js";

/** The value of the `format` column of every row: a file without it is not a history record. */
export const HISTORY_FORMAT = "ibsr-history/1";

const COLUMNS = [
  "format VARCHAR",
  "kind VARCHAR",
  "report_id VARCHAR",
  "generated_us BIGINT",
  "start_us BIGINT",
  "end_us BIGINT",
  "inputs VARCHAR",
  "dst_ports VARCHAR",
  "config VARCHAR",
  "config_hash VARCHAR",
  "host VARCHAR",
  "outcome VARCHAR",
  "reasons VARCHAR",
  "blocked_keys INTEGER",
  "would_drop_packets BIGINT",
  "would_drop_pct DOUBLE",
  "fp_bound_pct DOUBLE",
  "key VARCHAR",
  "family TINYINT",
  "src VARCHAR",
  "prefix_len SMALLINT",
  "dst_port INTEGER",
  "blocked BOOLEAN",
  "healthy_blocked BOOLEAN",
  "abuse_class VARCHAR",
] as const;

// Timestamps as Parquet TIMESTAMP (microseconds, UTC), like the snapshots' ts column.
const COPY_SELECT = `SELECT format, kind, report_id, make_timestamp(generated_us) AS generated_at,
  make_timestamp(start_us) AS window_start, make_timestamp(end_us) AS window_end, inputs, dst_ports, config,
  config_hash, host, outcome, reasons, blocked_keys, would_drop_packets, would_drop_pct, fp_bound_pct, key,
  family, src, prefix_len, dst_port, blocked, healthy_blocked, abuse_class FROM history_record`;

const READ_SELECT = `format, kind, report_id, epoch_us(generated_at) AS generated_us, epoch_us(window_start) AS start_us,
  epoch_us(window_end) AS end_us, inputs, dst_ports, config, config_hash, host, outcome, reasons, blocked_keys,
  would_drop_packets, would_drop_pct, fp_bound_pct, key, family, src, prefix_len, dst_port, blocked,
  healthy_blocked, abuse_class`;

const us = (unix: number) => BigInt(Math.round(unix * 1e6));

function verdictCells(v: RecordVerdict) {
  return [
    v.outcome,
    v.reasons.join(","),
    v.blockedKeys,
    v.wouldDropPackets,
    v.wouldDropPct,
    v.fpPct,
  ] as const;
}

function recordRows(r: HistoryRecord): (string | number | bigint | boolean | null)[][] {
  const common = [
    HISTORY_FORMAT,
    r.id,
    us(r.generatedAt),
    us(r.start),
    us(r.end),
    JSON.stringify(r.inputs),
    r.dstPorts.join(","),
    configJson(r.config),
    r.configHash,
  ] as const;
  const row = (kind: string, rest: readonly (string | number | bigint | boolean | null)[]) => [
    common[0],
    kind,
    ...common.slice(1),
    ...rest,
  ];
  const noKey = [null, null, null, null, null, null, null, null] as const;
  return [
    row("report", [null, ...verdictCells(r.fleet), ...noKey]),
    ...r.hosts.map((h) => row("host", [h.host, ...verdictCells(h), ...noKey])),
    ...r.keys.map((k) =>
      row("key", [
        k.host,
        null,
        null,
        null,
        k.wouldDropPackets,
        null,
        null,
        k.display,
        k.family,
        k.src,
        k.prefixLen,
        k.dstPort,
        true,
        k.healthyBlocked,
        k.abuseClass,
      ]),
    ),
  ];
}

/** The record's file name: sortable by generation time, unique by the run's hash. */
export function recordFileName(r: HistoryRecord, attempt = 0): string {
  const stamp = new Date(Math.floor(r.generatedAt) * 1000).toISOString().replace(/[-:]/g, "").slice(0, 15);
  return `${stamp}Z-${r.id}${attempt > 0 ? `-${attempt}` : ""}.parquet`;
}

/** A record written to a hidden temp file in the store, waiting for the report to be written. */
export interface PendingRecord {
  /** Links the record under its final name (never over an existing file); returns the path. */
  commit(): string;
  /** Removes the temp file (the report failed). */
  abort(): void;
}

/** Writes the record to a temp file in `dir` (created if missing). Throws when the directory cannot be written. */
export async function writePending(
  c: DuckDBConnection,
  dir: string,
  record: HistoryRecord,
): Promise<PendingRecord> {
  // A store this run created is removed again if the report fails (only the directories it made, while empty).
  const made: string[] = [];
  for (let d = resolve(dir); !existsSync(d) && dirname(d) !== d; d = dirname(d)) made.push(d);
  // One mkdir per missing component (recursive mkdir can loop where a parent answers ENOENT, as under /proc).
  for (const d of [...made].reverse()) mkdirSync(d);
  const tmp = join(dir, `.${recordFileName(record)}.tmp-${process.pid}`);
  const remove = () => {
    rmSync(tmp, { force: true });
    if (!done)
      try {
        for (const d of made) rmdirSync(d);
      } catch {
        // not empty (another report wrote to it meanwhile) or already gone: leave it
      }
  };
  let done = false;
  const forget = onCleanup(remove);
  try {
    await insertRows(c, "history_record", COLUMNS, recordRows(record));
    await c.run(`COPY (${COPY_SELECT}) TO ${quoteLiteral(tmp)} (FORMAT parquet, COMPRESSION zstd)`);
    await c.run("DROP TABLE history_record");
    const fd = openSync(tmp, "r");
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch (e) {
    forget();
    remove();
    throw e;
  }
  return {
    commit() {
      for (let attempt = 0; ; attempt++) {
        const final = join(dir, recordFileName(record, attempt));
        if (existsSync(final)) continue;
        try {
          linkSync(tmp, final);
          done = true;
          remove();
        } catch (e) {
          const code = (e as NodeJS.ErrnoException).code;
          if (code === "EEXIST") continue;
          // A filesystem without hard links: rename (the existence check above guards the old file).
          if (code !== "EPERM" && code !== "ENOTSUP" && code !== "EXDEV") throw e;
          renameSync(tmp, final);
        }
        done = true;
        forget();
        return final;
      }
    },
    abort() {
      if (done) return;
      forget();
      remove();
    },
  };
}

// ---------------------------------------------------------------- reading

interface Row {
  format: string | null;
  kind: string | null;
  report_id: string | null;
  generated_us: bigint | null;
  start_us: bigint | null;
  end_us: bigint | null;
  inputs: string | null;
  dst_ports: string | null;
  config: string | null;
  config_hash: string | null;
  host: string | null;
  outcome: string | null;
  reasons: string | null;
  blocked_keys: number | null;
  would_drop_packets: bigint | null;
  would_drop_pct: number | null;
  fp_bound_pct: number | null;
  key: string | null;
  family: number | null;
  src: string | null;
  prefix_len: number | null;
  dst_port: number | null;
  blocked: boolean | null;
  healthy_blocked: boolean | null;
  abuse_class: string | null;
}

const OUTCOMES: readonly string[] = ["READY", "NOT_READY", "NOTHING_TO_ENFORCE"];
const CLASSES: readonly string[] = ["SYN_FLOOD_LIKE", "VOLUMETRIC_TCP_ABUSE"];

class BadRecord extends Error {}

function need<T>(v: T | null | undefined, what: string): T {
  if (v === null || v === undefined) throw new BadRecord(`no ${what}`);
  return v;
}

function parseConfig(text: string): ReportConfig {
  const o = JSON.parse(text) as Record<string, unknown>;
  const cfg = {} as ReportConfig;
  for (const k of CONFIG_KEYS) {
    const v = o[k];
    if (typeof v !== "number" || !Number.isFinite(v)) throw new BadRecord(`config has no number ${k}`);
    cfg[k] = v;
  }
  return cfg;
}

function verdictOf(r: Row): RecordVerdict {
  const outcome = need(r.outcome, "outcome");
  if (!OUTCOMES.includes(outcome)) throw new BadRecord(`unknown outcome ${JSON.stringify(outcome)}`);
  return {
    outcome: outcome as Outcome,
    reasons: (r.reasons ?? "").split(",").filter(Boolean) as ReasonCode[],
    blockedKeys: need(r.blocked_keys, "blocked_keys"),
    wouldDropPackets: need(r.would_drop_packets, "would_drop_packets"),
    wouldDropPct: need(r.would_drop_pct, "would_drop_pct"),
    fpPct: r.fp_bound_pct,
  };
}

/** One file's rows as a record; throws BadRecord when they are not one well-formed record. */
function toRecord(rows: Row[]): HistoryRecord {
  const reports = rows.filter((r) => r.kind === "report");
  if (reports.length !== 1) throw new BadRecord(`${reports.length} report rows (expected 1)`);
  const head = reports[0]!;
  for (const r of rows) {
    if (r.format !== HISTORY_FORMAT) throw new BadRecord(`format ${JSON.stringify(r.format)}`);
    if (r.report_id !== head.report_id) throw new BadRecord("rows of several reports");
  }
  const config = parseConfig(need(head.config, "config"));
  const dstPorts = (head.dst_ports ?? "")
    .split(",")
    .filter(Boolean)
    .map((p) => Number(p));
  if (dstPorts.some((p) => !Number.isInteger(p))) throw new BadRecord("bad dst_ports");
  const inputs = JSON.parse(head.inputs ?? "[]") as unknown;
  const start = Number(need(head.start_us, "window_start")) / 1e6;
  const end = Number(need(head.end_us, "window_end")) / 1e6;
  if (!(end >= start)) throw new BadRecord("window ends before it starts");
  return {
    id: need(head.report_id, "report_id"),
    generatedAt: Number(need(head.generated_us, "generated_at")) / 1e6,
    start,
    end,
    inputs: Array.isArray(inputs) ? inputs.map(String) : [],
    dstPorts,
    config,
    configHash: head.config_hash ?? configHash(config),
    fleet: verdictOf(head),
    hosts: rows
      .filter((r) => r.kind === "host")
      .map((r) => ({ host: need(r.host, "host"), ...verdictOf(r) }))
      .sort((a, b) => (a.host < b.host ? -1 : a.host > b.host ? 1 : 0)),
    keys: rows
      .filter((r) => r.kind === "key" && r.blocked !== false)
      .map((r) => {
        const family = need(r.family, "family");
        if (family !== 4 && family !== 6) throw new BadRecord(`family ${family}`);
        const cls = r.abuse_class;
        if (cls !== null && !CLASSES.includes(cls)) throw new BadRecord(`class ${JSON.stringify(cls)}`);
        return {
          host: need(r.host, "host"),
          family: family as Family,
          src: need(r.src, "src"),
          prefixLen: need(r.prefix_len, "prefix_len"),
          dstPort: need(r.dst_port, "dst_port"),
          display: need(r.key, "key"),
          healthyBlocked: r.healthy_blocked === true,
          wouldDropPackets: need(r.would_drop_packets, "would_drop_packets"),
          abuseClass: cls as AbuseClass | null,
        };
      }),
  };
}

export interface StoreContents {
  records: HistoryRecord[];
  /** Files that are not readable history records, with why (never fatal). */
  skipped: { file: string; reason: string }[];
}

/** Every record in `dir` (none when it does not exist); unreadable files are skipped and listed. */
export async function readStore(c: DuckDBConnection, dir: string): Promise<StoreContents> {
  const out: StoreContents = { records: [], skipped: [] };
  if (!existsSync(dir)) return out;
  const names = readdirSync(dir)
    .filter((n) => n.endsWith(".parquet") && !n.startsWith("."))
    .sort();
  for (const name of names) {
    const file = join(dir, name);
    const path = literalPath(file);
    if (path === null) {
      out.skipped.push({ file, reason: "its name cannot be given to DuckDB" });
      continue;
    }
    try {
      const rows = await queryRows<Row>(c, `SELECT ${READ_SELECT} FROM read_parquet(${quoteLiteral(path)})`);
      out.records.push(toRecord(rows));
    } catch (e) {
      const msg = (e instanceof Error ? e.message : String(e)).split("\n")[0]!;
      out.skipped.push({ file, reason: e instanceof BadRecord ? `not a history record: ${msg}` : msg });
    }
  }
  return out;
}
