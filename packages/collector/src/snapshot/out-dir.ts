// The output directory, checked before anything is attached: it must exist or be creatable, and a file
// must be creatable in the host folder the snapshots and the heartbeat go to. A path that can never hold a
// snapshot (under /proc, a file in place of a folder, a read-only mount, no permission) is an error at
// start-up, within a second, instead of a run that attaches and then fails every write. Space is not
// checked (an empty file needs none): a full disk at start is a write failure that recovers, as later.
import { open, rm, rmdir } from "node:fs/promises";
import { dirname, join } from "node:path";
import { EnvironmentError } from "../errors.js";
import { heartbeatPath } from "./heartbeat.js";
import { mkdirp, writeFailureHint } from "./writer.js";

/** A check of the output directory that has not answered by then is a hung mount: refuse, do not wait. */
export const OUT_DIR_CHECK_TIMEOUT_MS = 5000;

/** Errnos whose write-failure hint also fits a check at start-up (the others speak of retrying). */
const OUT_DIR_HINTED = new Set(["EROFS", "EACCES", "EPERM", "EIO", "ENOENT", "ENOTDIR"]);

/**
 * Creates `<outDir>/host=<host>` and proves a file can be created there; throws EnvironmentError (exit 3).
 * Returns the folders it created (outermost first), for removeCreatedDirs when the run ends before
 * anything was written.
 */
export async function prepareOutDir(outDir: string, host: string): Promise<string[]> {
  // The host folder exactly as the heartbeat writer names it (the snapshots' date folders are below it).
  const dir = dirname(heartbeatPath(outDir, host, "probe"));
  let step = "mkdir";
  let timer: NodeJS.Timeout | undefined;
  let created: string[] = [];
  const check = async () => {
    created = await mkdirp(dir);
    step = "create a file in";
    const probe = join(dir, `.ibsr-probe.tmp-${process.pid}`);
    const fh = await open(probe, "wx", 0o644);
    await fh.close();
    await rm(probe, { force: true });
    return "ok" as const;
  };
  const timeout = new Promise<"timeout">((resolve) => {
    timer = setTimeout(() => resolve("timeout"), OUT_DIR_CHECK_TIMEOUT_MS);
    timer.unref();
  });
  try {
    const r = await Promise.race([check(), timeout]);
    if (r === "timeout")
      throw new EnvironmentError(
        "out_dir",
        `output directory ${outDir}: ${step} ${dir} did not return within ${OUT_DIR_CHECK_TIMEOUT_MS / 1000} s`,
        {
          errnoName: "ETIMEDOUT",
          hint: "is the filesystem a hung network mount? Check it, or pass another -o/--out-dir. Nothing was attached",
        },
      );
    return created;
  } catch (err) {
    if (err instanceof EnvironmentError) throw err;
    await removeCreatedDirs(created);
    const e = err as NodeJS.ErrnoException;
    const code = typeof e.code === "string" ? e.code : "EUNKNOWN";
    throw new EnvironmentError("out_dir", `output directory ${outDir}: cannot ${step} ${dir}: ${e.message}`, {
      errnoName: code,
      hint: `${OUT_DIR_HINTED.has(code) ? writeFailureHint(code) : "pass a directory the collector can write with -o/--out-dir"}; nothing was attached`,
    });
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Removes folders prepareOutDir created, innermost first, when the run ended before writing anything
 * (refused, or stopped before attaching). rmdir removes only empty folders: nothing else is touched.
 */
export async function removeCreatedDirs(created: readonly string[]): Promise<void> {
  for (const d of [...created].reverse()) await rmdir(d).catch(() => {});
}
