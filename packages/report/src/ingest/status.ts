// Write errors recorded by ibsr-collect in its heartbeat files (status-<iface>.jsonl), per run.
import { readFileSync } from "node:fs";

export interface RunWriteErrors {
  writeErrors: number;
  lastError: string | null;
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
      let hb: Record<string, unknown>;
      try {
        hb = JSON.parse(line) as Record<string, unknown>;
      } catch {
        continue;
      }
      if (typeof hb.host !== "string" || typeof hb.iface !== "string" || typeof hb.runId !== "string")
        continue;
      const total = typeof hb.writeErrorsTotal === "number" ? hb.writeErrorsTotal : 0;
      const key = JSON.stringify([hb.host, hb.iface, hb.runId]);
      const prev = out.get(key);
      if (!prev || total >= prev.writeErrors)
        out.set(key, {
          writeErrors: total,
          lastError: typeof hb.lastError === "string" ? hb.lastError : (prev?.lastError ?? null),
        });
    }
  }
  return out;
}
