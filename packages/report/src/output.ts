// Output directory written atomically: files go into a temporary sibling directory that is renamed into
// place only when every file is complete, so cron or a browser never sees half a report.
import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { EXIT, ReportError } from "./exit-codes.js";

export interface StagedOutput {
  /** The final directory. */
  target: string;
  /** Where files are written until commit(). */
  staging: string;
  write(name: string, content: string | Uint8Array): void;
  /** Moves the staging directory into place (replacing an older report). */
  commit(): void;
  /** Same, into another directory of the same filesystem (the default name is known only after reading). */
  commitTo(dir: string): string;
  /** Removes the staging directory (after a failure). */
  abort(): void;
}

function ioError(action: string, path: string, e: unknown): ReportError {
  const err = e as NodeJS.ErrnoException;
  return new ReportError(EXIT.IO, `${action} ${path}: ${err.code ?? "error"} (${err.message})`);
}

export function stageOutput(outDir: string): StagedOutput {
  const target = resolve(outDir);
  const parent = dirname(target);
  const staging = join(parent, `.${basename(target)}.tmp-${process.pid}`);
  try {
    mkdirSync(parent, { recursive: true });
    rmSync(staging, { recursive: true, force: true });
    mkdirSync(staging);
  } catch (e) {
    throw ioError("cannot create output directory", staging, e);
  }
  return {
    target,
    staging,
    write(name, content) {
      const p = join(staging, name);
      try {
        writeFileSync(p, content);
      } catch (e) {
        throw ioError("cannot write", p, e);
      }
    },
    commit() {
      this.commitTo(target);
    },
    commitTo(dir) {
      const final = resolve(dir);
      const old = join(dirname(final), `.${basename(final)}.old-${process.pid}`);
      try {
        if (existsSync(final)) renameSync(final, old);
        renameSync(staging, final);
        rmSync(old, { recursive: true, force: true });
      } catch (e) {
        throw ioError("cannot move the finished report into", final, e);
      }
      return final;
    },
    abort() {
      rmSync(staging, { recursive: true, force: true });
    },
  };
}
