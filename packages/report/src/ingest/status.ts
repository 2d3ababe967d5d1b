// Write errors recorded by ibsr-collect in its heartbeat files (status-<iface>.jsonl), per run.
import { readFileSync } from "node:fs";
import type { Heartbeat } from "@ibsr/contract";

export interface FailedWrite {
  seq: number;
  /** The heartbeat's time (ISO 8601), the cycle whose snapshot did not reach the disk. */
  time: string;
}

export interface RunWriteErrors {
  writeErrors: number;
  lastError: string | null;
  /** Failed writes found in the heartbeats kept (rotation may have dropped older ones), by seq. */
  failed: FailedWrite[];
}

/** Key: JSON [host, iface, runId]. Unreadable files and lines are ignored: heartbeats are advisory. */
export function readWriteErrors(files: readonly string[]): Map<string, RunWriteErrors> {
  const out = new Map<string, RunWriteErrors>();
  for (const f of files) {
    let text: string;
    try {
      text = readFileSync(f, "utf8");
    } catch {
      continue;
    }
    for (const line of text.split("\n")) {
      if (!line.trim()) continue;
      // Field names checked against the collector's Heartbeat type; every value is checked before use.
      let hb: { [K in keyof Heartbeat]?: unknown };
      try {
        hb = JSON.parse(line) as typeof hb;
      } catch {
        continue;
      }
      if (typeof hb.host !== "string" || typeof hb.iface !== "string" || typeof hb.runId !== "string")
        continue;
      const total = typeof hb.writeErrorsTotal === "number" ? hb.writeErrorsTotal : 0;
      const key = JSON.stringify([hb.host, hb.iface, hb.runId]);
      const prev = out.get(key);
      const failed = prev?.failed ?? [];
      if (hb.writeOk === false && typeof hb.seq === "number" && typeof hb.time === "string")
        failed.push({ seq: hb.seq, time: hb.time });
      if (!prev || total >= prev.writeErrors)
        out.set(key, {
          writeErrors: total,
          lastError: typeof hb.lastError === "string" ? hb.lastError : (prev?.lastError ?? null),
          failed,
        });
    }
  }
  // One entry per seq, in seq order (a rotated copy and the live file may both hold a line).
  for (const r of out.values()) {
    const bySeq = new Map(r.failed.map((f) => [f.seq, f]));
    r.failed = [...bySeq.values()].sort((a, b) => a.seq - b.seq);
  }
  return out;
}
