// The output directory. The reporter replaces only a directory it wrote itself (it carries REPORT_MARKER),
// never one that holds or lies inside an input, never the working directory or a file: anything else is
// refused before any work. Files are written into a staging sibling; a new directory is renamed into place
// whole; an earlier report is replaced file by file with rename(2), so a reader polling <out>/report.html
// always finds a complete file, old or new, never none (a directory cannot be swapped atomically without
// renameat2, which Node does not offer).
import {
  copyFileSync,
  type Dirent,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  realpathSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { basename, dirname, join, resolve, sep } from "node:path";
import { onCleanup } from "./cleanup.js";
import { EXIT, ReportError } from "./exit-codes.js";
import { REPORT_VERSION } from "./model.js";

/** The file that marks a directory as written by ibsr-report (one line of JSON). */
export const REPORT_MARKER = ".ibsr-report";
const TOOL = "ibsr-report";
const WHAT_TO_DO =
  "nothing was written; give -o/--out a new or empty directory, or one an earlier ibsr-report run wrote";

export interface OutputTarget {
  /** The real path (symlinks resolved) the report goes to. */
  path: string;
  /** absent: to be created; empty: an existing empty directory; report: an earlier report (marker found). */
  state: "absent" | "empty" | "report";
  /** Files the earlier report listed in its marker (removed when the new report does not write them). */
  previousFiles: string[];
}

export interface StagedOutput {
  /** The final directory as given. */
  target: string;
  /** Where files are written until commit(). */
  staging: string;
  write(name: string, content: string | Uint8Array): void;
  /** Moves a finished file (an engine artifact) in as `name`: rename, or copy across filesystems. */
  moveIn(name: string, from: string): void;
  /** Moves the files into place (replacing an earlier report of this tool). */
  commit(): string;
  /** Same, into another directory (the default name is known only after reading); `label` names it in errors. */
  commitTo(dir: string, label?: string): string;
  /** Removes the staging directory (after a failure), unless a failed commit left the new report in it. */
  abort(): void;
}

function code(e: unknown): string {
  return (e as NodeJS.ErrnoException).code ?? "error";
}

function ioError(action: string, path: string, e: unknown): ReportError {
  return new ReportError(EXIT.IO, `${action} ${path}: ${code(e)} (${(e as Error).message})`);
}

/** realpath of `p`, also when its last components do not exist yet (they are appended to the real ancestor). */
export function realPathLoose(p: string): string {
  const abs = resolve(p);
  const rest: string[] = [];
  let cur = abs;
  for (;;) {
    try {
      return join(realpathSync(cur), ...rest.reverse());
    } catch {
      const parent = dirname(cur);
      if (parent === cur) return abs;
      rest.push(basename(cur));
      cur = parent;
    }
  }
}

/** `inner` is `outer` or lies below it (both real, absolute paths). */
function isWithin(inner: string, outer: string): boolean {
  return inner === outer || inner.startsWith(outer.endsWith(sep) ? outer : outer + sep);
}

/**
 * The real directories an input reaches: the input itself and, through the symbolic links the reader follows,
 * every directory linked from inside it (hidden names are skipped as the reader skips them).
 */
export function inputRealDirs(inputs: readonly string[]): string[] {
  const seen = new Set<string>();
  const walk = (real: string): void => {
    if (seen.has(real)) return;
    seen.add(real);
    let entries: Dirent[];
    try {
      entries = readdirSync(real, { withFileTypes: true });
    } catch {
      return; // a file, or unreadable: the reader reports it
    }
    for (const d of entries) {
      if (d.name.startsWith(".")) continue;
      const p = join(real, d.name);
      if (d.isDirectory()) walk(p);
      else if (d.isSymbolicLink())
        try {
          walk(realpathSync(p));
        } catch {
          // dangling link: nothing to protect
        }
    }
  };
  for (const i of inputs) walk(realPathLoose(i));
  return [...seen];
}

function readMarker(dir: string): { files: string[] } | null {
  try {
    const m = JSON.parse(readFileSync(join(dir, REPORT_MARKER), "utf8")) as Record<string, unknown>;
    if (m === null || typeof m !== "object" || m.tool !== TOOL) return null;
    const files = Array.isArray(m.files) ? m.files : [];
    // Only plain names in this directory: a marker can never make the reporter remove anything elsewhere.
    return {
      files: files.filter(
        (f): f is string =>
          typeof f === "string" && f !== REPORT_MARKER && f !== "." && f !== ".." && !/[/\\]/.test(f),
      ),
    };
  } catch {
    return null;
  }
}

/**
 * Decides whether `outDir` may receive a report; throws ReportError(2) saying what, why and what to do.
 * `protect` are the real input directories (inputRealDirs).
 */
export function checkOutputTarget(
  outDir: string,
  protect: readonly string[],
  cwd = process.cwd(),
  label = `--out ${JSON.stringify(outDir)}`,
): OutputTarget {
  const refuse = (why: string) => new ReportError(EXIT.USAGE, `${label}: ${why}; ${WHAT_TO_DO}`);
  if (outDir.trim() === "") throw refuse("the name is empty (it would mean the working directory)");
  const path = realPathLoose(outDir);
  const shown = path === resolve(outDir) ? "" : ` (${path})`;
  for (const input of protect) {
    if (path === input) throw refuse(`is the input ${input}${shown}`);
    if (isWithin(input, path)) throw refuse(`contains the input ${input}${shown}`);
    if (isWithin(path, input)) throw refuse(`is inside the input ${input}${shown}`);
  }
  if (isWithin(realPathLoose(cwd), path)) throw refuse(`is the working directory or contains it${shown}`);
  let st: ReturnType<typeof lstatSync>;
  try {
    st = lstatSync(path);
  } catch (e) {
    if (code(e) === "ENOENT") return { path, state: "absent", previousFiles: [] };
    throw ioError("cannot inspect the output directory", path, e);
  }
  if (st.isSymbolicLink()) throw refuse(`is a symbolic link to a missing target${shown}`);
  if (!st.isDirectory()) throw refuse(`is a file, not a directory${shown}`);
  let names: string[];
  try {
    names = readdirSync(path);
  } catch (e) {
    throw ioError("cannot list the output directory", path, e);
  }
  if (names.length === 0) return { path, state: "empty", previousFiles: [] };
  const marker = names.includes(REPORT_MARKER) ? readMarker(path) : null;
  if (!marker)
    throw refuse(
      `is not a report directory: it is not empty and has no valid ${REPORT_MARKER} marker${shown} (a report written before the marker existed must be removed or renamed by hand)`,
    );
  return { path, state: "report", previousFiles: marker.files };
}

/**
 * mkdir -p that visits each missing component once (Node's recursive mkdir loops forever where mkdir
 * answers ENOENT for a parent that exists, e.g. under /proc). The collector's mkdirp (snapshot/writer.ts) is the
 * async twin; the contract they share does no I/O, so each program keeps its own.
 */
export function makeDirs(path: string, forOutput = path): void {
  const missing: string[] = [];
  let cur = resolve(path);
  for (;;) {
    let st: ReturnType<typeof statSync>;
    try {
      st = statSync(cur);
    } catch (e) {
      if (code(e) !== "ENOENT" || dirname(cur) === cur)
        throw ioError(`cannot create the output directory ${forOutput}: cannot inspect`, cur, e);
      missing.push(cur);
      cur = dirname(cur);
      continue;
    }
    if (!st.isDirectory())
      throw new ReportError(
        EXIT.IO,
        `cannot create the output directory ${forOutput}: ${cur} is not a directory`,
      );
    break;
  }
  for (const dir of missing.reverse())
    try {
      mkdirSync(dir);
    } catch (e) {
      throw ioError(`cannot create the output directory ${forOutput}: mkdir`, dir, e);
    }
}

/** The marker's one line: which tool wrote the directory, which report version, when, and its files. */
export function markerText(files: readonly string[], reportVersion: number | null = REPORT_VERSION): string {
  return `${JSON.stringify({ tool: TOOL, report_version: reportVersion, written_at: new Date().toISOString(), files })}\n`;
}

/** Writes the marker into a directory another writer filled (the nr-ibsr profile), atomically. */
export function markReportDirectory(
  dir: string,
  files: readonly string[],
  reportVersion: number | null,
): void {
  const tmp = join(dir, `${REPORT_MARKER}.tmp-${process.pid}`);
  try {
    writeFileSync(tmp, markerText(files, reportVersion));
    renameSync(tmp, join(dir, REPORT_MARKER));
  } catch (e) {
    rmSync(tmp, { force: true });
    throw ioError("cannot write the report marker into", dir, e);
  }
}

/** Checks `outDir` against the rule, then creates the staging directory beside it (removed on any exit). */
export function stageOutput(outDir: string, inputs: readonly string[] = [], label?: string): StagedOutput {
  const protect = inputRealDirs(inputs);
  const first = checkOutputTarget(outDir, protect, process.cwd(), label);
  const parent = dirname(first.path);
  const staging = join(parent, `.${basename(first.path)}.tmp-${process.pid}`);
  makeDirs(parent, first.path);
  try {
    rmSync(staging, { recursive: true, force: true }); // a crashed earlier run of the same pid
    mkdirSync(staging);
  } catch (e) {
    throw ioError(`cannot create the output directory ${first.path}: staging directory`, staging, e);
  }
  const forget = onCleanup(() => rmSync(staging, { recursive: true, force: true }));
  let kept = false;
  return {
    target: outDir,
    staging,
    write(name, content) {
      const p = join(staging, name);
      try {
        writeFileSync(p, content);
      } catch (e) {
        throw ioError("cannot write", p, e);
      }
    },
    moveIn(name, from) {
      const p = join(staging, name);
      try {
        renameSync(from, p);
      } catch (e) {
        if (code(e) !== "EXDEV") throw ioError(`cannot move ${from} to`, p, e);
        try {
          copyFileSync(from, p);
        } catch (e2) {
          throw ioError(`cannot copy ${from} to`, p, e2);
        }
      }
    },
    commit() {
      return this.commitTo(outDir);
    },
    commitTo(dir, dirLabel) {
      const t = checkOutputTarget(dir, protect, process.cwd(), dirLabel);
      const names = readdirSync(staging)
        .filter((n) => n !== REPORT_MARKER)
        .sort();
      this.write(REPORT_MARKER, markerText(names));
      if (t.state === "absent") {
        makeDirs(dirname(t.path), t.path);
        try {
          renameSync(staging, t.path);
        } catch (e) {
          kept = true;
          forget();
          throw new ReportError(
            EXIT.IO,
            `cannot move the finished report to ${t.path}: ${code(e)} (${(e as Error).message}); the new report is complete in ${staging}, nothing else changed`,
          );
        }
        forget();
        return resolve(dir);
      }
      // The marker first: an interrupted move still leaves a directory the next run may replace.
      const order = [REPORT_MARKER, ...names];
      for (let i = 0; i < order.length; i++) {
        const n = order[i]!;
        try {
          renameSync(join(staging, n), join(t.path, n));
        } catch (e) {
          kept = true;
          forget();
          const done = order.slice(0, i);
          const left = order.slice(i);
          throw new ReportError(
            EXIT.IO,
            `cannot move ${n} into ${t.path}: ${code(e)} (${(e as Error).message}); the new report is split: ${
              done.length
                ? `${done.join(", ")} already replaced in ${t.path}`
                : `nothing replaced in ${t.path}`
            }, ${left.join(", ")} still in ${staging} (${t.path} still holds the previous report's copies of those it had)`,
          );
        }
      }
      forget();
      rmSync(staging, { recursive: true, force: true });
      // Files of the earlier report that this one does not write (e.g. another --format): regular files only.
      const stale = t.previousFiles.filter((f) => !names.includes(f));
      const failed: string[] = [];
      for (const f of stale) {
        const p = join(t.path, f);
        try {
          if (lstatSync(p).isFile()) rmSync(p);
        } catch (e) {
          if (code(e) !== "ENOENT") failed.push(`${f} (${code(e)})`);
        }
      }
      if (failed.length > 0)
        throw new ReportError(
          EXIT.IO,
          `the new report is complete in ${t.path}, but the previous report's ${failed.join(", ")} could not be removed from it`,
        );
      return resolve(dir);
    },
    abort() {
      if (kept) return;
      forget();
      rmSync(staging, { recursive: true, force: true });
    },
  };
}
