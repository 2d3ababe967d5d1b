// A directory the engine owns for files too large for the model (evidence.parquet): created beside the output
// so the writer can move them in by rename, removed when the report is written, fails or is interrupted.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { onCleanup } from "./cleanup.js";
import { EXIT, ReportError } from "./exit-codes.js";

export interface ScratchDir {
  path: string;
  /** Removes the directory and what is left in it. */
  dispose(): void;
}

export function makeScratchDir(parent: string = tmpdir()): ScratchDir {
  let path: string;
  try {
    path = mkdtempSync(join(parent, ".ibsr-report-artifacts-"));
  } catch (e) {
    throw new ReportError(
      EXIT.IO,
      `cannot create a working directory in ${parent}: ${(e as NodeJS.ErrnoException).code ?? "error"} (${(e as Error).message})`,
    );
  }
  const remove = () => rmSync(path, { recursive: true, force: true });
  const forget = onCleanup(remove);
  return {
    path,
    dispose() {
      forget();
      remove();
    },
  };
}
