// The per-folder lock of `ibsr-report compact` (compact-day.ts).
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { onCleanup } from "../cleanup.js";

/** The lock file in a folder being compacted: a second `compact` on the same folder waits for a later run. */
const LOCK_NAME = ".ibsr-compact.lock";

/**
 * Takes the folder's lock (a file created exclusively, holding the pid); returns its release, or why not. A
 * lock whose process is gone (a crashed run) is taken over. Two runs on one folder could otherwise lose a
 * snapshot: one removing originals the other then finds unreadable and leaves out of its file.
 */
export function takeLock(dir: string): (() => void) | string {
  const path = join(dir, LOCK_NAME);
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(path, `${process.pid}\n`, { flag: "wx" });
      const forget = onCleanup(() => rmSync(path, { force: true }));
      return () => {
        forget();
        rmSync(path, { force: true });
      };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
      const pid = Number(readFileSync(path, "utf8").trim());
      if (Number.isSafeInteger(pid) && pid > 0 && pidAlive(pid))
        return `another compact (pid ${pid}) is working on it (${path}); run again later`;
      rmSync(path, { force: true }); // its process is gone
    }
  }
  return `cannot take ${path}`;
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}
