// Retention across the whole output directory: by count (--max-files) and by age (--max-age), over every
// snapshot file of ours (host=*/date=*/ibsr-*.parquet), from every run and interface, oldest first. Never
// the file just written; folders emptied by it are removed; other files are never touched. Temp files left
// by a crash (.ibsr-*.parquet.tmp-<pid>) are removed once older than an hour.
import { readdir, rmdir, stat, unlink } from "node:fs/promises";
import { join, resolve } from "node:path";
import { SNAPSHOT_FILE_RE } from "@ibsr/contract";

export interface RetentionPolicy {
  maxFiles: number;
  maxAgeSec: number;
}

export interface RetentionOptions {
  /** Reference time; default now. */
  now?: Date;
  /** Files never removed (absolute or outDir-relative paths): the file just written. */
  protect?: Iterable<string>;
}

export interface RetentionResult {
  /** Snapshot files removed, oldest first. */
  removed: string[];
  /** Crash leftovers (temp files) removed. */
  removedTemps: string[];
  /** date=… and host=… folders removed because they became empty. */
  removedDirs: string[];
  /** Snapshot files that remain. */
  kept: number;
  /** Removals that failed (the rest still proceeds). */
  errors: { path: string; code: string; message: string }[];
}

const HOST_DIR_RE = /^host=[^/]+$/;
const DATE_DIR_RE = /^date=\d{4}-\d{2}-\d{2}$/;
const TEMP_FILE_RE = /^\.ibsr-.+\.parquet\.tmp-\d+$/;
const TEMP_MAX_AGE_MS = 3600_000;

interface Found {
  path: string;
  mtimeMs: number;
}

/**
 * mtime of every snapshot file seen in the last scan. Our files are immutable once renamed into place, so a
 * known path is not stat()ed again: a week of files (10 080) costs a readdir per folder, not 10 080 stats.
 */
let knownMtimes = new Map<string, number>();

/** Applies the policy; never throws for a file that cannot be removed (it is listed in errors). */
export async function applyRetention(
  outDir: string,
  policy: RetentionPolicy,
  opts: RetentionOptions = {},
): Promise<RetentionResult> {
  const now = (opts.now ?? new Date()).getTime();
  const protect = new Set([...(opts.protect ?? [])].map((p) => resolve(outDir, p)));
  const result: RetentionResult = { removed: [], removedTemps: [], removedDirs: [], kept: 0, errors: [] };
  const files: Found[] = [];
  const temps: Found[] = [];
  const dateDirs: string[] = [];
  const hostDirs: string[] = [];
  const seen = new Map<string, number>();

  for (const host of await entries(outDir)) {
    if (!host.dir || !HOST_DIR_RE.test(host.name)) continue;
    const hostPath = join(outDir, host.name);
    hostDirs.push(hostPath);
    for (const date of await entries(hostPath)) {
      if (!date.dir || !DATE_DIR_RE.test(date.name)) continue;
      const datePath = join(hostPath, date.name);
      dateDirs.push(datePath);
      for (const f of await entries(datePath)) {
        if (f.dir) continue;
        const isSnap = SNAPSHOT_FILE_RE.test(f.name);
        const isTemp = !isSnap && TEMP_FILE_RE.test(f.name);
        if (!isSnap && !isTemp) continue;
        const path = join(datePath, f.name);
        const known = isSnap ? knownMtimes.get(path) : undefined;
        if (known !== undefined) {
          files.push({ path, mtimeMs: known });
          seen.set(path, known);
          continue;
        }
        try {
          const st = await stat(path);
          (isSnap ? files : temps).push({ path, mtimeMs: st.mtimeMs });
          if (isSnap) seen.set(path, st.mtimeMs);
        } catch {
          // Vanished meanwhile (another collector's retention): nothing to do.
        }
      }
    }
  }

  knownMtimes = seen;

  // Oldest first; ties by name so the order is stable.
  files.sort((a, b) => a.mtimeMs - b.mtimeMs || (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  const maxAgeMs = policy.maxAgeSec * 1000;
  let remaining = files.length;
  for (const f of files) {
    const tooOld = now - f.mtimeMs > maxAgeMs;
    const tooMany = remaining > policy.maxFiles;
    if (!tooOld && !tooMany) continue;
    if (protect.has(resolve(f.path))) continue;
    if (await remove(f.path, result)) {
      result.removed.push(f.path);
      remaining--;
    }
  }
  result.kept = remaining;

  for (const t of temps) {
    if (now - t.mtimeMs > TEMP_MAX_AGE_MS && (await remove(t.path, result))) result.removedTemps.push(t.path);
  }

  // Emptied folders: date folders first, then host folders (rmdir fails harmlessly when not empty).
  for (const d of [...dateDirs, ...hostDirs]) {
    try {
      await rmdir(d);
      result.removedDirs.push(d);
    } catch {
      // Not empty (or already gone): keep it.
    }
  }
  return result;
}

async function entries(dir: string): Promise<{ name: string; dir: boolean }[]> {
  try {
    const list = await readdir(dir, { withFileTypes: true });
    return list.map((d) => ({ name: d.name, dir: d.isDirectory() }));
  } catch {
    return [];
  }
}

async function remove(path: string, result: RetentionResult): Promise<boolean> {
  try {
    await unlink(path);
    return true;
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (e.code === "ENOENT") return false;
    result.errors.push({ path, code: e.code ?? "EUNKNOWN", message: e.message });
    return false;
  }
}
