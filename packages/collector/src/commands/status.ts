// `ibsr-collect status [out-dir]`: is collection healthy? Reads the newest heartbeats of every
// (host, iface) under the output directory. What monitoring alerts on:
//   exit 0 healthy, 1 unhealthy (stale or future heartbeat, failing writes, map near full, stopped, a
//   heartbeat file with no readable line), 2 no heartbeat file at all (StatusExitCode, exit-codes.ts).
import { open, readdir } from "node:fs/promises";
import { join } from "node:path";
import {
  HEARTBEAT_GLOB,
  HEARTBEAT_ROTATED_SUFFIX,
  type Heartbeat,
  isoUtc,
  parseHeartbeatFileName,
  parseHostDirName,
} from "@ibsr/contract";
import { StatusExitCode } from "../exit-codes.js";
import { renderStatusMetrics } from "../metrics/prometheus.js";

/** What `status` prints: the human text, the report as JSON, or Prometheus metrics (metrics/prometheus.ts). */
export const STATUS_FORMATS = ["text", "json", "prometheus"] as const;
export type StatusFormat = (typeof STATUS_FORMATS)[number];

export interface StatusOptions {
  outDir: string;
  format: StatusFormat;
  /** Reference time (tests). */
  now?: Date;
  /** Output (tests); default process.stdout. */
  out?: (text: string) => void;
}

/**
 * A last heartbeat later than now by more than this is not healthy: the clocks of writer and reader
 * disagree, or the file holds a time that was never now. Small clock steps (NTP, a reader on another
 * host) stay within it.
 */
export const FUTURE_TOLERANCE_SEC = 30;
/** A heartbeat is stale when older than this many snapshot intervals. */
export const STALE_INTERVALS = 2;
/** Map fill above this is unhealthy: new sources start evicting old ones. */
export const FILL_LIMIT = 0.9;
/** A failed write within this many of the newest heartbeats is unhealthy (even if the last one succeeded). */
export const RECENT_HEARTBEATS = 3;

export interface CollectorStatus {
  host: string;
  iface: string;
  file: string;
  healthy: boolean;
  /** Why it is unhealthy (empty when healthy). */
  reasons: string[];
  ageSec: number;
  last: Heartbeat;
}

export interface StatusReport {
  status: "healthy" | "unhealthy" | "no-data";
  outDir: string;
  checkedAt: string;
  collectors: CollectorStatus[];
  /** Heartbeat files that exist but hold no readable line. */
  unreadable: string[];
}

export async function statusCommand(opts: StatusOptions): Promise<number> {
  const report = await collectStatus(opts.outDir, opts.now ?? new Date());
  const out = opts.out ?? ((t: string) => void process.stdout.write(t));
  out(
    opts.format === "json"
      ? `${JSON.stringify(report, null, 2)}\n`
      : opts.format === "prometheus"
        ? renderStatusMetrics(report)
        : renderStatus(report),
  );
  if (report.status === "no-data") return StatusExitCode.NO_DATA;
  return report.status === "healthy" ? StatusExitCode.HEALTHY : StatusExitCode.UNHEALTHY;
}

/** Reads every heartbeat file and judges each collector. */
export async function collectStatus(outDir: string, now: Date): Promise<StatusReport> {
  const collectors: CollectorStatus[] = [];
  const unreadable: string[] = [];
  for (const hostDir of await list(outDir)) {
    const host = parseHostDirName(hostDir);
    if (host === null) continue;
    for (const name of await list(join(outDir, hostDir))) {
      const fm = parseHeartbeatFileName(name);
      if (!fm || fm.rotated) continue;
      const file = join(outDir, hostDir, name);
      // Just rotated: the current file may hold nothing yet, the .1 generation has the history.
      let beats = await lastHeartbeats(file, RECENT_HEARTBEATS);
      if (beats.length < RECENT_HEARTBEATS)
        beats = [
          ...(await lastHeartbeats(`${file}${HEARTBEAT_ROTATED_SUFFIX}`, RECENT_HEARTBEATS)),
          ...beats,
        ];
      if (beats.length === 0) {
        unreadable.push(file);
        continue;
      }
      collectors.push(judge(host, fm.iface, file, beats.slice(-RECENT_HEARTBEATS), now));
    }
  }
  collectors.sort((a, b) => (a.host + a.iface < b.host + b.iface ? -1 : 1));
  // A heartbeat file without a readable line is a collector whose state is unknown: unhealthy, not no data.
  const status =
    collectors.length === 0 && unreadable.length === 0
      ? "no-data"
      : collectors.every((c) => c.healthy) && unreadable.length === 0
        ? "healthy"
        : "unhealthy";
  return { status, outDir, checkedAt: isoUtc(now.getTime()), collectors, unreadable };
}

/** Exported for tests: the verdict for one collector from its newest heartbeats (oldest first). */
export function judge(
  host: string,
  iface: string,
  file: string,
  beats: Heartbeat[],
  now: Date,
): CollectorStatus {
  const last = beats[beats.length - 1]!;
  const reasons: string[] = [];
  const ageSec = (now.getTime() - Date.parse(last.time)) / 1000;
  const interval = Number(last.intervalSec) > 0 ? Number(last.intervalSec) : 60;
  if (ageSec < -FUTURE_TOLERANCE_SEC) {
    reasons.push(
      `last heartbeat ${last.time} is ${fmtAge(-ageSec)} later than now (${isoUtc(now.getTime())}), more than the ` +
        `${FUTURE_TOLERANCE_SEC} s allowed: clock skew or a heartbeat from the future; check both clocks ` +
        "(timedatectl) and what writes this file",
    );
  }
  if (last.final) {
    reasons.push(`collector stopped at ${last.time} (clean shutdown); nothing is collecting on ${iface}`);
  } else if (!Number.isFinite(ageSec) || ageSec > STALE_INTERVALS * interval) {
    reasons.push(
      `last heartbeat ${fmtAge(ageSec)} ago, more than ${STALE_INTERVALS} intervals of ${interval} s: ` +
        "the collector is not running or is stuck",
    );
  }
  if (!last.writeOk) {
    reasons.push(
      `snapshot writes failing: ${last.writeErrorsConsecutive} in a row, last ${last.lastErrno ?? "error"}` +
        (last.lastError ? ` (${last.lastError})` : ""),
    );
  } else {
    const failed = beats.filter((b) => !b.writeOk).length;
    if (failed > 0) {
      reasons.push(
        `${failed} of the last ${beats.length} snapshot writes failed (last ${last.lastErrno ?? "error"})`,
      );
    }
  }
  // Each family's map evicts on its own, so with two maps the rule is per map (the sum can hide a full one).
  const maps = last.families
    ? Object.entries(last.families).map(([fam, f]) => ({
        name: `${fam === "ipv4" ? "IPv4" : "IPv6"} map`,
        ...f,
      }))
    : [{ name: "map", fill: last.fill, liveEntries: last.liveEntries, capacity: last.capacity }];
  for (const m of maps) {
    if (Number(m.fill) > FILL_LIMIT) {
      reasons.push(
        `${m.name} ${(Number(m.fill) * 100).toFixed(1)}% full (${m.liveEntries}/${m.capacity}), above ` +
          `${FILL_LIMIT * 100}%: sources are being evicted, raise --map-size`,
      );
    }
  }
  return { host, iface, file, healthy: reasons.length === 0, reasons, ageSec, last };
}

function fmtAge(sec: number): string {
  if (!Number.isFinite(sec)) return "an unknown time";
  if (sec < 600) return `${Math.round(sec)} s`;
  if (sec < 7200) return `${Math.round(sec / 60)} min`;
  if (sec < 172_800) return `${(sec / 3600).toFixed(1)} h`;
  return `${(sec / 86_400).toFixed(1)} d`;
}

/** Human form: one block per collector, the verdict first. */
export function renderStatus(r: StatusReport): string {
  if (r.status === "no-data") {
    return (
      `no collector data: no heartbeat (${HEARTBEAT_GLOB}) under ${r.outDir}\n` +
      "is ibsr-collect running with -o pointing here?\n"
    );
  }
  const lines: string[] = [
    `${r.status.toUpperCase()}: ${r.collectors.length} collector(s) under ${r.outDir}`,
  ];
  for (const c of r.collectors) {
    const b = c.last;
    lines.push(
      `  host=${c.host} iface=${c.iface}: ${c.healthy ? "healthy" : "UNHEALTHY"}, last heartbeat ${b.time} ` +
        `(${c.ageSec < 0 ? `in ${fmtAge(-c.ageSec)}, from the future` : `${fmtAge(c.ageSec)} ago`}), cycle ${b.cycle}, run ${b.runId}`,
    );
    lines.push(
      `    map ${(Number(b.fill) * 100).toFixed(1)}% full (${b.liveEntries}/${b.capacity}), matched ${b.matchedPackets} ` +
        `packets, drain ${Number(b.drainMs).toFixed(1)} ms, write ${Number(b.writeMs).toFixed(1)} ms, ` +
        `write errors ${b.writeErrorsTotal}`,
    );
    if (b.lastSnapshotPath) lines.push(`    last snapshot ${b.lastSnapshotPath}`);
    for (const reason of c.reasons) lines.push(`    - ${reason}`);
  }
  for (const f of r.unreadable)
    lines.push(`  unreadable heartbeat file ${f}: no readable heartbeat line (empty, torn or not JSON)`);
  return `${lines.join("\n")}\n`;
}

async function list(dir: string): Promise<string[]> {
  try {
    return (await readdir(dir)).sort();
  } catch {
    return [];
  }
}

const TAIL_BYTES = 256 * 1024;

/** The last `n` parseable heartbeat lines of a file (a torn last line from a crash is skipped). */
async function lastHeartbeats(path: string, n: number): Promise<Heartbeat[]> {
  let text: string;
  try {
    const fh = await open(path, "r");
    try {
      const { size } = await fh.stat();
      const start = Math.max(0, size - TAIL_BYTES);
      const buf = Buffer.alloc(size - start);
      await fh.read(buf, 0, buf.length, start);
      text = buf.toString("utf8");
      if (start > 0) text = text.slice(text.indexOf("\n") + 1);
    } finally {
      await fh.close();
    }
  } catch {
    return [];
  }
  const out: Heartbeat[] = [];
  const lines = text.split("\n");
  for (let i = lines.length - 1; i >= 0 && out.length < n; i--) {
    const line = lines[i]!.trim();
    if (!line) continue;
    try {
      const v = JSON.parse(line) as Heartbeat;
      if (v && typeof v === "object" && typeof v.time === "string") out.unshift(v);
    } catch {
      // torn or foreign line: skip
    }
  }
  return out;
}
