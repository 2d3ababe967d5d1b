// status.jsonl: one heartbeat line per cycle per (host, iface), the collector's own health record and what
// `ibsr-collect status` reads. Lives at <out-dir>/host=<host>/status-<iface>.jsonl (beside the date
// folders, never matched by *.parquet globs), rotated by size to status-<iface>.jsonl.1. A failed append is
// returned, not thrown: losing a heartbeat must not stop collection. Nor does it leave half a line: an append
// that runs out of space part way (the file's last page had room for the start of the line) is cut back.
import { appendFile, rename, stat, truncate } from "node:fs/promises";
import { dirname, join } from "node:path";
import { HEARTBEAT_ROTATED_SUFFIX, type Heartbeat, heartbeatRelativePath } from "@ibsr/contract";
import { mkdirp } from "./writer.js";

export type AppendResult = { ok: true; rotated: boolean } | { ok: false; code: string; message: string };

export const HEARTBEAT_DEFAULT_MAX_BYTES = 10 * 1024 * 1024;

export type { Heartbeat };

/** Path of the heartbeat file for (host, iface). */
export function heartbeatPath(outDir: string, host: string, iface: string): string {
  return join(outDir, heartbeatRelativePath(host, iface));
}

export class HeartbeatWriter {
  readonly path: string;
  private readonly maxBytes: number;
  private size: number | null = null;

  constructor(outDir: string, host: string, iface: string, opts: { maxBytes?: number } = {}) {
    this.path = heartbeatPath(outDir, host, iface);
    this.maxBytes = opts.maxBytes ?? HEARTBEAT_DEFAULT_MAX_BYTES;
  }

  /** Appends one line; rotates first when the file would exceed maxBytes. Never throws. */
  async append(hb: Heartbeat): Promise<AppendResult> {
    const line = `${JSON.stringify(hb)}\n`;
    const len = Buffer.byteLength(line);
    let rotated = false;
    let at: number | null = null;
    try {
      if (this.size === null) this.size = await currentSize(this.path);
      if (this.size > 0 && this.size + len > this.maxBytes) {
        // One generation is kept: enough history for `status`, bounded on disk at 2 x maxBytes.
        await rename(this.path, `${this.path}${HEARTBEAT_ROTATED_SUFFIX}`);
        this.size = 0;
        rotated = true;
      }
      await mkdirp(dirname(this.path));
      at = this.size;
      await appendFile(this.path, line, { mode: 0o644 });
      this.size += len;
      return { ok: true, rotated };
    } catch (err) {
      if (at !== null) await cutBack(this.path, at);
      this.size = null; // unknown after a failure: re-read next time
      const e = err as NodeJS.ErrnoException;
      return {
        ok: false,
        code: typeof e.code === "string" ? e.code : "EUNKNOWN",
        message: e.message ?? String(err),
      };
    }
  }
}

/**
 * Cuts a partly appended line off (shrinking needs no space), only ever shrinking: the size this writer
 * knew may be stale if someone removed the file. If even this fails, readers skip the torn line.
 */
async function cutBack(path: string, size: number): Promise<void> {
  try {
    if ((await stat(path)).size > size) await truncate(path, size);
  } catch {
    // nothing more to do
  }
}

async function currentSize(path: string): Promise<number> {
  try {
    return (await stat(path)).size;
  } catch {
    return 0;
  }
}

/** Resident set size of this process, bytes (for the heartbeat). */
export function rssBytes(): number {
  return process.memoryUsage.rss();
}

/** Peak resident set size of this process so far, bytes. */
export function peakRssBytes(): number {
  return process.resourceUsage().maxRSS * 1024;
}
