// Atomic snapshot files: encode, write to a temp name in the target folder (a dot-name not ending in
// .parquet, so no reader ever globs a half-written file), fsync, rename, fsync the folder. I/O failures
// (ENOSPC, EROFS, EACCES, EDQUOT, EIO, ...) are returned, never thrown: the run loop logs them, counts them
// in the heartbeat and tries again next interval; collection never stops because a disk is full.
import { mkdir, open, rename, rm, stat } from "node:fs/promises";
import { basename, dirname, join, resolve } from "node:path";
import { type SnapshotMeta, snapshotRelativePath } from "@ibsr/contract";
import { monotonicMs } from "../system/clock.js";
import { freeBuffers } from "../system/free-buffers.js";
import { type EncodeOptions, encodeSnapshotParquetStreamed, type StreamedSnapshot } from "./parquet.js";

export interface WriteOk {
  ok: true;
  /** Final path of the file. */
  path: string;
  bytes: number;
  /** Wall time of encode + write + fsync + rename, milliseconds. */
  ms: number;
}

export interface WriteFailure {
  ok: false;
  /** The path that was being written. */
  path: string;
  /** Which step failed: encode, mkdir, open, write, fsync, rename, fsync-dir. */
  op: string;
  /** errno number (positive), 0 when the failure has none (encode). */
  errno: number;
  /** errno name, e.g. ENOSPC. */
  code: string;
  message: string;
}

export type WriteResult = WriteOk | WriteFailure;

/** Temp files start with this and contain TEMP_MARK: retention recognises (and ages out) leftovers. */
export const TEMP_PREFIX = ".";
export const TEMP_MARK = ".tmp-";

/** Final path of a snapshot under `outDir` (host=…/date=…/ibsr-….parquet). */
export function snapshotPath(outDir: string, m: SnapshotMeta): string {
  return join(
    outDir,
    snapshotRelativePath({ host: m.host, iface: m.iface, runId: m.runId, seq: m.seq, ts: m.tsUs }),
  );
}

/** Encodes and atomically writes one snapshot. Never throws for I/O errors. */
export async function writeSnapshot(
  outDir: string,
  snapshot: StreamedSnapshot,
  opts: { encode?: EncodeOptions } = {},
): Promise<WriteResult> {
  const started = monotonicMs();
  let path: string;
  let bytes: Uint8Array;
  try {
    path = snapshotPath(outDir, snapshot.meta);
    bytes = await encodeSnapshotParquetStreamed(snapshot, opts.encode);
  } catch (err) {
    // A bug, not an I/O problem; still reported as a failed write so the collector keeps collecting.
    return {
      ok: false,
      path: outDir,
      op: "encode",
      errno: 0,
      code: "EENCODE",
      message: err instanceof Error ? err.message : String(err),
    };
  }
  const res = await writeFileAtomic(path, bytes);
  // The file's bytes (about 5 B per row, a JavaScript copy out of WebAssembly memory) are freed now rather
  // than at a later garbage collection, which the run loop no longer forces after every snapshot.
  freeBuffers(bytes.buffer);
  if (res.ok) res.ms = monotonicMs() - started;
  return res;
}

/**
 * Writes `bytes` to `path` so that readers see either nothing or the whole file: mkdir -p, temp file in the
 * same folder, write, fsync, rename, fsync the folder. On failure the temp file is removed. `mode`: set
 * the file's mode to exactly this (default: 0644 less the umask).
 */
export async function writeFileAtomic(
  path: string,
  bytes: Uint8Array,
  opts: { mode?: number } = {},
): Promise<WriteResult> {
  const started = monotonicMs();
  const dir = dirname(path);
  const temp = join(dir, `${TEMP_PREFIX}${basename(path)}${TEMP_MARK}${process.pid}`);
  let step = "mkdir";
  let created = false;
  try {
    await mkdirp(dir);
    step = "open";
    // Another collector's retention may remove an empty date folder between mkdir and open: retry once.
    const fh = await open(temp, "w", 0o644).catch(async (err: NodeJS.ErrnoException) => {
      if (err.code !== "ENOENT") throw err;
      await mkdirp(dir);
      return open(temp, "w", 0o644);
    });
    created = true;
    try {
      step = "write";
      let off = 0;
      while (off < bytes.length) {
        const { bytesWritten } = await fh.write(bytes, off, bytes.length - off);
        // A file that accepts nothing (some special files do) would otherwise spin here forever.
        if (bytesWritten <= 0)
          throw Object.assign(new Error(`EIO: the write to '${temp}' accepted no bytes`), {
            code: "EIO",
            errno: 5,
          });
        off += bytesWritten;
      }
      // An explicit mode is set as given, past the umask (a file another service must read).
      if (opts.mode !== undefined) {
        step = "chmod";
        await fh.chmod(opts.mode);
      }
      step = "fsync";
      await fh.sync();
    } finally {
      await fh.close().catch(() => {});
    }
    step = "rename";
    await rename(temp, path);
    created = false;
    step = "fsync-dir";
    await fsyncDir(dir);
    return { ok: true, path, bytes: bytes.length, ms: monotonicMs() - started };
  } catch (err) {
    if (created) await rm(temp, { force: true }).catch(() => {});
    return failure(path, step, err);
  }
}

/**
 * mkdir -p, one level at a time (returns the folders it created, outermost first), never `mkdir(..., { recursive: true })`: Node's recursive mkdir retries a
 * level forever when the kernel answers ENOENT although the parent exists (a path under /proc or /sys), a
 * hang in the thread pool that nothing can cancel. Here each missing level gets one plain mkdir, so every
 * call ends after at most (depth) syscalls and reports the real errno (EROFS, EACCES, ENOENT, ENOTDIR).
 * The reporter's makeDirs (report/src/output.ts) walks the same way but synchronously with its own errors; the
 * only package both import is @ibsr/contract, which has no I/O, so each keeps its own.
 */
export async function mkdirp(dir: string): Promise<string[]> {
  const missing: string[] = [];
  for (let d = resolve(dir); ; d = dirname(d)) {
    const st = await stat(d).catch((err: NodeJS.ErrnoException) => {
      if (err.code === "ENOENT") return null;
      throw err;
    });
    if (st) {
      if (!st.isDirectory())
        throw Object.assign(new Error(`ENOTDIR: not a directory, mkdir '${d}'`), {
          code: "ENOTDIR",
          errno: 20,
          path: d,
        });
      break;
    }
    missing.unshift(d);
    if (dirname(d) === d) break;
  }
  const created: string[] = [];
  for (const d of missing) {
    const made = await mkdir(d).then(
      () => true,
      (err: NodeJS.ErrnoException) => {
        if (err.code !== "EEXIST") throw err;
        return false;
      },
    );
    if (made) created.push(d);
  }
  return created;
}

/** fsync of a directory makes the rename itself durable (otherwise a power cut can undo it). */
async function fsyncDir(dir: string): Promise<void> {
  const fh = await open(dir, "r");
  try {
    await fh.sync();
  } finally {
    await fh.close().catch(() => {});
  }
}

function failure(path: string, op: string, err: unknown): WriteFailure {
  const e = err as NodeJS.ErrnoException;
  const code = typeof e?.code === "string" ? e.code : "EUNKNOWN";
  const errno = typeof e?.errno === "number" ? Math.abs(e.errno) : 0;
  return { ok: false, path, op, errno, code, message: e instanceof Error ? e.message : String(err) };
}

/** What to do about a failed write, for the log line. */
export function writeFailureHint(code: string): string {
  switch (code) {
    case "ENOSPC":
      return "the filesystem is full: free space or lower --max-files/--max-age; collection continues and writes resume when space returns";
    case "EDQUOT":
      return "disk quota exceeded for this user: raise the quota or lower --max-files/--max-age";
    case "EROFS":
      return "the filesystem is read-only (remounted after errors?): check dmesg and remount read-write";
    case "EACCES":
    case "EPERM":
      return "no permission to write to the output directory: check its owner and mode (and any LSM policy)";
    case "EIO":
      return "the device reported an I/O error: check dmesg and the disk's health";
    case "ENOENT":
    case "ENOTDIR":
      return "the output directory path is broken: check -o/--out-dir";
    default:
      return "collection continues; the write is retried next interval";
  }
}
